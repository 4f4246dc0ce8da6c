package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	migratesqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/letta-server/letta-server/internal/store/sqlite"
	"github.com/letta-server/letta-server/internal/store/storetest"
	"github.com/letta-server/letta-server/migrations"
)

// TestPassageCountsBackfilled: the migration that adds the passage counts
// counts the passages already stored. The counts are dropped (migrating
// down to 5) and the migration applied again, so what CountPassages returns
// after it can only come from the backfill.
func TestPassageCountsBackfilled(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "letta.db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	want := map[string]int{}
	for i, n := range []int{7, 3, 0} {
		a, err := storetest.BenchAgent(ctx, s, "backfilled")
		if err != nil {
			t.Fatalf("create agent: %v", err)
		}
		if _, err := storetest.LoadPassages(ctx, s, a.ID, n, 8, uint64(i)); err != nil {
			t.Fatalf("load passages: %v", err)
		}
		want[a.ID] = n
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	driver, err := migratesqlite.WithInstance(db, &migratesqlite.Config{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := iofs.New(migrations.SQLite, "sqlite")
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "sqlite", driver)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Migrate(5); err != nil {
		t.Fatalf("down to 5: %v", err)
	}
	if srcErr, dbErr := m.Close(); srcErr != nil || dbErr != nil {
		t.Fatalf("close migrations: %v, %v", srcErr, dbErr)
	}

	s, err = sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer s.Close()
	for agentID, n := range want {
		got, err := s.CountPassages(ctx, agentID)
		if err != nil {
			t.Fatalf("CountPassages: %v", err)
		}
		if got != n {
			t.Errorf("CountPassages(%s) = %d after the backfill, want %d", agentID, got, n)
		}
	}
}
