package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// postInBackground posts body to path from another goroutine and delivers
// the status and body when the answer has been read to its end.
func (e *env) postInBackground(path string, body any) <-chan streamResult {
	raw, _ := json.Marshal(body)
	out := make(chan streamResult, 1)
	go func() {
		req, err := http.NewRequestWithContext(e.t.Context(), "POST", e.url+path, bytes.NewReader(raw))
		if err != nil {
			out <- streamResult{body: err.Error()}
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.client.Do(req)
		if err != nil {
			out <- streamResult{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		out <- streamResult{status: resp.StatusCode, header: resp.Header, body: string(got)}
	}()
	return out
}

// activeRun waits until the agent has one active run whose model call has
// started, and returns it.
func (e *env) activeRun(agentID string) letta.Run {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var runs []letta.Run
		e.ok("GET", "/v1/runs/active?agent_id="+agentID, nil, &runs)
		if len(runs) == 1 && runs[0].Status == letta.RunRunning && len(e.llm.Requests()) > 0 {
			return runs[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("agent %s has no active run", agentID)
	return letta.Run{}
}

func TestSyncSendCreatesRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Call("memory_insert", insertCat), llmtest.Text("Noted."))
	var resp struct {
		Messages []map[string]any `json:"messages"`
		Usage    struct {
			RunIDs []string `json:"run_ids"`
		} `json:"usage"`
	}
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "I have a cat"}, &resp)
	if len(resp.Usage.RunIDs) != 1 || !letta.ValidID(letta.PrefixRun, resp.Usage.RunIDs[0]) {
		t.Fatalf("usage.run_ids = %v", resp.Usage.RunIDs)
	}
	runID := resp.Usage.RunIDs[0]
	for _, m := range resp.Messages {
		if m["run_id"] != runID {
			t.Errorf("%s has run_id %v, want %s", m["message_type"], m["run_id"], runID)
		}
	}
	var run letta.Run
	e.ok("GET", "/v1/runs/"+runID, nil, &run)
	if run.Status != letta.RunCompleted || letta.Deref(run.StopReason) != letta.StopEndTurn || run.AgentID != a.ID || run.CompletedAt == nil {
		t.Errorf("run = %+v", run)
	}
	var msgs []map[string]any
	e.ok("GET", "/v1/runs/"+runID+"/messages", nil, &msgs)
	if len(msgs) < 3 {
		t.Errorf("run messages = %v", msgs)
	}
}

func TestStreamSendCreatesRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Text("Hello there, friend."))
	items, raised := e.stream("/v1/agents/"+a.ID+"/messages/stream", map[string]any{"input": "hi", "stream_tokens": true}).items(t)
	if raised != nil {
		t.Fatalf("stream raised %v", raised)
	}
	var runID string
	for _, it := range withoutPings(items) {
		switch it["message_type"] {
		case "assistant_message":
			id, _ := it["run_id"].(string)
			if runID == "" {
				runID = id
			}
			if id == "" || id != runID {
				t.Errorf("chunk run_id %v, want %q", it["run_id"], runID)
			}
		case "usage_statistics":
			if ids := toStrings(it["run_ids"]); len(ids) != 1 || ids[0] != runID {
				t.Errorf("run_ids = %v, want [%s]", ids, runID)
			}
		}
	}
	var run letta.Run
	e.ok("GET", "/v1/runs/"+runID, nil, &run)
	if run.Status != letta.RunCompleted {
		t.Errorf("run = %+v", run)
	}
}

func TestCancelSyncTurnFromAnotherRequest(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Delayed(30*time.Second, llmtest.Text("never sent")))
	answer := e.postInBackground("/v1/agents/"+a.ID+"/messages", map[string]any{"input": "take your time"})
	run := e.activeRun(a.ID)
	begin := time.Now()
	var cancelled map[string]string
	e.ok("POST", "/v1/agents/"+a.ID+"/messages/cancel", map[string]any{}, &cancelled)
	if cancelled[run.ID] != "cancelled" {
		t.Fatalf("cancel = %v", cancelled)
	}
	got := <-answer
	if got.status != http.StatusOK {
		t.Fatalf("sync answer %d: %s", got.status, got.body)
	}
	var resp letta.LettaResponse
	if err := json.Unmarshal([]byte(got.body), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.StopReason.StopReason != letta.StopCancelled || len(resp.Usage.RunIDs) != 1 || resp.Usage.RunIDs[0] != run.ID {
		t.Errorf("response = %s", got.body)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("the cancel took %v", d)
	}
	e.ok("GET", "/v1/runs/"+run.ID, nil, &run)
	if run.Status != letta.RunCancelled || letta.Deref(run.StopReason) != letta.StopCancelled {
		t.Errorf("run = %+v", run)
	}
	e.llm.Enqueue(llmtest.Text("back"))
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "next"}, nil)
}

