package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// startRun posts body to the agent's messages/async and checks the run it returns.
func (e *env) startRun(agentID string, body any) letta.Run {
	e.t.Helper()
	var run letta.Run
	e.ok("POST", "/v1/agents/"+agentID+"/messages/async", body, &run)
	if !letta.ValidID(letta.PrefixRun, run.ID) || run.AgentID != agentID || run.Status != letta.RunCreated || run.JobType != "run" {
		e.t.Fatalf("started run = %+v", run)
	}
	return run
}

// waitRun polls the run until done says it is finished.
func (e *env) waitRun(id string, done func(letta.Run) bool) letta.Run {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var run letta.Run
		e.ok("GET", "/v1/runs/"+id, nil, &run)
		if done(run) {
			return run
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("run %s never finished: %+v", id, run)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func runEnded(r letta.Run) bool { return letta.RunDone(r.Status) }

func TestAsyncRunCompletes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Call("memory_insert", insertCat), llmtest.Text("all done"))
	started := e.startRun(a.ID, map[string]any{"input": "remember my cat"})

	run := e.waitRun(started.ID, runEnded)
	if run.Status != letta.RunCompleted || letta.Deref(run.StopReason) != letta.StopEndTurn {
		t.Fatalf("run = %+v, want completed with end_turn", run)
	}
	if run.CompletedAt == nil || run.TotalDurationNs == nil || run.TTFTNs == nil || *run.TTFTNs <= 0 {
		t.Errorf("timings: completed_at %v total %v ttft %v", run.CompletedAt, run.TotalDurationNs, run.TTFTNs)
	}
	if rc := run.RequestConfig; rc == nil || !rc.UseAssistantMessage || rc.AssistantMessageToolName != "send_message" {
		t.Errorf("request_config = %+v", rc)
	}
	result, _ := run.Metadata["result"].(map[string]any)
	if result == nil {
		t.Fatalf("metadata.result missing: %v", run.Metadata)
	}
	resMsgs, _ := result["messages"].([]any)
	if len(resMsgs) < 3 {
		t.Errorf("result messages = %v", resMsgs)
	}
	if usage, _ := result["usage"].(map[string]any); usage == nil || !slices.Equal(toStrings(usage["run_ids"]), []string{run.ID}) {
		t.Errorf("result usage = %v", result["usage"])
	}

	var msgs []map[string]any
	e.ok("GET", "/v1/runs/"+run.ID+"/messages", nil, &msgs)
	var types []string
	for _, m := range msgs {
		types = append(types, m["message_type"].(string))
		if m["run_id"] != run.ID {
			t.Errorf("run message %v has run_id %v", m["id"], m["run_id"])
		}
	}
	for _, want := range []string{"user_message", "tool_call_message", "tool_return_message", "assistant_message"} {
		if !slices.Contains(types, want) {
			t.Errorf("run messages %v lack a %s", types, want)
		}
	}

	var steps []letta.Step
	e.ok("GET", "/v1/runs/"+run.ID+"/steps", nil, &steps)
	if len(steps) != 2 {
		t.Fatalf("run steps = %d, want 2", len(steps))
	}
	want := map[string]int{}
	for _, st := range steps {
		if letta.Deref(st.RunID) != run.ID {
			t.Errorf("step %s run_id = %v", st.ID, st.RunID)
		}
		want["completion_tokens"] += st.CompletionTokens
		want["prompt_tokens"] += st.PromptTokens
		want["total_tokens"] += st.TotalTokens
	}
	var usage map[string]int
	e.ok("GET", "/v1/runs/"+run.ID+"/usage", nil, &usage)
	if usage["total_tokens"] == 0 || usage["total_tokens"] != want["total_tokens"] ||
		usage["prompt_tokens"] != want["prompt_tokens"] || usage["completion_tokens"] != want["completion_tokens"] {
		t.Errorf("usage = %v, want %v", usage, want)
	}

	listed := func(path string) []string {
		r := e.do("GET", path, nil)
		r.expect(t, http.StatusOK)
		return ids(t, r.body)
	}
	if got := listed("/v1/runs?agent_id=" + a.ID); !slices.Equal(got, []string{run.ID}) {
		t.Errorf("runs of agent = %v", got)
	}
	if got := listed("/v1/runs?statuses=completed"); !slices.Contains(got, run.ID) {
		t.Errorf("completed runs = %v", got)
	}
	if got := listed("/v1/runs?statuses=failed&statuses=running"); slices.Contains(got, run.ID) {
		t.Errorf("failed runs = %v", got)
	}
	if got := listed("/v1/runs/active?agent_id=" + a.ID); len(got) != 0 {
		t.Errorf("active runs = %v", got)
	}
	if got := listed("/v1/runs?active=true"); len(got) != 0 {
		t.Errorf("active runs = %v", got)
	}
	e.do("POST", "/v1/agents/"+a.ID+"/messages/cancel", nil).expect(t, http.StatusConflict)
	e.do("POST", "/v1/runs/"+run.ID+"/cancel", nil).expect(t, http.StatusConflict)

	e.ok("DELETE", "/v1/runs/"+run.ID, nil, nil)
	e.do("GET", "/v1/runs/"+run.ID, nil).expect(t, http.StatusNotFound)
	e.do("DELETE", "/v1/runs/"+run.ID, nil).expect(t, http.StatusNotFound)
	e.do("GET", "/v1/runs/"+run.ID+"/messages", nil).expect(t, http.StatusNotFound)
}

