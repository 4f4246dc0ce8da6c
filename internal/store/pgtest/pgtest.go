// Package pgtest gives tests and benchmarks a schema of their own on the
// test Postgres (TEST_DATABASE_URL), so they run in parallel and leave
// nothing behind.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DatabaseURL returns TEST_DATABASE_URL, or "" when it is not set. With
// LETTA_REQUIRE_PG=1 (as in CI) an unset URL fails tb instead: there,
// Postgres tests must not skip.
func DatabaseURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" && os.Getenv("LETTA_REQUIRE_PG") == "1" {
		tb.Fatal("TEST_DATABASE_URL is not set and LETTA_REQUIRE_PG=1")
	}
	return u
}

// Exec runs one statement on a connection of its own. It also works in a
// cleanup, after tb's context is done.
func Exec(tb testing.TB, dbURL, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.Context()), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

var extensionOnce sync.Once

// Schema creates an empty schema named prefix_<random>, dropped at cleanup,
// and returns its name and dbURL with search_path=<schema>,public. pgvector
// is created in public once per process, so the schemas' migrations find it
// there instead of racing to create it.
func Schema(tb testing.TB, dbURL, prefix string) (name, schemaURL string) {
	tb.Helper()
	extensionOnce.Do(func() { Exec(tb, dbURL, "CREATE EXTENSION IF NOT EXISTS vector SCHEMA public") })
	name = prefix + "_" + RandomSuffix()
	Exec(tb, dbURL, "CREATE SCHEMA "+name)
	tb.Cleanup(func() { Exec(tb, dbURL, "DROP SCHEMA "+name+" CASCADE") })
	return name, WithParam(tb, dbURL, "search_path", name+",public")
}

// RandomSuffix is 12 random hex digits, for names of test objects.
func RandomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// WithParam returns dbURL with the query parameter set.
func WithParam(tb testing.TB, dbURL, key, value string) string {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatalf("parse the database URL: %v", err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
