package agentfile_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/letta-server/letta-server/internal/agentfile"
)

// FuzzParse feeds arbitrary documents to Parse: a *File or an error,
// never a panic.
func FuzzParse(f *testing.F) {
	// Published agent files, shrunk to every field's shape (their full
	// size, up to 117 KB, stalls the fuzzer's coverage-guided mutation).
	matches, _ := filepath.Glob(filepath.Join("testdata", "*.af"))
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			f.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			f.Fatalf("%s: %v", m, err)
		}
		small, err := json.Marshal(shrink(v))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(small)
	}
	for _, s := range []string{``, `{}`, `[]`, `"{}"`, `"\"{}\""`, `{"agents":null}`, `{"agents":[{}]}`,
		`{"agents":[{"id":"a","messages":[{"id":"m"}],"in_context_message_ids":["x"]}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		file, err := agentfile.Parse(raw)
		if err == nil && file == nil {
			t.Fatalf("Parse(%q) = nil, nil", raw)
		}
	})
}

// shrink cuts every string to its first 40 bytes, so each field of the
// document stays, at its type, and ids still match their references. A
// document that is a JSON string holding the file (as some exports are)
// is shrunk inside.
func shrink(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = shrink(e)
		}
	case []any:
		for i, e := range x {
			x[i] = shrink(e)
		}
	case string:
		var inner any
		if json.Unmarshal([]byte(x), &inner) == nil {
			if b, err := json.Marshal(shrink(inner)); err == nil {
				return string(b)
			}
		}
		if len(x) > 40 {
			return x[:40]
		}
	}
	return v
}
