package storetest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

func testInTx(t *testing.T, newStore newStoreFunc) {
	t.Run("Commit", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		b := newBlock(c, "persona", "p")
		a := newAgentValue(t, c, "a")
		m := newMessage(c, a.ID, letta.RoleUser, "hi")
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateBlock(ctx, b); err != nil {
				return err
			}
			if _, err := tx.CreateAgent(ctx, store.CreateAgentParams{Agent: a, BlockIDs: []string{b.ID}}); err != nil {
				return err
			}
			if err := tx.CreateMessages(ctx, []*letta.Message{m}); err != nil {
				return err
			}
			// The transaction sees its own writes.
			got, err := tx.GetAgent(ctx, a.ID)
			if err != nil {
				return err
			}
			if len(got.Blocks) != 1 {
				t.Errorf("inside the transaction the agent has %d blocks, want 1", len(got.Blocks))
			}
			return tx.CompareAndSetBlockValue(ctx, b.ID, "p", "p2")
		})
		must(t, "InTx", err)
		got, err := s.GetAgent(ctx, a.ID)
		must(t, "GetAgent after commit", err)
		if len(got.Blocks) != 1 || got.Blocks[0].Value != "p2" {
			t.Errorf("after commit blocks = %+v, want one with value p2", got.Blocks)
		}
		if _, err := s.GetMessage(ctx, m.ID); err != nil {
			t.Errorf("GetMessage after commit: %v", err)
		}
	})

	t.Run("RollbackOnError", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		kept := createBlock(ctx, t, s, c, "human", "v1")
		b := newBlock(c, "persona", "p")
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateBlock(ctx, b); err != nil {
				return err
			}
			if err := tx.CompareAndSetBlockValue(ctx, kept.ID, "v1", "v2"); err != nil {
				return err
			}
			return boom
		})
		wantErr(t, "InTx", err, boom)
		_, err = s.GetBlock(ctx, b.ID)
		wantErr(t, "GetBlock after rollback", err, store.ErrNotFound)
		got, err := s.GetBlock(ctx, kept.ID)
		must(t, "GetBlock", err)
		if got.Value != "v1" {
			t.Errorf("value after rollback = %q, want v1", got.Value)
		}
	})

	t.Run("RollbackOnPanic", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		b := newBlock(c, "persona", "p")
		var err error
		recovered := func() (r any) {
			defer func() { r = recover() }()
			err = s.InTx(ctx, func(tx store.Store) error {
				if err := tx.CreateBlock(ctx, b); err != nil {
					return err
				}
				panic("kaboom")
			})
			return nil
		}()
		// Re-panicking and returning an error are both fine; silently
		// committing is not.
		if recovered == nil && err == nil {
			t.Errorf("InTx swallowed a panic: no panic and no error")
		}
		_, gerr := s.GetBlock(ctx, b.ID)
		wantErr(t, "GetBlock after panic", gerr, store.ErrNotFound)
		// The store still works.
		createBlock(ctx, t, s, c, "human", "after")
	})

	t.Run("Nested", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		outer := newBlock(c, "persona", "outer")
		inner := newBlock(c, "human", "inner")
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateBlock(ctx, outer); err != nil {
				return err
			}
			if err := tx.InTx(ctx, func(tx2 store.Store) error {
				if _, err := tx2.GetBlock(ctx, outer.ID); err != nil {
					t.Errorf("nested InTx does not see the outer write: %v", err)
				}
				return tx2.CreateBlock(ctx, inner)
			}); err != nil {
				return err
			}
			return boom
		})
		wantErr(t, "InTx", err, boom)
		for _, id := range []string{outer.ID, inner.ID} {
			_, err := s.GetBlock(ctx, id)
			wantErr(t, "GetBlock after outer rollback", err, store.ErrNotFound)
		}

		// A nested success commits with the outer transaction.
		err = s.InTx(ctx, func(tx store.Store) error {
			return tx.InTx(ctx, func(tx2 store.Store) error { return tx2.CreateBlock(ctx, inner) })
		})
		must(t, "nested InTx", err)
		got, err := s.GetBlock(ctx, inner.ID)
		must(t, "GetBlock after nested commit", err)
		if diff := cmp.Diff(inner, got, cmpOpts); diff != "" {
			t.Errorf("nested commit (-want +got):\n%s", diff)
		}
	})
}
