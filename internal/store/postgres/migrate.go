package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/letta-server/letta-server/migrations"
)

// migrateUp applies the embedded migrations to the schema the connection
// config selects (the first of its search_path). golang-migrate holds a
// Postgres advisory lock while it works, so servers starting together
// against one database apply each migration once and all come up.
func migrateUp(ctx context.Context, cfg *pgx.ConnConfig, logger *slog.Logger) (err error) {
	src, err := iofs.New(migrations.Postgres, "postgres")
	if err != nil {
		return fmt.Errorf("read embedded migrations: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	driver, err := migratepgx.WithInstance(db, &migratepgx.Config{})
	if err != nil {
		_ = db.Close()
		_ = src.Close()
		return fmt.Errorf("prepare migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		_ = driver.Close()
		_ = src.Close()
		return fmt.Errorf("prepare migrations: %w", err)
	}
	defer func() {
		srcErr, dbErr := m.Close()
		if err == nil {
			err = errors.Join(srcErr, dbErr)
		}
	}()
	// Stop waiting for the lock, or a long migration, when ctx ends.
	stop := context.AfterFunc(ctx, func() { m.GracefulStop <- true })
	defer stop()

	before, _, _ := m.Version()
	if known := migrations.Latest(migrations.Postgres, "postgres"); before > known {
		return &migrations.NewerSchemaError{Database: before, Known: known}
	}
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("apply migrations: %w", interpretError(err))
	}
	after, dirty, err := m.Version()
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if after != before {
		logger.InfoContext(ctx, "applied migrations", "from_version", before, "to_version", after, "dirty", dirty)
	}
	return nil
}

// checkSchema refuses, when migrations are off, a database whose schema
// version is not the one this server was built for. A database without a
// migrations table is left alone (its first query will say what is missing).
func checkSchema(ctx context.Context, pool *pgxpool.Pool) error {
	var version int64
	var dirty bool
	if err := pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&version, &dirty); err != nil {
		return nil
	}
	return migrations.CheckVersion(uint(version), dirty, migrations.Latest(migrations.Postgres, "postgres"))
}
