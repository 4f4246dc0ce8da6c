package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportExportSubcommands: `letta-server import` writes a published
// agent file into the configured SQLite store and prints the ids; `export`
// reads the agent back to a file, which imports again.
func TestImportExportSubcommands(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{
		"HOME":           t.TempDir(),
		"LETTA_DATA_DIR": filepath.Join(t.TempDir(), "data"),
	})
	var out bytes.Buffer
	file := filepath.Join("..", "..", "internal", "agentfile", "testdata", "loop.af")
	if err := run(t.Context(), []string{"import", "--name", "restored", file}, env, &out, io.Discard); err != nil {
		t.Fatalf("import: %v", err)
	}
	ids := strings.Fields(out.String())
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "agent-") {
		t.Fatalf("import printed %q, want one agent id", out.String())
	}

	exported := filepath.Join(t.TempDir(), "loop-export.af")
	if err := run(t.Context(), []string{"export", "-o", exported, ids[0]}, env, io.Discard, io.Discard); err != nil {
		t.Fatalf("export: %v", err)
	}
	raw, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Agents []struct {
			Name     string `json:"name"`
			Messages []any  `json:"messages"`
		} `json:"agents"`
		Blocks []any `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if len(doc.Agents) != 1 || doc.Agents[0].Name != "restored" || len(doc.Agents[0].Messages) != 3 || len(doc.Blocks) != 9 {
		t.Errorf("export holds %+v", doc)
	}

	out.Reset()
	if err := run(t.Context(), []string{"import", exported}, env, &out, io.Discard); err != nil {
		t.Fatalf("import the export: %v", err)
	}
	if got := strings.Fields(out.String()); len(got) != 1 || got[0] == ids[0] {
		t.Errorf("second import printed %q", out.String())
	}

	err = run(t.Context(), []string{"export", "agent-00000000-0000-4000-8000-000000000000"}, env, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no agent") {
		t.Errorf("export of an unknown agent: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.af")
	if err := os.WriteFile(bad, []byte(`{"agents":[{"id":"a","block_ids":["x"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(t.Context(), []string{"import", bad}, env, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "agents[0].block_ids[0]") {
		t.Errorf("import of a bad file: %v", err)
	}
}
