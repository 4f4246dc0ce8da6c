package sqlite_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	migratesqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store/sqlite"
	"github.com/letta-server/letta-server/migrations"
)

// TestMigrationsUpDownUp applies every migration, reverts them all, and
// applies them again, leaving a working store.
func TestMigrationsUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "letta.db")

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	driver, err := migratesqlite.WithInstance(db, &migratesqlite.Config{})
	if err != nil {
		t.Fatalf("migrate driver: %v", err)
	}
	src, err := iofs.New(migrations.SQLite, "sqlite")
	if err != nil {
		t.Fatalf("migrate source: %v", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "sqlite", driver)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer m.Close()
	for i, step := range []func() error{m.Up, m.Down, m.Up} {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'agents'`).Scan(&tables); err != nil {
		t.Fatalf("count tables: %v", err)
	}
	if tables != 1 {
		t.Fatalf("agents table count = %d after up/down/up, want 1", tables)
	}

	s, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("Open after up/down/up: %v", err)
	}
	defer s.Close()
	b := &letta.Block{ID: letta.NewID(letta.PrefixBlock), Label: "human", CreatedAt: letta.Now(), UpdatedAt: letta.Now()}
	if err := s.CreateBlock(ctx, b); err != nil {
		t.Fatalf("CreateBlock: %v", err)
	}
}

// TestNewerSchemaRefused: a database migrated by a newer server is refused
// with a message saying what to do, and left as it was.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "letta.db")
	st, err := sqlite.Open(t.Context(), path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE schema_migrations SET version = 999`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = sqlite.Open(t.Context(), path, sqlite.Options{Migrate: true})
	var newer *migrations.NewerSchemaError
	if !errors.As(err, &newer) || newer.Database != 999 || !strings.Contains(err.Error(), "upgrade letta-server") {
		t.Fatalf("Open = %v, want a NewerSchemaError for version 999", err)
	}
}

// TestNoMigrateChecksVersion: with migrations off, a schema older or newer
// than this build is refused with what to do; the current one opens.
func TestNoMigrateChecksVersion(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "letta.db")
	st, err := sqlite.Open(t.Context(), path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err = sqlite.Open(t.Context(), path, sqlite.Options{}); err != nil {
		t.Fatalf("current schema refused: %v", err)
	}
	st.Close()

	setVersion := func(v int) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`UPDATE schema_migrations SET version = ?`, v); err != nil {
			t.Fatal(err)
		}
	}
	setVersion(1)
	if _, err := sqlite.Open(t.Context(), path, sqlite.Options{}); err == nil || !strings.Contains(err.Error(), "letta-server migrate") {
		t.Errorf("older schema: Open = %v, want a refusal naming letta-server migrate", err)
	}
	setVersion(999)
	var newer *migrations.NewerSchemaError
	if _, err := sqlite.Open(t.Context(), path, sqlite.Options{}); !errors.As(err, &newer) {
		t.Errorf("newer schema: Open = %v, want NewerSchemaError", err)
	}
}
