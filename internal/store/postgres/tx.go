package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/letta-server/letta-server/internal/store"
)

// InTx runs fn with a Store bound to one transaction: committed when fn
// returns nil, rolled back when it returns an error or panics. On a Store
// already bound to a transaction it runs fn with that Store.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	return s.transact(ctx, func(tx *Store) error { return fn(tx) })
}

// transact is the one transaction helper. Methods that make several writes
// run them through it, so they are atomic alone and join the caller's
// transaction inside InTx.
func (s *Store) transact(ctx context.Context, fn func(tx *Store) error) (err error) {
	if s.inTx {
		return fn(s)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", interpretError(err))
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// Roll back even when ctx is cancelled; a panic goes on up.
		rbErr := tx.Rollback(context.WithoutCancel(ctx))
		if err != nil && rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			err = errors.Join(err, fmt.Errorf("roll back: %w", rbErr))
		}
	}()
	if err := fn(&Store{pool: s.pool, q: tx, tools: s.tools, agents: s.agents, blocks: s.blocks, messages: s.messages, counts: s.counts, inTx: true}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", interpretError(err))
	}
	committed = true
	return nil
}