func toStrings(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		s, _ := it.(string)
		out = append(out, s)
	}
	return out
}

func TestAsyncRunFails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Error(http.StatusBadRequest, ""))
	started := e.startRun(a.ID, map[string]any{"messages": []any{map[string]any{"role": "user", "content": "hi"}}})
	run := e.waitRun(started.ID, runEnded)
	if run.Status != letta.RunFailed || run.StopReason == nil || *run.StopReason == letta.StopEndTurn {
		t.Fatalf("run = %+v, want failed", run)
	}
	if msg, _ := run.Metadata["error"].(string); msg == "" {
		t.Errorf("metadata.error missing: %v", run.Metadata)
	}
	// The agent is free again.
	e.llm.Enqueue(llmtest.Text("fine now"))
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "again"}, nil)
}

func TestAsyncRunCancel(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Delayed(30*time.Second, llmtest.Text("never sent")))
	started := e.startRun(a.ID, map[string]any{"input": "take your time"})
	e.waitRun(started.ID, func(r letta.Run) bool { return r.Status == letta.RunRunning && len(e.llm.Requests()) > 0 })

	r := e.do("GET", "/v1/runs/active?agent_id="+a.ID, nil)
	r.expect(t, http.StatusOK)
	if got := ids(t, r.body); !slices.Equal(got, []string{started.ID}) {
		t.Fatalf("active runs = %v", got)
	}
	e.do("POST", "/v1/agents/"+a.ID+"/messages/cancel", map[string]any{"run_ids": []string{"run-other"}}).expect(t, http.StatusConflict)

	begin := time.Now()
	var cancelled map[string]string
	e.ok("POST", "/v1/agents/"+a.ID+"/messages/cancel", map[string]any{}, &cancelled)
	if len(cancelled) != 1 || cancelled[started.ID] != "cancelled" {
		t.Fatalf("cancel = %v", cancelled)
	}
	run := e.waitRun(started.ID, runEnded)
	if run.Status != letta.RunCancelled || letta.Deref(run.StopReason) != letta.StopCancelled || run.CompletedAt == nil {
		t.Fatalf("run = %+v, want cancelled", run)
	}
	// The turn stopped: the agent takes the next message at once.
	e.llm.Enqueue(llmtest.Text("quick"))
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "next"}, nil)
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("the cancelled run kept the agent for %v", d)
	}
	// It stays cancelled once the background turn has wound down.
	time.Sleep(50 * time.Millisecond)
	e.ok("GET", "/v1/runs/"+run.ID, nil, &run)
	if run.Status != letta.RunCancelled {
		t.Errorf("status after wind-down = %s", run.Status)
	}
	e.do("POST", "/v1/agents/"+a.ID+"/messages/cancel", nil).expect(t, http.StatusConflict)
}

func TestCancelRunByID(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Delayed(30*time.Second, llmtest.Text("never sent")))
	started := e.startRun(a.ID, map[string]any{"input": "slow"})
	e.waitRun(started.ID, func(r letta.Run) bool { return r.Status == letta.RunRunning && len(e.llm.Requests()) > 0 })
	var run letta.Run
	e.ok("POST", "/v1/runs/"+started.ID+"/cancel", nil, &run)
	if run.Status != letta.RunCancelled {
		t.Errorf("cancel answered %+v", run)
	}
	run = e.waitRun(started.ID, runEnded)
	if run.Status != letta.RunCancelled {
		t.Errorf("run = %+v", run)
	}
	e.do("POST", "/v1/runs/run-00000000-0000-4000-8000-000000000000/cancel", nil).expect(t, http.StatusNotFound)
}

