package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// testPassageCounts checks that CountPassages, which a store may keep as a
// running count instead of counting rows, always equals the number of the
// agent's passages: after single and batch inserts, deletes, failed
// batches, committed and rolled-back transactions, concurrent writers and
// the agent's deletion.
func testPassageCounts(t *testing.T, newStore newStoreFunc) {
	t.Run("Sequential", func(t *testing.T) { testPassageCountsSequential(t, newStore) })
	t.Run("Concurrent", func(t *testing.T) { testPassageCountsConcurrent(t, newStore) })
	t.Run("DeleteAgentDuringWrites", func(t *testing.T) { testDeleteAgentDuringPassageWrites(t, newStore) })
}

// wantPassageCount fails the test unless the agent's CountPassages and its
// listed passages both number n.
func wantPassageCount(t *testing.T, s store.Store, agentID string, n int, when string) {
	t.Helper()
	ctx := t.Context()
	got, err := s.CountPassages(ctx, agentID)
	must(t, when+": CountPassages", err)
	listed, err := s.ListPassages(ctx, store.ListPassagesParams{AgentID: agentID})
	must(t, when+": ListPassages", err)
	if got != n || len(listed) != n {
		t.Errorf("%s: CountPassages = %d, %d listed, want %d", when, got, len(listed), n)
	}
}

// addPassages stores n text-only passages of the agent in one batch.
func addPassages(t *testing.T, st store.Store, c *clock, agentID string, n int) []*letta.Passage {
	t.Helper()
	ps := make([]*letta.Passage, n)
	for i := range ps {
		ps[i] = newPassage(c, agentID, fmt.Sprintf("counted fact %d", i), nil)
	}
	must(t, "CreatePassages", st.CreatePassages(t.Context(), ps))
	return ps
}

func testPassageCountsSequential(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	a := plainAgent(ctx, t, s, c, "counted")
	b := plainAgent(ctx, t, s, c, "other")

	wantPassageCount(t, s, a.ID, 0, "no passages")
	wantPassageCount(t, s, letta.NewID(letta.PrefixAgent), 0, "an unknown agent")
	one := addPassages(t, s, c, a.ID, 1)
	wantPassageCount(t, s, a.ID, 1, "after a single insert")
	batch := addPassages(t, s, c, a.ID, 5)
	wantPassageCount(t, s, a.ID, 6, "after a batch of 5")

	mixed := []*letta.Passage{newPassage(c, b.ID, "b1", nil), newPassage(c, a.ID, "a7", nil), newPassage(c, b.ID, "b2", nil)}
	must(t, "CreatePassages of two agents", s.CreatePassages(ctx, mixed))
	wantPassageCount(t, s, a.ID, 7, "after a batch of both agents")
	wantPassageCount(t, s, b.ID, 2, "the other agent after a batch of both")

	batch[0].Text = "edited"
	must(t, "UpdatePassage", s.UpdatePassage(ctx, batch[0]))
	must(t, "DeletePassage", s.DeletePassage(ctx, one[0].ID))
	wantPassageCount(t, s, a.ID, 6, "after an update and a delete")
	wantErr(t, "DeletePassage again", s.DeletePassage(ctx, one[0].ID), store.ErrNotFound)
	wantPassageCount(t, s, a.ID, 6, "after deleting a missing passage")

	orphan := newPassage(c, letta.NewID(letta.PrefixAgent), "orphan", nil)
	wantErr(t, "CreatePassages with an unknown agent",
		s.CreatePassages(ctx, []*letta.Passage{newPassage(c, a.ID, "ok", nil), orphan}), store.ErrNotFound)
	wantErr(t, "CreatePassages with a taken id",
		s.CreatePassages(ctx, []*letta.Passage{newPassage(c, a.ID, "ok", nil), batch[1]}), store.ErrConflict)
	wantPassageCount(t, s, a.ID, 6, "after failed batches")

	err := s.InTx(ctx, func(tx store.Store) error {
		addPassages(t, tx, c, a.ID, 3)
		if err := tx.DeletePassage(ctx, batch[1].ID); err != nil {
			return err
		}
		wantPassageCount(t, tx, a.ID, 8, "inside a transaction")
		return nil
	})
	must(t, "InTx", err)
	wantPassageCount(t, s, a.ID, 8, "after a committed transaction")

	_ = s.InTx(ctx, func(tx store.Store) error {
		addPassages(t, tx, c, a.ID, 4)
		must(t, "DeletePassage in a rolled-back transaction", tx.DeletePassage(ctx, batch[2].ID))
		return &rollbackError{}
	})
	wantPassageCount(t, s, a.ID, 8, "after a rolled-back transaction")

	must(t, "DeleteAgent", s.DeleteAgent(ctx, a.ID))
	wantPassageCount(t, s, a.ID, 0, "after deleting the agent")
	wantPassageCount(t, s, b.ID, 2, "the other agent at the end")
}

// testPassageCountsConcurrent races writers of one agent's passages:
// batches of inserts, and deletes of passages stored beforehand.
func testPassageCountsConcurrent(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	const (
		writers   = 8
		batches   = 4
		batchSize = 3
	)
	ctx, s := setup(t, newStore)
	c := newClock()
	a := plainAgent(ctx, t, s, c, "raced")
	doomed := addPassages(t, s, c, a.ID, writers*batches)

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range batches {
				ps := make([]*letta.Passage, batchSize)
				for j := range ps {
					ps[j] = newPassage(c, a.ID, fmt.Sprintf("writer %d batch %d #%d", w, i, j), nil)
				}
				if err := s.CreatePassages(ctx, ps); err != nil {
					t.Errorf("writer %d: CreatePassages: %v", w, err)
				}
				if err := s.DeletePassage(ctx, doomed[w*batches+i].ID); err != nil {
					t.Errorf("writer %d: DeletePassage: %v", w, err)
				}
			}
		})
	}
	wg.Wait()
	wantPassageCount(t, s, a.ID, writers*batches*batchSize, "after concurrent writers")
}

// testDeleteAgentDuringPassageWrites deletes an agent while its passages
// are being added and deleted: the delete succeeds every time, and each
// write either lands before it or finds the agent gone (ErrNotFound). On
// Postgres the delete's cascade and the writes once locked rows in
// opposite orders and the delete failed on a deadlock.
func testDeleteAgentDuringPassageWrites(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	for round := range 8 {
		a := plainAgent(ctx, t, s, c, fmt.Sprintf("doomed-%d", round))
		existing := addPassages(t, s, c, a.ID, 6)
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				p := newPassage(c, a.ID, fmt.Sprintf("late %d", i), nil)
				if err := s.CreatePassages(ctx, []*letta.Passage{p}); err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("round %d: CreatePassages: %v", round, err)
				}
			})
			wg.Go(func() {
				if err := s.DeletePassage(ctx, existing[i].ID); err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("round %d: DeletePassage: %v", round, err)
				}
			})
		}
		wg.Go(func() {
			if err := s.DeleteAgent(ctx, a.ID); err != nil {
				t.Errorf("round %d: DeleteAgent: %v", round, err)
			}
		})
		wg.Wait()
		if _, err := s.GetAgent(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("round %d: agent still there after its delete: %v", round, err)
		}
		if n, err := s.CountPassages(ctx, a.ID); err != nil || n != 0 {
			t.Errorf("round %d: CountPassages of the deleted agent = %d, %v", round, n, err)
		}
	}
}
