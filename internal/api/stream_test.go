package api_test

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/llm/openai"
)

// liveAgent creates a letta_v1 agent through the API (so it has its system
// message and base tools) with a "human" block.
func (e *env) liveAgent() letta.Agent {
	e.t.Helper()
	var a letta.Agent
	e.ok("POST", "/v1/agents", map[string]any{
		"model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-ada-002",
		"memory_blocks": []any{map[string]any{"label": "human", "value": "name: Caren"}},
	}, &a)
	return a
}

const insertCat = `{"label": "human", "new_str": "Has a cat."}`

func TestStreamMultiStepTurn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, suffix string
		extra        map[string]any
	}{
		{"stream route", "/messages/stream", nil},
		{"streaming flag", "/messages", map[string]any{"streaming": true}}, // 1.x clients
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			a := e.liveAgent()
			// "[DONE]" in a reply must not end the stream for Fern's parser.
			reply := "Noted [DONE] you have a cat.\nAnything else?"
			e.llm.Enqueue(llmtest.Call("memory_insert", insertCat), llmtest.Text(reply))
			body := map[string]any{"input": "I have a cat"}
			for k, v := range tt.extra {
				body[k] = v
			}
			items, raised := e.stream("/v1/agents/"+a.ID+tt.suffix, body).items(t)
			if raised != nil {
				t.Fatalf("stream raised %v", raised)
			}
			want := []string{"tool_call_message", "tool_return_message", "assistant_message", "stop_reason", "usage_statistics"}
			if diff := cmp.Diff(want, types(items)); diff != "" {
				t.Fatalf("item types (-want +got):\n%s", diff)
			}
			for i, it := range items {
				if seq, _ := it["seq_id"].(float64); int(seq) != i+1 {
					t.Errorf("item %d has seq_id %v, want %d", i, it["seq_id"], i+1)
				}
			}
			call, _ := items[0]["tool_call"].(map[string]any)
			if call["name"] != "memory_insert" || call["arguments"] != insertCat {
				t.Errorf("tool call = %v", call)
			}
			if items[1]["status"] != "success" || items[1]["tool_call_id"] != call["tool_call_id"] {
				t.Errorf("tool return = %v", items[1])
			}
			if items[2]["content"] != reply {
				t.Errorf("assistant content = %q, want %q", items[2]["content"], reply)
			}
			if items[3]["stop_reason"] != "end_turn" {
				t.Errorf("stop_reason = %v", items[3])
			}
			if items[4]["step_count"] != 2.0 || items[4]["total_tokens"].(float64) <= 0 {
				t.Errorf("usage = %v", items[4])
			}

			// The streamed items are the stored ones.
			var history []map[string]any
			e.ok("GET", "/v1/agents/"+a.ID+"/messages?limit=3", nil, &history)
			for i, h := range history {
				if h["id"] != items[i]["id"] || h["message_type"] != items[i]["message_type"] {
					t.Errorf("history[%d] = %v %v, streamed %v %v", i, h["id"], h["message_type"], items[i]["id"], items[i]["message_type"])
				}
			}
		})
	}
}

func TestStreamTokensMatchSyncReply(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	reply := "The quick brown fox jumps over the lazy dog, twice."
	e.llm.Enqueue(llmtest.Call("memory_insert", insertCat), llmtest.Text(reply))
	var sync struct {
		Messages []map[string]any `json:"messages"`
	}
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "one"}, &sync)
	if len(sync.Messages) != 3 {
		t.Fatalf("sync reply = %v", sync.Messages)
	}
	syncArgs := sync.Messages[0]["tool_call"].(map[string]any)["arguments"]
	syncText := sync.Messages[2]["content"]

	e.llm.Enqueue(llmtest.Call("memory_insert", insertCat), llmtest.Text(reply))
	items, raised := e.stream("/v1/agents/"+a.ID+"/messages/stream", map[string]any{"input": "two", "stream_tokens": true}).items(t)
	if raised != nil {
		t.Fatalf("stream raised %v", raised)
	}
	if req, _ := e.llm.LastRequest(); req.Raw["stream"] != true {
		t.Errorf("the model was not asked to stream: %v", req.Raw["stream"])
	}
	text, args := map[string]string{}, map[string]string{}
	chunks := map[string]int{}
	var order []string
	for _, it := range withoutPings(items) {
		typ, _ := it["message_type"].(string)
		id, _ := it["id"].(string)
		switch typ {
		case "assistant_message":
			s, _ := it["content"].(string)
			text[id] += s
		case "tool_call_message":
			if tc, _ := it["tool_call"].(map[string]any); tc != nil {
				s, _ := tc["arguments"].(string)
				args[id] += s
			}
		}
		chunks[typ]++
		if len(order) == 0 || order[len(order)-1] != typ {
			order = append(order, typ)
		}
	}
	want := []string{"tool_call_message", "tool_return_message", "assistant_message", "stop_reason", "usage_statistics"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("order of item types (-want +got):\n%s", diff)
	}
	if len(text) != 1 || len(args) != 1 {
		t.Fatalf("chunks do not share one id per message: text %v, args %v", text, args)
	}
	for _, got := range text {
		if got != syncText {
			t.Errorf("assembled text %q, sync reply %q", got, syncText)
		}
	}
	for _, got := range args {
		if got != syncArgs {
			t.Errorf("assembled arguments %q, sync %q", got, syncArgs)
		}
	}
	if chunks["assistant_message"] < 2 || chunks["tool_call_message"] < 2 {
		t.Errorf("not token-streamed: %v", chunks)
	}
}

