package migrations

import (
	"io/fs"
	"strings"
	"testing"
)

// TestPairs: every migration number has an up and a down file, in both
// engines, with the same names.
func TestPairs(t *testing.T) {
	names := map[string][]string{}
	for _, engine := range []struct {
		dir  string
		fsys fs.FS
	}{{"postgres", Postgres}, {"sqlite", SQLite}} {
		entries, err := fs.ReadDir(engine.fsys, engine.dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names[engine.dir] = append(names[engine.dir], e.Name())
		}
		ups, downs := 0, 0
		for _, n := range names[engine.dir] {
			switch {
			case strings.HasSuffix(n, ".up.sql"):
				ups++
				if !contains(names[engine.dir], strings.TrimSuffix(n, ".up.sql")+".down.sql") {
					t.Errorf("%s/%s has no down file", engine.dir, n)
				}
			case strings.HasSuffix(n, ".down.sql"):
				downs++
			}
		}
		if ups != downs || ups == 0 {
			t.Errorf("%s: %d up and %d down files", engine.dir, ups, downs)
		}
	}
	if strings.Join(names["postgres"], ",") != strings.Join(names["sqlite"], ",") {
		t.Errorf("the engines' migrations differ:\npostgres %v\nsqlite   %v", names["postgres"], names["sqlite"])
	}
	if Latest(SQLite, "sqlite") < 2 {
		t.Errorf("Latest = %d, want at least 2", Latest(SQLite, "sqlite"))
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
