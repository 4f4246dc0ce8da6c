package storetest

import (
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// testMessageCounts checks CountMessages stays exact as messages are added
// and deleted, inside and outside transactions, counted repeatedly (a store
// may count incrementally).
func testMessageCounts(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	a := plainAgent(ctx, t, s, c, "counted")
	b := plainAgent(ctx, t, s, c, "other")

	want := func(agentID string, n int, when string) {
		t.Helper()
		got, err := s.CountMessages(ctx, agentID)
		must(t, "CountMessages", err)
		if got != n {
			t.Errorf("%s: CountMessages = %d, want %d", when, got, n)
		}
	}
	add := func(st store.Store, agentID string, n int) {
		t.Helper()
		msgs := make([]*letta.Message, n)
		for i := range msgs {
			msgs[i] = newMessage(c, agentID, letta.RoleUser, "hello")
		}
		must(t, "CreateMessages", st.CreateMessages(ctx, msgs))
	}

	want(a.ID, 0, "no messages")
	add(s, a.ID, 3)
	want(a.ID, 3, "after 3")
	add(s, b.ID, 2)
	add(s, a.ID, 2)
	want(a.ID, 5, "after 2 more, interleaved with another agent's")
	want(a.ID, 5, "counted again")
	want(b.ID, 2, "the other agent")

	err := s.InTx(ctx, func(tx store.Store) error {
		add(tx, a.ID, 1)
		n, err := tx.CountMessages(ctx, a.ID)
		if err != nil {
			return err
		}
		if n != 6 {
			t.Errorf("in a transaction: CountMessages = %d, want 6", n)
		}
		return nil
	})
	must(t, "InTx", err)
	want(a.ID, 6, "after a committed transaction")

	errRollback := &rollbackError{}
	_ = s.InTx(ctx, func(tx store.Store) error {
		add(tx, a.ID, 4)
		return errRollback
	})
	want(a.ID, 6, "after a rolled-back transaction")

	must(t, "DeleteAgentMessages", s.DeleteAgentMessages(ctx, a.ID))
	want(a.ID, 0, "after deleting them all")
	add(s, a.ID, 2)
	want(a.ID, 2, "after deleting them all and adding 2")

	err = s.InTx(ctx, func(tx store.Store) error {
		if err := tx.DeleteAgentMessages(ctx, a.ID); err != nil {
			return err
		}
		add(tx, a.ID, 1)
		return nil
	})
	must(t, "InTx reset", err)
	want(a.ID, 1, "after a reset in a transaction")
	want(b.ID, 2, "the other agent at the end")
}

// rollbackError is an error a transaction function returns to roll
// back.
type rollbackError struct{}

func (*rollbackError) Error() string { return "roll back" }
