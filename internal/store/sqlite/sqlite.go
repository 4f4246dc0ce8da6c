// Package sqlite is the embedded Store: one SQLite file, opened with the
// pure-Go modernc driver so CGO_ENABLED=0 builds work. Records are rows with
// the columns the lists filter and sort on plus the rest of the letta type as
// JSON in a data column.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

var _ store.Store = (*Store)(nil)

// Options configure Open.
type Options struct {
	// Migrate applies the embedded migrations before Open returns.
	Migrate bool
	// Logger receives the store's few log lines; nil discards them.
	Logger *slog.Logger
	// Serve claims the file for this process until Close (serve_lock.go):
	// Open fails while another process serves it. One-off commands beside
	// a running server (import, export) leave it false.
	Serve bool
}

// Store is a store.Store on one SQLite file. A Store made by InTx is bound
// to that transaction.
//
// Writes go through one connection (db): SQLite has one writer at a time.
// Methods that only read run, outside a transaction, on a separate pool of
// read-only connections (readDB), which WAL lets read while the writer
// writes; inside a transaction they use the transaction. Both pools keep
// their statements prepared (stmtDB).
//
// One serving process owns the file: turn leases live in its memory
// (leaseTable) and decoded messages are cached on the assumption that no
// other process changes them (messageCache). A one-off command beside the
// server (import) adds messages but never changes or deletes one.
type Store struct {
	db       *sql.DB
	readDB   *sql.DB
	stmts    *stmtDB // of db
	q        querier // writes: the writer connection or the transaction
	r        querier // reads: the read pool or the transaction
	rstmts   *stmtDB // of readDB
	tools    *toolCache
	agents   *store.DecodeCache[letta.Agent]
	blocks   *store.DecodeCache[letta.Block]
	counts   *store.MessageCounts
	leases   *leaseTable
	msgCache *messageCache
	ckpt     *checkpointer
	// serveLock is held while this Store serves the file (Options.Serve).
	serveLock *os.File
	txWrites  *txMessageWrites // the transaction's message writes; nil outside one
	inTx      bool
	logger    *slog.Logger
}

// readConns is the size of the read pool: a few more than the 2 cores the
// server is sized for, so reads waiting on the disk do not queue.
const readConns = 4

// querier is what *sql.DB and *sql.Tx have in common, so every method runs
// the same way inside and outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Open opens (creating it and its directory if needed) the SQLite database
// at path and, with opts.Migrate, brings its schema up to date.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "store.sqlite")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	var serveLock *os.File
	if opts.Serve {
		var err error
		if serveLock, err = lockForServing(path); err != nil {
			return nil, err
		}
	}
	s, err := open(ctx, path, opts, logger)
	if err != nil {
		if serveLock != nil {
			serveLock.Close()
		}
		return nil, err
	}
	s.serveLock = serveLock
	return s, nil
}

// open is Open after the serving lock.
func open(ctx context.Context, path string, opts Options, logger *slog.Logger) (*Store, error) {
	dsn := dataSourceName(path)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One connection: SQLite has one writer at a time, and one pooled
	// connection makes that explicit instead of surfacing SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if opts.Migrate {
		if err := migrateUp(dsn, logger); err != nil {
			db.Close()
			return nil, err
		}
	} else if err := checkSchema(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	readDB, err := sql.Open("sqlite", readDataSourceName(path))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s for reading: %w", path, err)
	}
	readDB.SetMaxOpenConns(readConns)
	readDB.SetMaxIdleConns(readConns)
	readDB.SetConnMaxLifetime(0)
	readDB.SetConnMaxIdleTime(0)
	ckpt, err := startCheckpointer(path, logger)
	if err != nil {
		readDB.Close()
		db.Close()
		return nil, err
	}
	stmts := newStmtDB(db)
	stmts.written = ckpt.committed // autocommit writes outside InTx
	s := &Store{
		db: db, readDB: readDB, stmts: stmts, rstmts: newStmtDB(readDB), ckpt: ckpt,
		tools: newToolCache(), agents: newAgentCache(), blocks: newBlockCache(), counts: store.NewMessageCounts(), leases: newLeaseTable(), msgCache: newMessageCache(),
		logger: logger,
	}
	s.q, s.r = s.stmts, s.rstmts
	return s, nil
}

