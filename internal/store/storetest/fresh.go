package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// testFresh checks that reads never return stale or shared data, which a
// store keeping decoded records or leases in memory could: every read
// follows the writes committed before it, sees none that rolled back, and
// hands out records the caller may change freely.
func testFresh(t *testing.T, newStore newStoreFunc) {
	// seeded returns a store, an agent and one of its messages with text
	// "v0", read once so a cache would hold it.
	seeded := func(t *testing.T) (store.Store, *letta.Agent, *letta.Message) {
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		m := newMessage(c, a.ID, letta.RoleUser, "v0")
		m.Name = letta.Ptr("n0")
		must(t, "CreateMessages", s.CreateMessages(ctx, []*letta.Message{m}))
		wantText(t, s, m.ID, "v0")
		return s, a, m
	}
	rewrite := func(m *letta.Message, text string) *letta.Message {
		cp := m.Clone()
		cp.Content = []letta.Content{{Type: letta.ContentText, Text: text}}
		return &cp
	}
	boom := errors.New("boom")

	t.Run("UpdateThenGet", func(t *testing.T) {
		t.Parallel()
		s, _, m := seeded(t)
		must(t, "UpdateMessage", s.UpdateMessage(t.Context(), rewrite(m, "v1")))
		wantText(t, s, m.ID, "v1")
	})

	t.Run("CallersMayChangeWhatTheyGet", func(t *testing.T) {
		t.Parallel()
		s, _, m := seeded(t)
		got, err := s.GetMessage(t.Context(), m.ID)
		must(t, "GetMessage", err)
		got.Content[0].Text = "changed"
		*got.Name = "changed"
		list, err := s.GetMessages(t.Context(), []string{m.ID})
		must(t, "GetMessages", err)
		list[0].Content = nil
		wantText(t, s, m.ID, "v0")
		again, err := s.GetMessage(t.Context(), m.ID)
		must(t, "GetMessage", err)
		if *again.Name != "n0" {
			t.Errorf("name = %q after a caller changed its copy, want n0", *again.Name)
		}
	})

	t.Run("UpdateInTxReadOutsideThenCommit", func(t *testing.T) {
		t.Parallel()
		s, _, m := seeded(t)
		ctx := t.Context()
		must(t, "InTx", s.InTx(ctx, func(tx store.Store) error {
			if err := tx.UpdateMessage(ctx, rewrite(m, "v1")); err != nil {
				return err
			}
			wantText(t, tx, m.ID, "v1")
			// Outside, the committed row is still the old one.
			wantText(t, s, m.ID, "v0")
			return nil
		}))
		wantText(t, s, m.ID, "v1")
	})

	t.Run("UpdateInTxThenRollback", func(t *testing.T) {
		t.Parallel()
		s, _, m := seeded(t)
		ctx := t.Context()
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.UpdateMessage(ctx, rewrite(m, "v1")); err != nil {
				return err
			}
			wantText(t, tx, m.ID, "v1") // read inside: must not outlive the rollback
			return boom
		})
		wantErr(t, "InTx", err, boom)
		wantText(t, s, m.ID, "v0")
	})

	t.Run("CreateInTxThenRollback", func(t *testing.T) {
		t.Parallel()
		s, a, _ := seeded(t)
		ctx := t.Context()
		m := newMessage(newClock(), a.ID, letta.RoleUser, "never")
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateMessages(ctx, []*letta.Message{m}); err != nil {
				return err
			}
			wantText(t, tx, m.ID, "never")
			return boom
		})
		wantErr(t, "InTx", err, boom)
		wantGone(t, s, m.ID)
	})

	t.Run("TxReadsOfUnwrittenMessages", func(t *testing.T) {
		t.Parallel()
		s, a, m := seeded(t)
		ctx := t.Context()
		c := newClock()
		other := newMessage(c, a.ID, letta.RoleUser, "other")
		must(t, "CreateMessages", s.CreateMessages(ctx, []*letta.Message{other}))
		must(t, "InTx", s.InTx(ctx, func(tx store.Store) error {
			if err := tx.UpdateMessage(ctx, rewrite(m, "v1")); err != nil {
				return err
			}
			got, err := tx.GetMessages(ctx, []string{other.ID, m.ID})
			if err != nil {
				return err
			}
			if len(got) != 2 || got[0].Text() != "other" || got[1].Text() != "v1" {
				t.Errorf("inside the transaction GetMessages = %v, want [other v1]", texts(got))
			}
			return nil
		}))
		wantText(t, s, other.ID, "other")
		wantText(t, s, m.ID, "v1")
	})

	t.Run("DeleteAgentMessages", func(t *testing.T) {
		t.Parallel()
		s, a, m := seeded(t)
		ctx := t.Context()
		must(t, "DeleteAgentMessages", s.DeleteAgentMessages(ctx, a.ID))
		wantGone(t, s, m.ID)
	})

	t.Run("DeleteAgentMessagesInTx", func(t *testing.T) {
		t.Parallel()
		s, a, m := seeded(t)
		ctx := t.Context()
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.DeleteAgentMessages(ctx, a.ID); err != nil {
				return err
			}
			wantGone(t, tx, m.ID)
			return boom
		})
		wantErr(t, "InTx", err, boom)
		wantText(t, s, m.ID, "v0")
		must(t, "InTx", s.InTx(ctx, func(tx store.Store) error {
			if err := tx.DeleteAgentMessages(ctx, a.ID); err != nil {
				return err
			}
			wantText(t, s, m.ID, "v0") // outside: not committed yet
			return nil
		}))
		wantGone(t, s, m.ID)
	})

	t.Run("DeleteAgent", func(t *testing.T) {
		t.Parallel()
		s, a, m := seeded(t)
		must(t, "DeleteAgent", s.DeleteAgent(t.Context(), a.ID))
		wantGone(t, s, m.ID)
	})

	t.Run("LeaseOfDeletedAgent", func(t *testing.T) {
		t.Parallel()
		s, a, _ := seeded(t)
		ctx := t.Context()
		ok, err := s.AcquireLease(ctx, a.ID, "h1", time.Minute)
		if err != nil || !ok {
			t.Fatalf("AcquireLease = %v, %v; want true", ok, err)
		}
		must(t, "DeleteAgent", s.DeleteAgent(ctx, a.ID))
		if ok, err := s.RenewLease(ctx, a.ID, "h1", time.Minute); err != nil || ok {
			t.Errorf("RenewLease after the agent's deletion = %v, %v; want false, nil", ok, err)
		}
		_, err = s.AcquireLease(ctx, a.ID, "h2", time.Minute)
		wantErr(t, "AcquireLease after the agent's deletion", err, store.ErrNotFound)
		must(t, "ReleaseLease after the agent's deletion", s.ReleaseLease(ctx, a.ID, "h1"))
	})

	// Readers racing a writer: a read that starts after an update returned
	// sees that update or a later one, never an older one.
	t.Run("ReadsFollowUpdates", func(t *testing.T) {
		t.Parallel()
		s, _, m := seeded(t)
		ctx := t.Context()
		const updates, readers = 100, 4
		var committed atomic.Int64 // the last version UpdateMessage returned for
		done := make(chan struct{})
		var wg sync.WaitGroup
		for range readers {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					floor := committed.Load()
					got, err := s.GetMessages(ctx, []string{m.ID})
					if err != nil || len(got) != 1 {
						t.Errorf("GetMessages = %d messages, %v", len(got), err)
						return
					}
					var v int64
					if _, err := fmt.Sscanf(got[0].Text(), "v%d", &v); err != nil || v < floor {
						t.Errorf("read %q after v%d was committed", got[0].Text(), floor)
						return
					}
				}
			})
		}
		for i := int64(1); i <= updates; i++ {
			err := s.InTx(ctx, func(tx store.Store) error {
				return tx.UpdateMessage(ctx, rewrite(m, fmt.Sprintf("v%d", i)))
			})
			if i%2 == 0 { // every other one outside a transaction
				err = errors.Join(err, s.UpdateMessage(ctx, rewrite(m, fmt.Sprintf("v%d", i))))
			}
			must(t, "UpdateMessage", err)
			committed.Store(i)
		}
		close(done)
		wg.Wait()
		wantText(t, s, m.ID, fmt.Sprintf("v%d", updates))
	})
}

// wantText fails unless GetMessage and GetMessages both read text for id.
func wantText(t *testing.T, s store.Store, id, text string) {
	t.Helper()
	m, err := s.GetMessage(t.Context(), id)
	must(t, "GetMessage", err)
	if m.Text() != text {
		t.Errorf("GetMessage(%s) text = %q, want %q", id, m.Text(), text)
	}
	list, err := s.GetMessages(t.Context(), []string{id})
	must(t, "GetMessages", err)
	if len(list) != 1 || list[0].Text() != text {
		t.Errorf("GetMessages(%s) = %v, want [%s]", id, texts(list), text)
	}
}

// wantGone fails unless id is not found by GetMessage nor GetMessages.
func wantGone(t *testing.T, s store.Store, id string) {
	t.Helper()
	_, err := s.GetMessage(t.Context(), id)
	wantErr(t, "GetMessage of a deleted message", err, store.ErrNotFound)
	list, err := s.GetMessages(t.Context(), []string{id})
	must(t, "GetMessages", err)
	if len(list) != 0 {
		t.Errorf("GetMessages of a deleted message = %v, want none", texts(list))
	}
}

func texts(ms []*letta.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text()
	}
	return out
}
