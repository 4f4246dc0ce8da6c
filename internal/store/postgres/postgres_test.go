package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/pgtest"
	"github.com/letta-server/letta-server/internal/store/storetest"
	"github.com/letta-server/letta-server/migrations"
)

var _ store.Store = (*Store)(nil)

// databaseURL returns TEST_DATABASE_URL. Without it the test is skipped,
// or fails when LETTA_REQUIRE_PG=1 (as in CI).
func databaseURL(t *testing.T) string {
	t.Helper()
	u := pgtest.DatabaseURL(t)
	if u == "" {
		t.Skip("TEST_DATABASE_URL is not set")
	}
	return u
}

// freshSchema creates an empty schema, dropped at cleanup, and returns the
// test URL with search_path=<schema>,public (public holds the vector type).
func freshSchema(t *testing.T) string {
	t.Helper()
	_, schemaURL := pgtest.Schema(t, databaseURL(t), "test")
	return schemaURL
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// newStore opens a migrated store on a fresh schema, closed at cleanup.
func newStore(t *testing.T) store.Store {
	t.Helper()
	schemaURL := freshSchema(t)
	s, err := Open(t.Context(), schemaURL, Options{Migrate: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestStoreContract(t *testing.T) {
	databaseURL(t)
	storetest.Run(t, newStore)
}

// TestConcurrentMigrations starts several servers against one empty schema
// at once: golang-migrate's advisory lock must let every one come up, with
// each migration applied once.
func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	schemaURL := freshSchema(t)
	const servers = 4
	errs := make([]error, servers)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() {
			s, err := Open(t.Context(), schemaURL, Options{Migrate: true, Logger: testLogger(t)})
			if err == nil {
				err = s.Ping(t.Context())
				_ = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("server %d: %v", i, err)
		}
	}
	conn, err := pgx.Connect(t.Context(), schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(t.Context()))
	var version int
	var dirty bool
	if err := conn.QueryRow(t.Context(), "SELECT version, dirty FROM schema_migrations").Scan(&version, &dirty); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	if want := latestVersion(t); version != want || dirty {
		t.Errorf("schema version = %d dirty=%v, want %d clean", version, dirty, want)
	}
}

// TestConcurrentStartOnEmptyDatabase: servers starting together on a new
// database, without even the vector extension, all come up.
func TestConcurrentStartOnEmptyDatabase(t *testing.T) {
	t.Parallel()
	dbURL := freshDatabase(t, "")
	const servers = 4
	errs := make([]error, servers)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() {
			s, err := Open(t.Context(), dbURL, Options{Migrate: true, Logger: testLogger(t)})
			if err == nil {
				_, err = s.ListTags(t.Context())
				_ = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("server %d: %v", i, err)
		}
	}
}

// freshDatabase creates an empty database (owned by owner, when given),
// dropped at cleanup, and returns its URL.
func freshDatabase(t *testing.T, owner string) string {
	t.Helper()
	dbURL := databaseURL(t)
	name := "test_db_" + pgtest.RandomSuffix()
	create := "CREATE DATABASE " + name
	if owner != "" {
		create += " OWNER " + owner
	}
	pgtest.Exec(t, dbURL, create)
	t.Cleanup(func() { pgtest.Exec(t, dbURL, "DROP DATABASE "+name+" WITH (FORCE)") })
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// latestVersion is the highest embedded migration number.
func latestVersion(t *testing.T) int {
	t.Helper()
	entries, err := migrations.Postgres.ReadDir("postgres")
	if err != nil {
		t.Fatal(err)
	}
	latest := 0
	for _, e := range entries {
		var n int
		if _, err := fmt.Sscanf(e.Name(), "%d_", &n); err == nil && n > latest {
			latest = n
		}
	}
	return latest
}

// migrator runs the embedded migrations on schemaURL; closed at cleanup.
func migrator(t *testing.T, schemaURL string) *migrate.Migrate {
	t.Helper()
	cfg, err := pgx.ParseConfig(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	src, err := iofs.New(migrations.Postgres, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	driver, err := migratepgx.WithInstance(stdlib.OpenDB(*cfg), &migratepgx.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = m.Close() })
	return m
}

// TestMigrationsDownAndUp checks that every down migration undoes its up
// migration: up, down to nothing, up again.
func TestMigrationsDownAndUp(t *testing.T) {
	t.Parallel()
	schemaURL := freshSchema(t)
	m := migrator(t, schemaURL)
	for _, step := range []struct {
		name string
		run  func() error
	}{{"up", m.Up}, {"down", m.Down}, {"up again", m.Up}} {
		if err := step.run(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
	}
	s, err := Open(t.Context(), schemaURL, Options{Migrate: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Open after down and up: %v", err)
	}
	defer s.Close()
	if _, err := s.ListTags(t.Context()); err != nil {
		t.Fatalf("ListTags: %v", err)
	}
}

// TestOpenInvalidURL: a malformed URL is one clear line without the password.
func TestOpenInvalidURL(t *testing.T) {
	t.Parallel()
	const secret = "s3cretPW"
	for _, rawURL := range []string{
		"postgres://letta:" + secret + "@localhost:notaport/letta",
		"postgres://letta:" + secret + "@[::1/letta",
		"postgres://letta:" + secret + "%zz@localhost/letta",
		"postgres://letta:" + secret + "@localhost/letta?sslmode=sometimes",
		"host=localhost password=" + secret + " port=abc",
	} {
		_, err := Open(t.Context(), rawURL, Options{})
		if err == nil {
			t.Errorf("Open(%q) succeeded", rawURL)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "invalid database URL: ") || strings.Contains(msg, "\n") {
			t.Errorf("Open(%q) = %q, want one line starting %q", rawURL, msg, "invalid database URL: ")
		}
		if strings.Contains(msg, secret) {
			t.Errorf("Open(%q) = %q: shows the password", rawURL, msg)
		}
	}
}

// TestOpenUnreachable: nothing listens on port 1.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	const secret = "s3cretPW"
	_, err := Open(t.Context(), "postgres://letta:"+secret+"@127.0.0.1:1/letta?sslmode=disable", Options{Migrate: true})
	if err == nil {
		t.Fatal("Open succeeded against 127.0.0.1:1")
	}
	msg := err.Error()
	const want = "cannot reach Postgres at 127.0.0.1:1: connect: connection refused — is it running?"
	if msg != want {
		t.Errorf("Open error = %q, want %q", msg, want)
	}
	if strings.Contains(msg, secret) {
		t.Errorf("Open error %q shows the password", msg)
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open error %v is not ErrUnavailable", err)
	}
}

const missingExtensionMessage = "the pgvector extension is not installed on this server: " +
	"install pgvector (e.g. the pgvector/pgvector Docker image) or run CREATE EXTENSION vector as a superuser"

// TestOpenWithoutExtension opens a database that lacks the vector
// extension without migrations (which would create it).
func TestOpenWithoutExtension(t *testing.T) {
	t.Parallel()
	dbURL := freshDatabase(t, "")
	_, err := Open(t.Context(), dbURL, Options{Migrate: false})
	if err == nil || err.Error() != missingExtensionMessage {
		t.Fatalf("Open without the extension: err = %v, want %q", err, missingExtensionMessage)
	}
}

// TestOpenAsRoleThatCannotCreateExtension: migrations need CREATE
// EXTENSION, which an ordinary role may not run (pgvector is not trusted).
func TestOpenAsRoleThatCannotCreateExtension(t *testing.T) {
	t.Parallel()
	adminURL := databaseURL(t)
	role := "test_role_" + pgtest.RandomSuffix()
	pgtest.Exec(t, adminURL, "CREATE ROLE "+role+" LOGIN")
	t.Cleanup(func() { pgtest.Exec(t, adminURL, "DROP ROLE "+role) })
	u, err := url.Parse(freshDatabase(t, role))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)

	_, err = Open(t.Context(), u.String(), Options{Migrate: true})
	if err == nil || err.Error() != missingExtensionMessage {
		t.Fatalf("Open as %s: err = %v, want %q", role, err, missingExtensionMessage)
	}
	// Nothing was applied, so a later start (after an admin installs
	// pgvector) migrates cleanly.
	conn, err := pgx.Connect(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(t.Context()))
	var exists bool
	if err := conn.QueryRow(t.Context(), "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Error("schema_migrations exists after the failed start")
	}
}

func TestMissingExtensionMessage(t *testing.T) {
	if got := errMissingExtension.Error(); got != missingExtensionMessage {
		t.Errorf("message = %q, want %q", got, missingExtensionMessage)
	}
}

func TestInterpretError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"no rows", fmt.Errorf("scan: %w", pgx.ErrNoRows), store.ErrNotFound},
		{"unique violation", &pgconn.PgError{Code: "23505"}, store.ErrConflict},
		{"foreign key violation", &pgconn.PgError{Code: "23503"}, store.ErrNotFound},
		{"connection failure", &pgconn.PgError{Code: "08006"}, store.ErrUnavailable},
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, store.ErrUnavailable},
		// What a pooled connection the server dropped answers to the next
		// statement (pgconn's error wraps the sentinel, not safe to retry).
		{"connection already closed", fmt.Errorf("begin transaction: %w", pgconn.ErrConnClosed), store.ErrUnavailable},
		{"cancelled", context.Canceled, context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := interpretError(tc.err)
			if !errors.Is(got, tc.want) {
				t.Errorf("interpretError(%v) = %v, want %v", tc.err, got, tc.want)
			}
			if !errors.Is(got, tc.err) && !errors.Is(tc.err, pgx.ErrNoRows) {
				t.Errorf("interpretError(%v) = %v, lost the driver error", tc.err, got)
			}
		})
	}
	syntax := &pgconn.PgError{Code: "42601"}
	if got := interpretError(syntax); got != error(syntax) {
		t.Errorf("interpretError(syntax error) = %v, want it unchanged", got)
	}
	if interpretError(nil) != nil {
		t.Error("interpretError(nil) != nil")
	}
}