func TestCancelStreamingTurnFromAnotherRequest(t *testing.T) {
	t.Parallel()
	for _, byRun := range []bool{false, true} {
		e := setup(t)
		a := e.liveAgent()
		e.llm.Enqueue(llmtest.Delayed(30*time.Second, llmtest.Text("never sent")))
		answer := e.postInBackground("/v1/agents/"+a.ID+"/messages/stream", map[string]any{"input": "take your time", "stream_tokens": true})
		run := e.activeRun(a.ID)
		if byRun {
			e.ok("POST", "/v1/runs/"+run.ID+"/cancel", nil, nil)
		} else {
			e.ok("POST", "/v1/agents/"+a.ID+"/messages/cancel", map[string]any{"run_ids": []string{run.ID}}, nil)
		}
		got := <-answer
		items, raised := got.items(t)
		if raised != nil {
			t.Fatalf("stream raised %v", raised)
		}
		items = withoutPings(items)
		if len(items) == 0 || items[len(items)-1]["stop_reason"] != "cancelled" {
			t.Fatalf("stream = %s", got.body)
		}
		if !strings.HasSuffix(strings.TrimSpace(got.body), "data: [DONE]") {
			t.Errorf("stream does not end with [DONE]: %q", got.body)
		}
		e.ok("GET", "/v1/runs/"+run.ID, nil, &run)
		if run.Status != letta.RunCancelled {
			t.Errorf("run = %+v", run)
		}
		e.llm.Enqueue(llmtest.Text("back"))
		e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "next"}, nil)
	}
}

func TestAgentStateRecordsLastRun(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a letta.Agent
	e.ok("POST", "/v1/agents/", map[string]any{
		"model":         "openai/gpt-4o-mini",
		"memory_blocks": []map[string]any{{"label": "human", "value": "name: Caren"}},
		"tool_rules":    []map[string]any{{"type": "requires_approval", "tool_name": "conversation_search"}},
	}, &a)
	var fresh map[string]any
	e.ok("GET", "/v1/agents/"+a.ID, nil, &fresh)
	for _, k := range []string{"last_stop_reason", "last_run_completion", "last_run_duration_ms", "pending_approval"} {
		if v, ok := fresh[k]; !ok || v != nil {
			t.Errorf("new agent %s = %v, want null", k, v)
		}
	}

	e.llm.Enqueue(llmtest.Call("conversation_search", `{"query": "tea"}`))
	var first letta.LettaResponse
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "search for tea"}, &first)
	var waiting map[string]any
	e.ok("GET", "/v1/agents/"+a.ID, nil, &waiting)
	pending, _ := waiting["pending_approval"].(map[string]any)
	if waiting["last_stop_reason"] != "requires_approval" || pending["message_type"] != "approval_request_message" {
		t.Fatalf("waiting agent: stop %v, pending %v", waiting["last_stop_reason"], waiting["pending_approval"])
	}
	if call, _ := pending["tool_call"].(map[string]any); call["name"] != "conversation_search" || pending["id"] != first.Messages[len(first.Messages)-1].ID {
		t.Errorf("pending_approval = %v", pending)
	}

	e.llm.Enqueue(llmtest.Text("Found nothing."))
	approval := map[string]any{"type": "approval", "approve": true, "approval_request_id": pending["id"]}
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"messages": []any{approval}}, nil)
	var done map[string]any
	e.ok("GET", "/v1/agents/"+a.ID, nil, &done)
	if done["last_stop_reason"] != "end_turn" || done["pending_approval"] != nil {
		t.Errorf("after the approval: stop %v, pending %v", done["last_stop_reason"], done["pending_approval"])
	}
	completed, err := time.Parse(time.RFC3339Nano, done["last_run_completion"].(string))
	if err != nil || time.Since(completed) > time.Minute || time.Until(completed) > time.Second {
		t.Errorf("last_run_completion = %v (%v)", done["last_run_completion"], err)
	}
	if ms, ok := done["last_run_duration_ms"].(float64); !ok || ms < 0 {
		t.Errorf("last_run_duration_ms = %v", done["last_run_duration_ms"])
	}
}

// TestResetClearsPendingApproval: reset deletes the approval request, so the
// agent no longer reports one and takes a normal message.
func TestResetClearsPendingApproval(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a letta.Agent
	e.ok("POST", "/v1/agents/", map[string]any{
		"model":      "openai/gpt-4o-mini",
		"tool_rules": []map[string]any{{"type": "requires_approval", "tool_name": "conversation_search"}},
	}, &a)
	e.llm.Enqueue(llmtest.Call("conversation_search", `{"query": "tea"}`))
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "search for tea"}, nil)
	var reset map[string]any
	e.ok("PATCH", "/v1/agents/"+a.ID+"/reset-messages", map[string]any{"add_default_initial_messages": false}, &reset)
	if reset["pending_approval"] != nil || reset["last_stop_reason"] != "requires_approval" {
		t.Errorf("after reset: pending %v, last stop %v; want no pending approval and the last stop kept", reset["pending_approval"], reset["last_stop_reason"])
	}
	e.llm.Enqueue(llmtest.Text("hello again"))
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "hi"}, nil)
}

