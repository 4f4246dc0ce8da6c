package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// testConcurrency checks that the atomic operations stay atomic when many
// goroutines race on one store.
func testConcurrency(t *testing.T, newStore newStoreFunc) {
	const racers = 12

	t.Run("LeaseOneWinner", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins []string
		)
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				holder := fmt.Sprintf("holder-%d", i)
				ok, err := s.AcquireLease(ctx, a.ID, holder, time.Minute)
				if err != nil {
					t.Errorf("AcquireLease(%s): %v", holder, err)
					return
				}
				if ok {
					mu.Lock()
					wins = append(wins, holder)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(wins) != 1 {
			t.Errorf("%d holders acquired the lease (%v), want exactly 1", len(wins), wins)
		}
	})

	t.Run("CompareAndSetOneWinner", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		b := createBlock(ctx, t, s, c, "human", "v0")
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			won, lost int
		)
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.CompareAndSetBlockValue(ctx, b.ID, "v0", fmt.Sprintf("v%d", i+1))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case errors.Is(err, store.ErrConflict):
					lost++
				default:
					t.Errorf("CompareAndSetBlockValue: %v", err)
				}
			}()
		}
		wg.Wait()
		if won != 1 || lost != racers-1 {
			t.Errorf("won %d, lost %d; want 1 and %d", won, lost, racers-1)
		}
	})

	t.Run("MessagesSeqUnique", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		var wg sync.WaitGroup
		batches := make([][]*letta.Message, racers)
		for i := range racers {
			batches[i] = []*letta.Message{newMessage(c, a.ID, letta.RoleUser, "x"), newMessage(c, a.ID, letta.RoleAssistant, "y")}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.CreateMessages(ctx, batches[i]); err != nil {
					t.Errorf("CreateMessages: %v", err)
				}
			}()
		}
		wg.Wait()
		seen := map[int64]bool{}
		for _, batch := range batches {
			if batch[1].Seq <= batch[0].Seq {
				t.Errorf("batch Seq not increasing: %d then %d", batch[0].Seq, batch[1].Seq)
			}
			for _, m := range batch {
				if seen[m.Seq] {
					t.Errorf("Seq %d assigned twice", m.Seq)
				}
				seen[m.Seq] = true
			}
		}
		n, err := s.CountMessages(ctx, a.ID)
		must(t, "CountMessages", err)
		if n != 2*racers {
			t.Errorf("CountMessages = %d, want %d", n, 2*racers)
		}
	})

	// A transaction that locks a row and then reads it sees what another
	// transaction, holding the lock first, wrote: it waited for it. The
	// holder sleeps before writing, so a Lock that did not wait would read
	// the old status.
	t.Run("LockWaitsForTheHolder", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		r := newRun(c, a.ID, letta.RunRunning)
		must(t, "CreateRun", s.CreateRun(ctx, r))
		locked := make(chan struct{})
		holder := make(chan error, 1)
		go func() {
			holder <- s.InTx(ctx, func(tx store.Store) error {
				if err := tx.Lock(ctx, store.RunRow, r.ID); err != nil {
					close(locked)
					return err
				}
				close(locked)
				time.Sleep(100 * time.Millisecond)
				done := *r
				done.Finish(letta.RunCompleted, letta.StopEndTurn, c.now())
				return tx.UpdateRun(ctx, &done)
			})
		}()
		<-locked
		var seen string
		must(t, "InTx", s.InTx(ctx, func(tx store.Store) error {
			if err := tx.Lock(ctx, store.RunRow, r.ID); err != nil {
				return err
			}
			got, err := tx.GetRun(ctx, r.ID)
			if err != nil {
				return err
			}
			seen = got.Status
			return nil
		}))
		must(t, "holder", <-holder)
		if seen != letta.RunCompleted {
			t.Errorf("read after Lock saw status %q, want %q: Lock did not wait for the holder", seen, letta.RunCompleted)
		}
	})
}
