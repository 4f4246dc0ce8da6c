package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/golang-migrate/migrate/v4"
	migratesqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/letta-server/letta-server/migrations"
)

// migrateUp applies the embedded migrations/sqlite files. It uses its own
// connection, since golang-migrate closes the database it is given.
func migrateUp(dsn string, logger *slog.Logger) error {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("open sqlite for migration: %w", err)
	}
	db.SetMaxOpenConns(1)
	driver, err := migratesqlite.WithInstance(db, &migratesqlite.Config{})
	if err != nil {
		db.Close()
		return fmt.Errorf("prepare sqlite migration: %w", err)
	}
	src, err := iofs.New(migrations.SQLite, "sqlite")
	if err != nil {
		db.Close()
		return fmt.Errorf("read sqlite migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "sqlite", driver)
	if err != nil {
		db.Close()
		return fmt.Errorf("prepare sqlite migration: %w", err)
	}
	defer m.Close()
	if before, _, _ := m.Version(); before > migrations.Latest(migrations.SQLite, "sqlite") {
		return &migrations.NewerSchemaError{Database: before, Known: migrations.Latest(migrations.SQLite, "sqlite")}
	}
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("apply sqlite migrations: %w", err)
	}
	version, dirty, err := m.Version()
	if err != nil {
		return fmt.Errorf("read sqlite schema version: %w", err)
	}
	logger.Info("sqlite schema ready", "version", version, "dirty", dirty)
	return nil
}

// checkSchema refuses, when migrations are off, a database whose schema
// version is not the one this server was built for. A database without a
// migrations table is left alone (its first query will say what is missing).
func checkSchema(ctx context.Context, db *sql.DB) error {
	var version uint
	var dirty bool
	err := db.QueryRowContext(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&version, &dirty)
	if err != nil {
		return nil
	}
	return migrations.CheckVersion(version, dirty, migrations.Latest(migrations.SQLite, "sqlite"))
}