// readDataSourceName is dataSourceName for the read pool: the same file,
// with query_only so a write routed there by mistake fails loudly.
func readDataSourceName(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "query_only(1)")
	return "file:" + path + "?" + q.Encode()
}

// dataSourceName builds the driver DSN: busy_timeout first, so the pragmas
// after it wait for a lock instead of failing, then WAL, foreign keys and
// NORMAL sync (safe with WAL).
func dataSourceName(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// The checkpointer copies the WAL back; SQLite's own checkpoint, inside
	// a commit, is the backstop (checkpoint.go).
	q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walBackstopPages))
	// Archival search scans an agent's vectors: map the file rather than
	// read it page by page through system calls (docs/benchmarks.md).
	q.Add("_pragma", "mmap_size(1073741824)")
	return "file:" + path + "?" + q.Encode()
}

// Lock only checks that the row exists: transactions run one at a time on
// the single writer connection, so a read-modify-write in one cannot
// interleave with another's. kind is one of the store's constants.
func (s *Store) Lock(ctx context.Context, kind store.RowKind, id string) error {
	var one int
	if err := s.q.QueryRowContext(ctx, `SELECT 1 FROM `+string(kind)+` WHERE id = ?`, id).Scan(&one); err != nil {
		return fmt.Errorf("lock %s %s: %w", kind, id, interpretError(err))
	}
	return nil
}

// Backend returns store.BackendSQLite.
func (s *Store) Backend() string { return store.BackendSQLite }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite: %w: %w", store.ErrUnavailable, err)
	}
	return nil
}

// Close closes the database. Closing a Store bound to a transaction does
// nothing.
func (s *Store) Close() error {
	if s.inTx {
		return nil
	}
	ckptErr := s.ckpt.close()
	s.rstmts.close()
	s.stmts.close()
	err := errors.Join(ckptErr, s.readDB.Close(), s.db.Close())
	if s.serveLock != nil {
		s.serveLock.Close() // after the database: the next server may start
	}
	return err
}

// InTx runs fn in one transaction: committed when fn returns nil, rolled
// back when it returns an error or panics (the panic goes on). On a Store
// already bound to a transaction, fn runs directly in it. fn must make its
// calls through tx: the store has one connection, which the transaction
// holds until it ends.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Store) error) (err error) {
	if s.inTx {
		return fn(s)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", interpretError(err))
	}
	stx := &stmtTx{tx: tx, cache: s.stmts}
	// Deferred first so they run last, once the transaction has ended and
	// freed the connection (even after a panic's rollback).
	defer stx.prepareMissed(context.WithoutCancel(ctx))
	txWrites := &txMessageWrites{}
	defer txWrites.end(s.msgCache)
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	// A copy shares the caches and leases; only the queriers differ.
	txs := *s
	txs.q, txs.r, txs.inTx, txs.txWrites = stx, stx, true, txWrites
	if err := fn(&txs); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("roll back: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", interpretError(err))
	}
	s.ckpt.committed()
	return nil
}

// interpretError turns driver errors into the store sentinels, by code:
// no rows is ErrNotFound, a unique or primary key clash is ErrConflict and a
// foreign key naming a missing row is ErrNotFound. The driver error stays
// wrapped for the log.
func interpretError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %w", store.ErrNotFound, err)
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR:
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
	}
	return err
}

// micros and fromMicros convert times to the stored form: integer
// microseconds since the Unix epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// nullString maps an empty or nil string pointer to NULL.
func nullString(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	b := make([]byte, 0, 3*n)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}

// anys converts strings to query arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// affectedOne reports ErrNotFound when res changed no row.
func affectedOne(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
