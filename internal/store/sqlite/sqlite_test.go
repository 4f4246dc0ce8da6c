package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/sqlite"
	"github.com/letta-server/letta-server/internal/store/storetest"
)

var _ store.Store = (*sqlite.Store)(nil)

// newStore opens a fresh, migrated store in a new file under t.TempDir().
func newStore(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "letta.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close sqlite store: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, newStore)
}

func TestOpenCreatesAndMigrates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "nested", "dir", "letta.db")

	s, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	b := &letta.Block{ID: letta.NewID(letta.PrefixBlock), Label: "human", Value: "kept", CreatedAt: letta.Now(), UpdatedAt: letta.Now()}
	if err := s.CreateBlock(ctx, b); err != nil {
		t.Fatalf("CreateBlock: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// WAL is a property of the file: any later connection sees it.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open raw: %v", err)
	}
	var mode string
	if err := raw.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatalf("read journal_mode: %v", err)
	}
	raw.Close()
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}

	// Opening again re-runs the (already applied) migrations harmlessly and
	// keeps the data.
	s, err = sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer s.Close()
	got, err := s.GetBlock(ctx, b.ID)
	if err != nil {
		t.Fatalf("GetBlock after reopen: %v", err)
	}
	if got.Value != "kept" {
		t.Errorf("value after reopen = %q, want kept", got.Value)
	}
}

func TestOpenWithoutMigrate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "letta.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	// No schema: a read fails, but not as "not found".
	if _, err := s.GetBlock(ctx, letta.NewID(letta.PrefixBlock)); err == nil {
		t.Fatal("GetBlock on an unmigrated database succeeded")
	}
}
