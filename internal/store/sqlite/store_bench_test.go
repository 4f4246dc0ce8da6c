package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/sqlite"
	"github.com/letta-server/letta-server/internal/store/storebench"
)

// BenchmarkStore runs the per-turn store benchmarks on a SQLite file.
func BenchmarkStore(b *testing.B) {
	storebench.Run(b, func(b *testing.B) store.Store {
		s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "letta.db"), sqlite.Options{Migrate: true})
		if err != nil {
			b.Fatalf("open sqlite store: %v", err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	})
}
