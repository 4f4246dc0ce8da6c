package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/store"
)

// waitersOf is how many callers wait for the agent's turn in q.
func waitersOf(q *turnQueue, agentID string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if line := q.agents[agentID]; line != nil {
		return len(line.waiters)
	}
	return -1
}

// untilWaiting blocks until n callers wait for the agent's turn.
func untilWaiting(t *testing.T, q *turnQueue, agentID string, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); waitersOf(q, agentID) != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters, want %d", waitersOf(q, agentID), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTurnQueueHandsTheTurnOnInArrivalOrder(t *testing.T) {
	var q turnQueue
	far := time.Now().Add(time.Minute)
	leave, err := q.enter(context.Background(), "a", far)
	if err != nil {
		t.Fatal(err)
	}
	if leaveB, err := q.enter(context.Background(), "b", far); err != nil {
		t.Fatalf("another agent waited: %v", err)
	} else {
		leaveB()
	}
	got := make(chan int, 5)
	for i := range 5 {
		go func() {
			leave, err := q.enter(context.Background(), "a", far)
			if err != nil {
				t.Errorf("waiter %d: %v", i, err)
				got <- -1
				return
			}
			got <- i
			leave()
		}()
		untilWaiting(t, &q, "a", i+1)
	}
	leave()
	var order []int
	for range 5 {
		order = append(order, <-got)
	}
	if !slices.Equal(order, []int{0, 1, 2, 3, 4}) {
		t.Errorf("turns taken in order %v", order)
	}
	if n := waitersOf(&q, "a"); n != -1 || len(q.agents) != 0 {
		t.Errorf("queue keeps %d agents after every turn left", len(q.agents))
	}
}

func TestTurnQueueWaitEnds(t *testing.T) {
	var q turnQueue
	leave, err := q.enter(context.Background(), "a", time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.enter(context.Background(), "a", time.Now().Add(30*time.Millisecond)); !errors.Is(err, ErrBusy) {
		t.Errorf("past the deadline: %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := q.enter(ctx, "a", time.Now().Add(time.Minute))
		done <- err
	}()
	untilWaiting(t, &q, "a", 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
	if n := waitersOf(&q, "a"); n != 0 {
		t.Errorf("%d waiters left behind", n)
	}
	leave()
	// Freed: the next caller gets the turn at once, and leaving forgets the agent.
	leave, err = q.enter(context.Background(), "a", time.Now())
	if err != nil {
		t.Fatalf("free turn: %v", err)
	}
	leave()
	if len(q.agents) != 0 {
		t.Errorf("queue keeps %d agents", len(q.agents))
	}
}

// A waiter giving up just as the turn reaches it passes the turn on.
func TestTurnQueueGiveUpPassesTheTurnOn(t *testing.T) {
	for range 200 {
		var q turnQueue
		leave, _ := q.enter(context.Background(), "a", time.Now().Add(time.Minute))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			leave, err := q.enter(ctx, "a", time.Now().Add(time.Minute))
			if err == nil {
				leave()
			}
			done <- err
		}()
		untilWaiting(t, &q, "a", 1)
		go cancel()
		leave() // races with the cancel
		<-done
		next, err := q.enter(context.Background(), "a", time.Now().Add(time.Second))
		if err != nil {
			t.Fatalf("turn lost after a racing cancel: %v", err)
		}
		next()
		if len(q.agents) != 0 {
			t.Fatalf("queue keeps %d agents", len(q.agents))
		}
	}
}

// Messages sent while the agent is busy are answered in the order sent.
func TestSendQueuedTurnsKeepTheirOrder(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeMemGPT)
	f.llm.Enqueue(llmtest.Delayed(200*time.Millisecond, llmtest.Call("send_message", `{"message": "slow"}`)))
	const n = 6
	for range n {
		f.llm.Enqueue(llmtest.Call("send_message", `{"message": "ok"}`))
	}
	errs := make(chan error, n+1)
	send := func(text string) {
		_, err := f.engine.Send(context.Background(), a.ID, userInput(text), nil)
		errs <- err
	}
	go send("first")
	untilWaiting(t, &f.engine.turns, a.ID, 0)
	for i := range n {
		go send(fmt.Sprintf("queued %d", i))
		untilWaiting(t, &f.engine.turns, a.ID, i+1)
	}
	for range n + 1 {
		if err := <-errs; err != nil {
			t.Errorf("send: %v", err)
		}
	}
	msgs, err := f.store.ListMessages(context.Background(), store.ListMessagesParams{AgentID: a.ID, Page: store.Page{Ascending: true}})
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, m := range msgs[4:] { // after the system message and the boot exchange
		if m.Role == letta.RoleUser {
			sent = append(sent, m.Text())
		}
	}
	want := []string{"first"}
	for i := range n {
		want = append(want, fmt.Sprintf("queued %d", i))
	}
	if len(sent) != len(want) {
		t.Fatalf("stored user messages %q, want %q", sent, want)
	}
	for i := range want {
		if !strings.Contains(sent[i], want[i]) {
			t.Errorf("turn %d answered %q, want %q (order %q)", i, sent[i], want[i], sent)
		}
	}
}
