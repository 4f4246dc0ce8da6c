package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/storebench"
)

// BenchmarkStore runs the per-turn store benchmarks on a fresh schema of
// TEST_DATABASE_URL.
func BenchmarkStore(b *testing.B) {
	dbURL := os.Getenv("TEST_DATABASE_URL")
	if dbURL == "" {
		b.Skip("TEST_DATABASE_URL is not set")
	}
	storebench.Run(b, func(b *testing.B) store.Store {
		s, err := Open(b.Context(), benchSchema(b, dbURL), Options{Migrate: true})
		if err != nil {
			b.Fatalf("Open: %v", err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// benchSchema creates a schema dropped at cleanup and returns the URL that
// uses it.
func benchSchema(b *testing.B, dbURL string) string {
	b.Helper()
	exec := func(sql string) {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			b.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	exec("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public")
	r := make([]byte, 6)
	_, _ = rand.Read(r)
	schema := "bench_" + hex.EncodeToString(r)
	exec("CREATE SCHEMA " + schema)
	b.Cleanup(func() { exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(dbURL)
	if err != nil {
		b.Fatalf("parse url: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}
