package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/store"
)

// TestCheckpointerCopiesTheWALBack: commits, in transactions and outside
// them, are copied from the WAL into the database file by the checkpointer.
// The burst stays far below the backstop, so SQLite's own checkpoint never
// runs: the database file can only grow through the checkpointer.
func TestCheckpointerCopiesTheWALBack(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "letta.db")
	s, err := Open(ctx, path, Options{Migrate: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	var backstop int
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&backstop); err != nil || backstop != walBackstopPages {
		t.Fatalf("wal_autocheckpoint = %d, %v; want %d", backstop, err, walBackstopPages)
	}
	if _, err := s.q.ExecContext(ctx, `CREATE TABLE scratch (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	row := strings.Repeat("x", 3000) // about a page each
	const rows = 150                 // ~150 pages, far below the backstop

	for _, way := range []struct {
		name  string
		write func(ctx context.Context) error
	}{
		{"in transactions", func(ctx context.Context) error {
			return s.InTx(ctx, func(tx store.Store) error {
				_, err := tx.(*Store).q.ExecContext(ctx, `INSERT INTO scratch (v) VALUES (?)`, row)
				return err
			})
		}},
		{"outside transactions", func(ctx context.Context) error {
			_, err := s.q.ExecContext(ctx, `INSERT INTO scratch (v) VALUES (?)`, row)
			return err
		}},
	} {
		waitCheckpointed(t, s, path) // start from a file that holds everything
		before := fileSize(t, path)
		for range rows {
			if err := way.write(ctx); err != nil {
				t.Fatalf("%s: %v", way.name, err)
			}
		}
		want := before + rows*int64(len(row))
		deadline := time.Now().Add(10 * time.Second)
		for fileSize(t, path) < want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: database file %d bytes after 10 s, want at least %d: the WAL was not copied back (checkpointer runs %d)",
					way.name, fileSize(t, path), want, s.ckpt.runs.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// waitCheckpointed waits until the checkpointer's last run copied back
// every frame of the WAL (or it never ran: nothing was written through it).
func waitCheckpointed(t *testing.T, s *Store, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.ckpt.runs.Load() > 0 && s.ckpt.copied.Load() != s.ckpt.walFrames.Load() {
		if time.Now().After(deadline) {
			t.Fatalf("checkpointer: %d of %d frames copied after 10 s", s.ckpt.copied.Load(), s.ckpt.walFrames.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