func TestAsyncRunCallback(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	var (
		mu       sync.Mutex
		received []map[string]any
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var v map[string]any
		if r.Method != http.MethodPost || json.Unmarshal(body, &v) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		received = append(received, v)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(hook.Close)
	if !strings.HasPrefix(hook.URL, "http://127.0.0.1:") {
		t.Fatalf("hook listens on %s", hook.URL)
	}

	e.llm.Enqueue(llmtest.Text("called back"))
	started := e.startRun(a.ID, map[string]any{"input": "call me", "callback_url": hook.URL + "/done"})
	if letta.Deref(started.CallbackURL) != hook.URL+"/done" {
		t.Errorf("callback_url = %v", started.CallbackURL)
	}
	run := e.waitRun(started.ID, func(r letta.Run) bool { return r.CallbackSentAt != nil })
	if run.Status != letta.RunCompleted || letta.Deref(run.CallbackStatusCode) != http.StatusAccepted || run.CallbackError != nil {
		t.Errorf("run = %+v", run)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(received) != 1 || received[0]["id"] != run.ID || received[0]["status"] != "completed" {
		t.Errorf("callback bodies = %v", received)
	}

	// A callback nobody answers is recorded as an error.
	closed := httptest.NewServer(http.NotFoundHandler())
	deadURL := closed.URL + "/gone"
	closed.Close()
	e.llm.Enqueue(llmtest.Text("nobody listens"))
	started = e.startRun(a.ID, map[string]any{"input": "call me", "callback_url": deadURL})
	run = e.waitRun(started.ID, func(r letta.Run) bool { return r.CallbackSentAt != nil })
	if run.Status != letta.RunCompleted || run.CallbackError == nil || run.CallbackStatusCode != nil {
		t.Errorf("run with a dead callback = %+v", run)
	}
}

func TestAsyncRunValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	path := "/v1/agents/" + a.ID + "/messages/async"
	e.do("POST", path, map[string]any{"input": "x", "callback_url": "ftp://127.0.0.1/x"}).expect(t, http.StatusUnprocessableEntity)
	e.do("POST", path, map[string]any{}).expect(t, http.StatusUnprocessableEntity)
	e.do("POST", "/v1/agents/agent-00000000-0000-4000-8000-000000000000/messages/async", map[string]any{"input": "x"}).expect(t, http.StatusNotFound)
	e.do("GET", "/v1/runs/run-00000000-0000-4000-8000-000000000000", nil).expect(t, http.StatusNotFound)
	e.do("GET", "/v1/runs?after=run-00000000-0000-4000-8000-000000000000", nil).expect(t, http.StatusNotFound)
	if e.llm.Pending() != 0 || len(e.llm.Requests()) != 0 {
		t.Errorf("a rejected request reached the model")
	}
}

// TestRunCancelFromAnotherReplica cancels a run through a second server
// sharing the store: the replica executing it notices and stops the turn.
func TestRunCancelFromAnotherReplica(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	other := httptest.NewServer(api.New(api.Config{Store: e.store}))
	t.Cleanup(other.Close)

	e.llm.Enqueue(llmtest.Delayed(30*time.Second, llmtest.Text("never sent")))
	started := e.startRun(a.ID, map[string]any{"input": "slow"})
	e.waitRun(started.ID, func(r letta.Run) bool { return r.Status == letta.RunRunning && len(e.llm.Requests()) > 0 })

	resp, err := http.Get(other.URL + "/v1/runs/" + started.ID)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("other replica GET run: %d", resp.StatusCode)
	}
	resp, err = http.Post(other.URL+"/v1/agents/"+a.ID+"/messages/cancel", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("other replica cancel: %d", resp.StatusCode)
	}
	begin := time.Now()
	e.llm.Enqueue(llmtest.Text("quick"))
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "next"}, nil)
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("the executing replica kept the agent for %v after the cancel", d)
	}
	run := e.waitRun(started.ID, runEnded)
	if run.Status != letta.RunCancelled {
		t.Errorf("run = %+v", run)
	}
}
