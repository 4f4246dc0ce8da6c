package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the statement cache: queries built with a
// variable number of placeholders (IN lists) make new texts, which run
// unprepared once the cache is full.
const maxCachedStatements = 512

// stmtDB is a *sql.DB that prepares each query text once and keeps the
// statement: the modernc driver otherwise parses every query anew, which
// was 13 % of the server's CPU under load.
type stmtDB struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
	// written, when set, is called after each statement: the writer's
	// statements outside a transaction commit as they run.
	written func()
}

func newStmtDB(db *sql.DB) *stmtDB {
	return &stmtDB{db: db, stmts: map[string]*sql.Stmt{}}
}

// cached returns the prepared statement for query, or nil.
func (c *stmtDB) cached(query string) (st *sql.Stmt, full bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[query], len(c.stmts) >= maxCachedStatements
}

// stmt returns the prepared statement for query, preparing it the first
// time; nil when the cache is full or preparing failed (the caller then
// runs the query unprepared, which reports any error).
func (c *stmtDB) stmt(ctx context.Context, query string) *sql.Stmt {
	st, full := c.cached(query)
	if st != nil || full {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[query]; ok { // prepared meanwhile by another caller
		st.Close()
		return prev
	}
	c.stmts[query] = st
	return st
}

func (c *stmtDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	defer c.wrote()
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

func (c *stmtDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	defer c.wrote()
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c *stmtDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	defer c.wrote()
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

func (c *stmtDB) wrote() {
	if c.written != nil {
		c.written()
	}
}

// close closes the cached statements.
func (c *stmtDB) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}

// stmtTx runs a transaction's queries with the statements of its database,
// already prepared on the transaction's connection. It cannot prepare new
// ones on the database while it holds the only writer connection: it runs
// those unprepared and notes them, and prepareMissed caches them once the
// transaction has ended.
type stmtTx struct {
	tx     *sql.Tx
	cache  *stmtDB
	mu     sync.Mutex
	missed []string
}

// stmt returns the cached statement bound to the transaction, or nil.
func (t *stmtTx) stmt(ctx context.Context, query string) *sql.Stmt {
	st, full := t.cache.cached(query)
	if st != nil {
		return t.tx.StmtContext(ctx, st)
	}
	if !full {
		t.mu.Lock()
		t.missed = append(t.missed, query)
		t.mu.Unlock()
	}
	return nil
}

// prepareMissed caches the statements the transaction ran unprepared.
func (t *stmtTx) prepareMissed(ctx context.Context) {
	t.mu.Lock()
	missed := t.missed
	t.missed = nil
	t.mu.Unlock()
	for _, q := range missed {
		t.cache.stmt(ctx, q)
	}
}

func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
