package postgres

import (
	"testing"

	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/pgtest"
	"github.com/letta-server/letta-server/internal/store/storebench"
)

// BenchmarkStore runs the per-turn store benchmarks on a fresh schema of
// TEST_DATABASE_URL.
func BenchmarkStore(b *testing.B) {
	dbURL := pgtest.DatabaseURL(b)
	if dbURL == "" {
		b.Skip("TEST_DATABASE_URL is not set")
	}
	storebench.Run(b, func(b *testing.B) store.Store {
		s, err := Open(b.Context(), benchURL(b, dbURL), Options{Migrate: true})
		if err != nil {
			b.Fatalf("Open: %v", err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// benchURL is dbURL on a fresh schema dropped at cleanup.
func benchURL(b *testing.B, dbURL string) string {
	_, u := pgtest.Schema(b, dbURL, "bench")
	return u
}