// TestExtensionNotOnSearchPath: pgvector is installed (in public) but the
// URL's search_path leaves public out, so the vector type cannot resolve.
func TestExtensionNotOnSearchPath(t *testing.T) {
	t.Parallel()
	schemaURL := freshSchema(t)
	u, err := url.Parse(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", strings.TrimSuffix(q.Get("search_path"), ",public"))
	u.RawQuery = q.Encode()

	_, err = Open(t.Context(), u.String(), Options{Migrate: true})
	const want = `the pgvector extension is installed in schema "public", which is not on the search_path: add it to search_path in the database URL`
	if err == nil || err.Error() != want {
		t.Fatalf("Open: err = %v, want %q", err, want)
	}
}

// TestNULCharacters: Postgres text and jsonb cannot hold U+0000, which tool
// output may carry; it is stored as U+FFFD instead of failing the write,
// while an escaped-looking literal ("\u0000" as six characters) is kept.
func TestNULCharacters(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	now := letta.Now()
	a, err := s.CreateAgent(ctx, store.CreateAgentParams{Agent: letta.Agent{
		ID: letta.NewID(letta.PrefixAgent), Name: "nul\x00agent", AgentType: letta.AgentTypeLettaV1,
		System: "sys\x00tem", CreatedAt: now, UpdatedAt: now,
	}})
	if err != nil {
		t.Fatalf("CreateAgent: %v", err)
	}
	if a.Name != "nul\uFFFDagent" || a.System != "sys\uFFFDtem" {
		t.Errorf("Name, System = %q, %q; want U+FFFD for U+0000", a.Name, a.System)
	}
	m := &letta.Message{
		ID: letta.NewID(letta.PrefixMessage), AgentID: a.ID, Role: letta.RoleTool, CreatedAt: now,
		Content: []letta.Content{{Type: letta.ContentText, Text: "out\x00put and a literal \\u0000"}},
	}
	if err := s.CreateMessages(ctx, []*letta.Message{m}); err != nil {
		t.Fatalf("CreateMessages: %v", err)
	}
	got, err := s.GetMessage(ctx, m.ID)
	if err != nil {
		t.Fatalf("GetMessage: %v", err)
	}
	if want := "out\uFFFDput and a literal \\u0000"; got.Text() != want {
		t.Errorf("Text() = %q, want %q", got.Text(), want)
	}
	found, err := s.ListMessages(ctx, store.ListMessagesParams{AgentID: a.ID, Query: "literal \\u0000"})
	if err != nil || len(found) != 1 {
		t.Errorf("ListMessages by the literal: %d found, err %v; want 1", len(found), err)
	}

	b := &letta.Block{ID: letta.NewID(letta.PrefixBlock), Label: "human", Value: "a\x00b", Limit: 100, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateBlock(ctx, b); err != nil {
		t.Fatalf("CreateBlock: %v", err)
	}
	if err := s.CompareAndSetBlockValue(ctx, b.ID, "a\x00b", "c\x00d"); err != nil {
		t.Fatalf("CompareAndSetBlockValue: %v", err)
	}
	gotBlock, err := s.GetBlock(ctx, b.ID)
	if err != nil {
		t.Fatalf("GetBlock: %v", err)
	}
	if gotBlock.Value != "c\uFFFDd" {
		t.Errorf("Value = %q, want %q", gotBlock.Value, "c\uFFFDd")
	}
}

func TestReplaceJSONNUL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`"plain"`, `"plain"`},
		{`"a\u0000b"`, `"a\ufffdb"`},
		{`"\\u0000"`, `"\\u0000"`},
		{`"\\\u0000"`, `"\\\ufffd"`},
		{`{"k\u0000":"\u0000\u0000"}`, `{"k\ufffd":"\ufffd\ufffd"}`},
	} {
		if got := string(replaceJSONNUL([]byte(tc.in))); got != tc.want {
			t.Errorf("replaceJSONNUL(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
