package agentfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/letta-server/letta-server/internal/agentfile"
)

// FuzzParse feeds arbitrary documents to Parse: a *File or an error,
// never a panic.
func FuzzParse(f *testing.F) {
	matches, _ := filepath.Glob(filepath.Join("testdata", "*.af"))
	for _, m := range matches {
		if b, err := os.ReadFile(m); err == nil {
			f.Add(b)
		}
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
