package main

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

func TestMigrateCommandThenServeWithNoMigrate(t *testing.T) {
	t.Parallel()
	fake := llmtest.NewServer(t)
	dataDir := filepath.Join(t.TempDir(), "data")

	// Without migrations the schema is missing: --no-migrate on a fresh
	// database cannot create an agent (this is what makes the test able
	// to fail).
	bare := launch(t, fake, map[string]string{"LETTA_DATA_DIR": filepath.Join(t.TempDir(), "other")}, "--no-migrate")
	if st := call(t, http.MethodPost, bare.base+"/v1/agents/", "", map[string]any{"name": "x", "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-3-small"}, nil); st == http.StatusOK {
		t.Fatalf("an unmigrated database served an agent create")
	}

	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"migrate"}, envOf(map[string]string{"LETTA_DATA_DIR": dataDir, "HOME": t.TempDir()}), &stdout, &stderr)
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "sqlite database schema is up to date") {
		t.Errorf("migrate stdout = %q", stdout.String())
	}
	// Again: nothing to do, still fine.
	if err := run(t.Context(), []string{"migrate"}, envOf(map[string]string{"LETTA_DATA_DIR": dataDir, "HOME": t.TempDir()}), io.Discard, io.Discard); err != nil {
		t.Fatalf("second migrate: %v", err)
	}

	in := launch(t, fake, map[string]string{"LETTA_DATA_DIR": dataDir}, "--no-migrate")
	newAgent(t, in.base, "")
}

func TestMigrateCommandReportsABadDatabase(t *testing.T) {
	t.Parallel()
	err := run(t.Context(), []string{"migrate"}, envOf(map[string]string{"LETTA_PG_URI": "mysql://nope"}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "LETTA_PG_URI") {
		t.Errorf("migrate with a bad URL = %v", err)
	}
	if err := run(t.Context(), []string{"migrate", "-h"}, envOf(nil), io.Discard, io.Discard); err != nil {
		t.Errorf("migrate -h = %v", err)
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version"}, envOf(nil), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != buildVersion() || buildVersion() == "" {
		t.Errorf("version printed %q, want %q", out.String(), buildVersion())
	}
}
