package main

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// streamThenStop starts a streaming turn and stops the server as soon as
// the first event arrives, while the turn's second model call is pending.
// It returns the events the client read and serve's result.
func streamThenStop(t *testing.T, in *instance, agentID string) ([]sseEvent, error) {
	t.Helper()
	res := send(t, http.MethodPost, in.base+"/v1/agents/"+agentID+"/messages/stream", "",
		map[string]any{"messages": []map[string]any{{"role": "user", "content": "hi"}}})
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream: status %d", res.StatusCode)
	}
	var once sync.Once
	stopped := make(chan error, 1)
	events := readSSE(t, res.Body, func(sseEvent) {
		once.Do(func() {
			go func() { stopped <- in.stop() }()
			// The listener closes at once: new connections are refused
			// while the stream drains.
			time.Sleep(100 * time.Millisecond)
			if _, err := http.Get(in.base + "/v1/health/"); err == nil {
				t.Errorf("a new connection was accepted during shutdown")
			}
		})
	})
	select {
	case err := <-stopped:
		return events, err
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop")
		return nil, nil
	}
}

func TestShutdownFinishesAStreamingTurn(t *testing.T) {
	t.Parallel()
	fake := llmtest.NewServer(t)
	in := launch(t, fake, map[string]string{"LETTA_SHUTDOWN_TIMEOUT": "20s"})
	id := newAgent(t, in.base, "")
	fake.Enqueue(
		llmtest.Call("conversation_search", `{"query":"anything"}`),
		llmtest.Delayed(800*time.Millisecond, llmtest.Text("finished in time")),
	)
	start := time.Now()
	events, err := streamThenStop(t, in, id)
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	got := kinds(events)
	if !slices.Contains(got, "assistant_message") || !strings.Contains(events[slices.Index(got, "assistant_message")].raw, "finished in time") {
		t.Errorf("the turn did not finish during the drain: %v", got)
	}
	if n := len(got); n < 3 || got[n-3] != "stop_reason:end_turn" || got[n-2] != "usage_statistics" || got[n-1] != "[DONE]" {
		t.Errorf("stream end = %v, want stop_reason:end_turn, usage_statistics, [DONE]", got)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("shutdown took %v: it waited for more than the turn", d)
	}
}

func TestShutdownCancelsATurnThatOutlivesTheDrain(t *testing.T) {
	t.Parallel()
	fake := llmtest.NewServer(t)
	dataDir := t.TempDir()
	env := map[string]string{"LETTA_DATA_DIR": dataDir, "LETTA_SHUTDOWN_TIMEOUT": "300ms"}
	in := launch(t, fake, env)
	id := newAgent(t, in.base, "")
	fake.Enqueue(
		llmtest.Call("conversation_search", `{"query":"anything"}`),
		llmtest.Delayed(time.Minute, llmtest.Text("never sent")),
	)
	start := time.Now()
	events, err := streamThenStop(t, in, id)
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	if d := time.Since(start); d > 300*time.Millisecond+cancelGrace {
		t.Errorf("shutdown took %v, more than the drain plus the grace", d)
	}
	// The client gets a clean end: what the turn produced, the stop
	// reason and [DONE], not a torn connection.
	got := kinds(events)
	if n := len(got); n < 2 || got[n-2] != "stop_reason:cancelled" || got[n-1] != "[DONE]" {
		t.Fatalf("stream end = %v, want stop_reason:cancelled then [DONE]", got)
	}
	if !slices.Contains(got, "tool_return_message") {
		t.Errorf("the first step's output is missing: %v", got)
	}

	// After a restart the agent is consistent: the finished step is kept,
	// the interrupted one is recorded cancelled, and the next turn works
	// with a well-formed history.
	in2 := launch(t, fake, env)
	var steps []struct {
		Status string `json:"status"`
	}
	if st := call(t, http.MethodGet, in2.base+"/v1/steps/?agent_id="+id, "", nil, &steps); st != http.StatusOK {
		t.Fatalf("list steps: %d", st)
	}
	var statuses []string
	for _, s := range steps {
		statuses = append(statuses, s.Status)
	}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []string{"cancelled", "success"}) {
		t.Errorf("step statuses after restart = %v, want one success and one cancelled", statuses)
	}

	fake.Enqueue(llmtest.Text("back again"))
	var resp struct {
		Messages []map[string]any `json:"messages"`
	}
	if st := call(t, http.MethodPost, in2.base+"/v1/agents/"+id+"/messages", "",
		map[string]any{"messages": []map[string]any{{"role": "user", "content": "are you there?"}}}, &resp); st != http.StatusOK {
		t.Fatalf("message after restart: %d", st)
	}
	last, _ := fake.LastRequest()
	answered := map[string]bool{}
	for _, m := range last.Chat.Messages {
		if m.Role == "tool" {
			answered[m.ToolCallID] = true
		}
	}
	calls := 0
	for _, m := range last.Chat.Messages {
		for _, c := range m.ToolCalls {
			calls++
			if !answered[c.ID] {
				t.Errorf("history sent to the model has tool call %s without its result", c.ID)
			}
		}
	}
	if calls != 1 {
		t.Errorf("history has %d tool calls, want the one finished step's", calls)
	}
	if !strings.Contains(string(last.Chat.Messages[len(last.Chat.Messages)-1].Content), "are you there?") {
		t.Errorf("the new message is not last in the prompt")
	}
}

func TestShutdownCancelsABackgroundRun(t *testing.T) {
	t.Parallel()
	fake := llmtest.NewServer(t)
	env := map[string]string{"LETTA_DATA_DIR": t.TempDir(), "LETTA_SHUTDOWN_TIMEOUT": "300ms"}
	in := launch(t, fake, env)
	id := newAgent(t, in.base, "")
	fake.Enqueue(llmtest.Delayed(time.Minute, llmtest.Text("never sent")))
	var run struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if st := call(t, http.MethodPost, in.base+"/v1/agents/"+id+"/messages/async", "",
		map[string]any{"messages": []map[string]any{{"role": "user", "content": "hi"}}}, &run); st != http.StatusOK {
		t.Fatalf("async: %d", st)
	}
	for deadline := time.Now().Add(10 * time.Second); run.Status != "running"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("run never started: %s", run.Status)
		}
		call(t, http.MethodGet, in.base+"/v1/runs/"+run.ID, "", nil, &run)
	}
	if err := in.stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	// Cancelled by the shutdown and recorded so, not left running for the
	// next start to mark failed.
	in2 := launch(t, fake, env)
	var after struct {
		Status     string `json:"status"`
		StopReason string `json:"stop_reason"`
	}
	call(t, http.MethodGet, in2.base+"/v1/runs/"+run.ID, "", nil, &after)
	if after.Status != "cancelled" {
		t.Errorf("run after shutdown = %+v, want cancelled", after)
	}
}