func TestStreamPings(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.StreamPingInterval = 30 * time.Millisecond })
	a := e.liveAgent()
	path := "/v1/agents/" + a.ID + "/messages/stream"

	e.llm.Enqueue(llmtest.Delayed(300*time.Millisecond, llmtest.Text("slow answer")))
	items, raised := e.stream(path, map[string]any{"input": "hi"}).items(t)
	if raised != nil {
		t.Fatalf("stream raised %v", raised)
	}
	var pings int
	for i, it := range items {
		if it["message_type"] != "ping" {
			continue
		}
		pings++
		id, _ := it["id"].(string)
		date, _ := it["date"].(string)
		runID, hasRunID := it["run_id"]
		if !strings.HasPrefix(id, "ping-") || !strings.HasSuffix(date, "+00:00") || !hasRunID || runID != nil {
			t.Errorf("ping %v", it)
		}
		if seq, _ := it["seq_id"].(float64); int(seq) != i+1 {
			t.Errorf("ping seq_id %v at item %d", it["seq_id"], i)
		}
	}
	if pings == 0 {
		t.Errorf("no ping in 300ms of silence at a 30ms interval: %v", types(items))
	}
	if got := types(withoutPings(items)); !cmp.Equal(got, []string{"assistant_message", "stop_reason", "usage_statistics"}) {
		t.Errorf("items besides pings: %v", got)
	}

	e.llm.Enqueue(llmtest.Delayed(200*time.Millisecond, llmtest.Text("slow answer")))
	items, _ = e.stream(path, map[string]any{"input": "hi", "include_pings": false}).items(t)
	if got := types(items); !cmp.Equal(got, []string{"assistant_message", "stop_reason", "usage_statistics"}) {
		t.Errorf("include_pings=false: %v", got)
	}
}

func TestStreamErrorAfterStart(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Call("memory_insert", insertCat), llmtest.Error(http.StatusBadRequest, ""))
	res := e.stream("/v1/agents/"+a.ID+"/messages/stream", map[string]any{"input": "hi"})
	items, raised := res.items(t)
	if diff := cmp.Diff([]string{"tool_call_message", "tool_return_message", "stop_reason"}, types(items)); diff != "" {
		t.Fatalf("items (-want +got):\n%s", diff)
	}
	if items[2]["stop_reason"] != "llm_api_error" {
		t.Errorf("stop_reason = %v", items[2])
	}
	if raised == nil {
		t.Fatalf("the 1.x parser raised nothing:\n%s", res.body)
	}
	d := raised.data
	runID, hasRunID := d["run_id"]
	if d["message_type"] != "error_message" || d["error_type"] != "llm_bad_request" || !hasRunID || runID != nil ||
		!strings.Contains(d["message"].(string), "Invalid request") || d["seq_id"] != 4.0 {
		t.Errorf("error event = %v", d)
	}

	// The agent is still usable and its context holds the finished step.
	var resp struct {
		Messages []map[string]any `json:"messages"`
	}
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "again"}, &resp)
	if len(resp.Messages) != 1 || resp.Messages[0]["content"] != "Echo: again" {
		t.Errorf("next turn = %v", resp.Messages)
	}
	checkContext(t, e, a.ID)
}

func TestStreamErrorBeforeStart(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Error(http.StatusInternalServerError, ""))
	res := e.stream("/v1/agents/"+a.ID+"/messages/stream", map[string]any{"input": "hi"})
	r := response{status: res.status, header: res.header, body: []byte(res.body)}
	r.expect(t, http.StatusBadGateway)
	if r.header.Get("x-should-retry") != "false" {
		t.Errorf("x-should-retry = %q", r.header.Get("x-should-retry"))
	}
	res = e.stream("/v1/agents/"+letta.NewID(letta.PrefixAgent)+"/messages/stream", map[string]any{"input": "hi"})
	response{status: res.status, header: res.header, body: []byte(res.body)}.expect(t, http.StatusNotFound)
}

