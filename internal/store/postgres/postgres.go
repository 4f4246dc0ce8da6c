// Package postgres is the production store: store.Store on PostgreSQL with
// the pgvector extension, through a pgx connection pool. Its schema is the
// golang-migrate files embedded by package migrations.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// defaultConnectTimeout bounds one connection attempt when the URL sets no
// connect_timeout, so a blackholed host fails start-up instead of hanging.
const defaultConnectTimeout = 10 * time.Second

// Options configure Open.
type Options struct {
	// Migrate applies the embedded migrations before the store is used.
	Migrate bool
	// Logger receives start-up events; nil discards them.
	Logger *slog.Logger
}

// Store is store.Store on PostgreSQL. The zero value is not usable; call Open.
type Store struct {
	pool *pgxpool.Pool
	// q runs the queries: the pool, or the transaction of a Store given to
	// an InTx function.
	q        querier
	tools    *toolCache
	agents   *store.DecodeCache[letta.Agent]
	blocks   *store.DecodeCache[letta.Block]
	messages *store.DecodeCache[letta.Message]
	counts   *store.MessageCounts
	inTx     bool
}

var _ store.Store = (*Store)(nil)

// querier is what *pgxpool.Pool and pgx.Tx have in common, so every method
// runs the same way inside and outside a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Open connects to the database at databaseURL, checks that it is
// reachable and has pgvector, applies the migrations when opts.Migrate, and
// returns the store. Its errors are one line an operator can act on and
// never contain the password.
func Open(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	logger = logger.With("component", "postgres")

	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, invalidURLError(databaseURL, err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}

	if err := checkServer(ctx, cfg.ConnConfig, opts.Migrate); err != nil {
		return nil, err
	}
	if opts.Migrate {
		if err := migrateUp(ctx, cfg.ConnConfig, logger); err != nil {
			return nil, err
		}
	}

	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
			return fmt.Errorf("register pgvector types: %w", err)
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create connection pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, connectError(ctx, cfg.ConnConfig, err)
	}
	if !opts.Migrate {
		if err := checkSchema(ctx, pool); err != nil {
			pool.Close()
			return nil, err
		}
	}
	logger.InfoContext(ctx, "connected", "host", cfg.ConnConfig.Host, "port", cfg.ConnConfig.Port, "database", cfg.ConnConfig.Database)
	return &Store{pool: pool, q: pool, tools: newToolCache(), agents: newAgentCache(), blocks: newBlockCache(), messages: newMessageCache(), counts: store.NewMessageCounts()}, nil
}

// checkServer connects once without the pgvector hook and reports the
// start-up problems an operator can fix: an unreachable server, a rejected
// login, a vector extension whose type is not on the search_path, or one
// that is not in the database and cannot be created. When migrations will
// run it creates the extension here, as the first migration would, so a
// role without the right to do so gets the fix in plain words and the
// migration history is not left dirty.
func checkServer(ctx context.Context, cfg *pgx.ConnConfig, migrate bool) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return connectError(ctx, cfg, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	const q = `SELECT
		EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector'),
		(SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'),
		to_regtype('vector') IS NOT NULL`
	var (
		available, visible bool
		extSchema          *string
	)
	if err := conn.QueryRow(ctx, q).Scan(&available, &extSchema, &visible); err != nil {
		return fmt.Errorf("check the vector extension: %w", interpretError(err))
	}
	switch {
	case extSchema != nil && !visible:
		return &startupError{msg: fmt.Sprintf(
			"the pgvector extension is installed in schema %q, which is not on the search_path: add it to search_path in the database URL",
			*extSchema)}
	case extSchema != nil:
		return nil
	case !available || !migrate:
		return errMissingExtension
	}
	_, err = conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector`)
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation:
		// Another server starting at the same moment created it first
		// (IF NOT EXISTS does not cover that race).
		return nil
	case errors.As(err, &pgErr) && pgErr.Code == codeInsufficientPrivilege:
		return &startupError{msg: errMissingExtension.Error(), causes: []error{errMissingExtension, err}}
	}
	return fmt.Errorf("create the vector extension: %w", interpretError(err))
}

// Backend returns store.BackendPostgres.
func (s *Store) Backend() string { return store.BackendPostgres }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.q.QueryRow(ctx, "SELECT 1").Scan(new(int)); err != nil {
		return fmt.Errorf("ping: %w", interpretError(err))
	}
	return nil
}

// Close closes the pool. On a Store given to an InTx function it does nothing.
func (s *Store) Close() error {
	if !s.inTx {
		s.pool.Close()
	}
	return nil
}
