package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/store"
)

// sendAll sends one message per engine slot concurrently and returns each error.
func sendAll(engines []*Engine, agentID string) []error {
	errs := make([]error, len(engines))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.Send(context.Background(), agentID, userInput(fmt.Sprintf("message %d", i)), nil)
		}()
	}
	wg.Wait()
	return errs
}

// checkTurns asserts the agent's stored messages after the opening ones are
// whole turns (user, assistant, tool) that never interleave: each turn's
// messages share one step, and there are want of them.
func checkTurns(t *testing.T, f fixture, agentID string, want int) {
	t.Helper()
	all, err := f.store.ListMessages(context.Background(), store.ListMessagesParams{AgentID: agentID, Page: store.Page{Ascending: true}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := all[4:] // system and the boot exchange
	if len(msgs) != 3*want {
		t.Fatalf("stored %d messages after the opening (%s), want %d turns", len(msgs), roles(msgs), want)
	}
	for i := 0; i < len(msgs); i += 3 {
		turn := msgs[i : i+3]
		if got := roles(turn); got != "user,assistant,tool" {
			t.Errorf("turn %d = %s", i/3, got)
		}
		step := letta.Deref(turn[0].StepID)
		for _, m := range turn {
			if letta.Deref(m.StepID) != step || step == "" {
				t.Errorf("turn %d mixes steps: %s", i/3, roles(turn))
			}
		}
	}
	if got := roles(f.context(t, agentID)[4:]); len(got) != len(roles(msgs)) {
		t.Errorf("context after the opening = %s", got)
	}
}

func TestSendConcurrentTwenty(t *testing.T) {
	t.Parallel()
	f := setup(t)
	e := f.newEngine(t, f.store, 400*time.Millisecond)
	a := f.createAgent(t, letta.AgentTypeMemGPT)
	for range 20 {
		f.llm.Enqueue(llmtest.Delayed(100*time.Millisecond, llmtest.Call("send_message", `{"message": "slow reply"}`)))
	}
	engines := make([]*Engine, 20)
	for i := range engines {
		engines[i] = e
	}
	ok, busy := 0, 0
	for _, err := range sendAll(engines, a.ID) {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrBusy):
			busy++
		default:
			t.Errorf("send: %v", err)
		}
	}
	if ok == 0 || busy == 0 {
		t.Errorf("answered %d, busy %d: want both (a 400ms wait against 2s of turns)", ok, busy)
	}
	checkTurns(t, f, a.ID, ok)
	f.send(t, a.ID, "after the rush") // the lease was released
}

func TestSendTwoReplicas(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeMemGPT)
	one := f.newEngine(t, f.store, 10*time.Second)
	two := f.replica(t, 10*time.Second)
	for range 6 {
		f.llm.Enqueue(llmtest.Delayed(50*time.Millisecond, llmtest.Call("send_message", `{"message": "ok"}`)))
	}
	for _, err := range sendAll([]*Engine{one, two, one, two, one, two}, a.ID) {
		if err != nil {
			t.Errorf("send: %v", err)
		}
	}
	checkTurns(t, f, a.ID, 6)

	// A replica that waits briefly gets ErrBusy while the other runs a slow turn.
	impatient := f.replica(t, 200*time.Millisecond)
	f.llm.Enqueue(llmtest.Delayed(time.Second, llmtest.Call("send_message", `{"message": "slow"}`)))
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		_, err := one.Send(context.Background(), a.ID, userInput("slow one"), nil)
		done <- err
	}()
	<-started
	time.Sleep(300 * time.Millisecond) // let the slow turn take the lease
	if _, err := impatient.Send(context.Background(), a.ID, userInput("impatient"), nil); !errors.Is(err, ErrBusy) {
		t.Errorf("impatient replica: %v, want ErrBusy", err)
	}
	if err := <-done; err != nil {
		t.Errorf("slow turn: %v", err)
	}
	checkTurns(t, f, a.ID, 7)
}