// TestStreamDisconnect: a client that leaves mid-turn cancels the turn; the
// agent answers its next message and its context has no half step.
func TestStreamDisconnect(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Call("memory_insert", insertCat), llmtest.Delayed(30*time.Second, llmtest.Text("never sent")))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", e.url+"/v1/agents/"+a.ID+"/messages/stream", strings.NewReader(`{"input": "first"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() && !strings.Contains(lines.Text(), `"tool_return_message"`) {
	}
	if lines.Err() != nil {
		t.Fatalf("read stream: %v", lines.Err())
	}
	for deadline := time.Now().Add(10 * time.Second); len(e.llm.Requests()) < 2; { // the slow second call has begun
		if time.Now().After(deadline) {
			t.Fatal("the turn never made its second model call")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	cancel() // the client disconnects while the model is "thinking"
	_ = resp.Body.Close()

	var next struct {
		Messages []map[string]any `json:"messages"`
	}
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "second"}, &next)
	if len(next.Messages) != 1 || next.Messages[0]["content"] != "Echo: second" {
		t.Errorf("next turn = %v", next.Messages)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the next turn waited %v: the cancelled turn kept the agent", d)
	}
	msgs := checkContext(t, e, a.ID)
	var roles []string
	for _, m := range msgs[len(msgs)-5:] {
		roles = append(roles, m.Role)
	}
	if diff := cmp.Diff([]string{"user", "assistant", "tool", "user", "assistant"}, roles); diff != "" {
		t.Errorf("end of context (-want +got):\n%s", diff)
	}
	for _, m := range msgs {
		if strings.Contains(m.Text(), "never sent") {
			t.Errorf("the cancelled step reached the context: %v", m.Text())
		}
	}
}

// checkContext asserts the agent's in-context messages hold no unpaired
// tool call or return, and returns them.
func checkContext(t *testing.T, e *env, agentID string) []*letta.Message {
	t.Helper()
	a, err := e.store.GetAgent(t.Context(), agentID)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := e.store.GetMessages(t.Context(), a.MessageIDs)
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]bool{}
	for i, m := range msgs {
		switch m.Role {
		case letta.RoleAssistant:
			if len(open) > 0 {
				t.Errorf("message %d: tool calls %v have no return", i, open)
			}
			open = map[string]bool{}
			for _, c := range m.ToolCalls {
				open[c.ID] = true
			}
		case letta.RoleTool:
			id := letta.Deref(m.ToolCallID)
			if !open[id] {
				t.Errorf("message %d: tool return for %q follows no call", i, id)
			}
			delete(open, id)
		default:
			if len(open) > 0 {
				t.Errorf("message %d (%s): tool calls %v have no return", i, m.Role, open)
			}
		}
		if m.IsErr {
			t.Errorf("message %d is an error message in context", i)
		}
	}
	if len(open) > 0 {
		t.Errorf("context ends with unanswered tool calls %v", open)
	}
	return msgs
}

func TestStreamFlagValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	path := "/v1/agents/" + a.ID + "/messages"
	for field, body := range map[string]map[string]any{
		"stream_tokens": {"input": "hi", "stream_tokens": true},
		"include_pings": {"input": "hi", "include_pings": false},
		"background":    {"input": "hi", "background": true, "streaming": false},
	} {
		r := e.do("POST", path, body)
		r.expect(t, http.StatusUnprocessableEntity)
		if !strings.Contains(r.detail(t), field) {
			t.Errorf("%s: detail %s", field, r.detail(t))
		}
	}
	// The same flags are fine on a stream (background streams are tested in
	// stream_background_test.go).
	e.llm.Enqueue(llmtest.Text("ok"))
	items, _ := e.stream(path+"/stream", map[string]any{"input": "hi", "stream_tokens": true, "include_pings": false}).items(t)
	if len(items) != 3 {
		t.Errorf("stream with flags: %v", types(items))
	}
	if n := e.llm.Pending(); n != 0 {
		t.Errorf("%d scripted replies left", n)
	}
}

// TestStreamOutlivesWriteTimeout: a server WriteTimeout shorter than the
// turn does not cut the stream (the handler clears its write deadline).
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	models := llm.NewRegistry(openai.New(openai.Config{APIKey: "test-key", BaseURL: e.llm.URL(), MaxRetries: -1}))
	h := api.New(api.Config{
		Engine:             agent.New(agent.Config{Store: e.store, Models: models, Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))}),
		Store:              e.store,
		Models:             models,
		Logger:             slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		StreamPingInterval: 50 * time.Millisecond,
	})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.WriteTimeout = 100 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	slow := *e
	slow.url = srv.URL

	e.llm.Enqueue(llmtest.Delayed(400*time.Millisecond, llmtest.Text("late but whole")))
	items, raised := slow.stream("/v1/agents/"+a.ID+"/messages/stream", map[string]any{"input": "hi"}).items(t)
	if raised != nil {
		t.Fatalf("stream raised %v", raised)
	}
	got := withoutPings(items)
	if len(got) != 3 || got[0]["content"] != "late but whole" {
		t.Errorf("items %v", types(items))
	}
}