// TestCancelQueuedTurn: a request waiting for the agent's turn (another turn
// holds it) that is cancelled answers like a cancelled turn: 200 and
// stop_reason cancelled for a sync request, a cancelled stream for a
// streaming one; not a retryable error, so a client does not send the
// message again. The running turn is untouched.
func TestCancelQueuedTurn(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/messages", "/messages/stream"} {
		e := setup(t)
		a := e.liveAgent()
		e.llm.Enqueue(llmtest.Delayed(time.Second, llmtest.Text("first answer")))
		first := e.postInBackground("/v1/agents/"+a.ID+"/messages", map[string]any{"input": "first"})
		running := e.activeRun(a.ID)
		queued := e.postInBackground("/v1/agents/"+a.ID+path, map[string]any{"input": "second"})
		var waiting letta.Run
		deadline := time.Now().Add(10 * time.Second)
		for waiting.ID == "" && time.Now().Before(deadline) {
			var runs []letta.Run
			e.ok("GET", "/v1/runs?agent_ids="+a.ID+"&active=true", nil, &runs)
			for _, r := range runs {
				if r.ID != running.ID {
					waiting = r
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		if waiting.ID == "" {
			t.Fatalf("%s: the second request made no run", path)
		}
		var cancelled map[string]string
		e.ok("POST", "/v1/agents/"+a.ID+"/messages/cancel", map[string]any{"run_ids": []string{waiting.ID}}, &cancelled)
		if cancelled[waiting.ID] != "cancelled" || len(cancelled) != 1 {
			t.Fatalf("%s: cancel = %v", path, cancelled)
		}
		got := <-queued
		if got.status != http.StatusOK {
			t.Fatalf("%s: queued request answered %d: %s", path, got.status, got.body)
		}
		if path == "/messages" {
			var resp letta.LettaResponse
			if err := json.Unmarshal([]byte(got.body), &resp); err != nil {
				t.Fatal(err)
			}
			if resp.StopReason.StopReason != letta.StopCancelled || len(resp.Messages) != 0 || len(resp.Usage.RunIDs) != 1 || resp.Usage.RunIDs[0] != waiting.ID {
				t.Errorf("%s: response = %s", path, got.body)
			}
		} else {
			items, raised := got.items(t)
			items = withoutPings(items)
			if raised != nil || len(items) == 0 || items[len(items)-1]["stop_reason"] != "cancelled" {
				t.Errorf("%s: stream = %s (raised %v)", path, got.body, raised)
			}
		}
		if r := <-first; r.status != http.StatusOK || !strings.Contains(r.body, "first answer") {
			t.Errorf("%s: the running turn answered %d: %s", path, r.status, r.body)
		}
		e.ok("GET", "/v1/runs/"+waiting.ID, nil, &waiting)
		if waiting.Status != letta.RunCancelled {
			t.Errorf("%s: queued run = %+v", path, waiting)
		}
	}
}

// TestBackgroundRunWaitsForABusyAgent: an async run sent while the agent's
// turn outlasts a request's wait for it (here 300 ms) is queued and
// completes after that turn, while a sync send in its place is refused
// (409) once the wait is up.
func TestBackgroundRunWaitsForABusyAgent(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) {
		c.Engine = agent.New(agent.Config{Store: c.Store, Models: c.Models, Logger: c.Logger, TurnWaitTimeout: 300 * time.Millisecond})
	})
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Delayed(1500*time.Millisecond, llmtest.Text("slow first")), llmtest.Text("queued answer"))
	first := e.postInBackground("/v1/agents/"+a.ID+"/messages", map[string]any{"input": "first"})
	e.activeRun(a.ID)
	queued := e.startRun(a.ID, map[string]any{"input": "second"})
	e.do("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "impatient"}).expect(t, http.StatusConflict)
	if r := <-first; r.status != http.StatusOK {
		t.Fatalf("first turn: %d %s", r.status, r.body)
	}
	run := e.waitRun(queued.ID, runEnded)
	if run.Status != letta.RunCompleted || letta.Deref(run.StopReason) != letta.StopEndTurn {
		t.Fatalf("queued async run ended %s (%v): %+v", run.Status, letta.Deref(run.StopReason), run.Metadata)
	}
}
