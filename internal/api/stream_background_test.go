package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// resume posts a RetrieveStreamRequest to base's /v1/runs/{id}/stream and
// reads the whole stream.
func resume(t *testing.T, base, runID string, body map[string]any) streamResult {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(t.Context(), "POST", base+"/v1/runs/"+runID+"/stream", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("resume %s: %v", runID, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read resumed stream: %v", err)
	}
	return streamResult{status: resp.StatusCode, header: resp.Header, body: string(got)}
}

// seqs returns the seq_ids of items.
func seqs(items []map[string]any) []int {
	out := []int{}
	for _, it := range items {
		f, _ := it["seq_id"].(float64)
		out = append(out, int(f))
	}
	return out
}

// TestBackgroundStreamOutlivesClient: the client of a background stream
// leaves mid-turn; the turn completes, and the stream can be resumed from
// the last seq_id seen: live in this process, live from another replica
// (through the store), and after the end (everything replayed).
func TestBackgroundStreamOutlivesClient(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	other := httptest.NewServer(api.New(api.Config{Store: e.store}))
	t.Cleanup(other.Close)
	e.llm.Enqueue(llmtest.Call("memory_insert", insertCat), llmtest.Delayed(1500*time.Millisecond, llmtest.Text("Noted, a cat.")))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", e.url+"/v1/agents/"+a.ID+"/messages/stream",
		strings.NewReader(`{"input": "I have a cat", "background": true}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var seen []map[string]any
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		data, ok := strings.CutPrefix(lines.Text(), "data: ")
		if !ok {
			continue
		}
		var it map[string]any
		if err := json.Unmarshal([]byte(data), &it); err != nil {
			t.Fatalf("decode %q: %v", data, err)
		}
		seen = append(seen, it)
		if it["message_type"] == "tool_return_message" {
			break
		}
	}
	cancel() // the client leaves while the model is "thinking"
	_ = resp.Body.Close()
	if diff := cmp.Diff([]string{"tool_call_message", "tool_return_message"}, types(seen)); diff != "" {
		t.Fatalf("items before leaving (-want +got):\n%s", diff)
	}
	runID, _ := seen[0]["run_id"].(string)
	for _, it := range seen {
		if it["run_id"] != runID || runID == "" {
			t.Errorf("item %v has run_id %v, want %q", it["message_type"], it["run_id"], runID)
		}
	}
	last := seqs(seen)[len(seen)-1]

	wantRest := []string{"assistant_message", "stop_reason", "usage_statistics"}
	checkRest := func(name string, items []map[string]any, raised *sdkError) {
		t.Helper()
		if raised != nil {
			t.Fatalf("%s: raised %v", name, raised)
		}
		items = withoutPings(items)
		if diff := cmp.Diff(wantRest, types(items)); diff != "" {
			t.Errorf("%s: items (-want +got):\n%s", name, diff)
		}
		if diff := cmp.Diff([]int{last + 1, last + 2, last + 3}, seqs(items)); diff != "" {
			t.Errorf("%s: seq_ids (-want +got):\n%s", name, diff)
		}
		for _, it := range items {
			if it["run_id"] != runID {
				t.Errorf("%s: %v has run_id %v", name, it["message_type"], it["run_id"])
			}
		}
		if len(items) == 3 && (items[0]["content"] != "Noted, a cat." || items[1]["stop_reason"] != "end_turn") {
			t.Errorf("%s: rest = %v", name, items)
		}
	}
	// Both resumes start while the turn is still waiting on the model.
	type result struct {
		items  []map[string]any
		raised *sdkError
	}
	local, remote := make(chan result, 1), make(chan result, 1)
	cursor := map[string]any{"starting_after": last, "poll_interval": 0.05}
	go func() {
		items, raised := resume(t, e.url, runID, cursor).items(t)
		local <- result{items, raised}
	}()
	go func() {
		items, raised := resume(t, other.URL, runID, cursor).items(t)
		remote <- result{items, raised}
	}()
	r := <-local
	checkRest("resumed in process", r.items, r.raised)
	r = <-remote
	checkRest("resumed on another replica", r.items, r.raised)

	run := e.waitRun(runID, runEnded)
	if run.Status != letta.RunCompleted || !letta.Deref(run.Background) {
		t.Errorf("run = %s background %v, want completed background", run.Status, run.Background)
	}
	var history []map[string]any
	e.ok("GET", "/v1/runs/"+runID+"/messages", nil, &history)
	if n := len(history); n == 0 || history[n-1]["content"] != "Noted, a cat." {
		t.Errorf("run messages = %v", types(history))
	}

	// After the end, everything is replayed, from the store.
	all, raised := resume(t, e.url, runID, map[string]any{}).items(t)
	if raised != nil {
		t.Fatalf("replay raised %v", raised)
	}
	if diff := cmp.Diff(append([]string{"tool_call_message", "tool_return_message"}, wantRest...), types(all)); diff != "" {
		t.Errorf("replay items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5}, seqs(all)); diff != "" {
		t.Errorf("replay seq_ids (-want +got):\n%s", diff)
	}
	if all[0]["id"] != seen[0]["id"] {
		t.Errorf("replayed tool call %v, streamed %v", all[0]["id"], seen[0]["id"])
	}
	rest, _ := resume(t, other.URL, runID, map[string]any{"starting_after": last, "batch_size": 1}).items(t)
	checkRest("replayed in batches of one", rest, nil)
}

// TestBackgroundStreamWithStreamingFlag: the 1.x form (messages with
// streaming=true) streams a background run to the end while the client
// stays, every item naming the run.
func TestBackgroundStreamWithStreamingFlag(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Text("hello"))
	items, raised := e.stream("/v1/agents/"+a.ID+"/messages", map[string]any{"input": "hi", "streaming": true, "background": true}).items(t)
	if raised != nil {
		t.Fatalf("raised %v", raised)
	}
	if diff := cmp.Diff([]string{"assistant_message", "stop_reason", "usage_statistics"}, types(items)); diff != "" {
		t.Fatalf("items (-want +got):\n%s", diff)
	}
	runID, _ := items[0]["run_id"].(string)
	for _, it := range items {
		if it["run_id"] != runID || runID == "" {
			t.Errorf("%v has run_id %v", it["message_type"], it["run_id"])
		}
	}
	if run := e.waitRun(runID, runEnded); run.Status != letta.RunCompleted {
		t.Errorf("run status %s", run.Status)
	}
}

// TestBackgroundStreamFailure: a turn that fails ends its stored stream
// with the stop reason and the error event, for the client and on replay.
func TestBackgroundStreamFailure(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Error(http.StatusBadRequest, ""))
	items, raised := e.stream("/v1/agents/"+a.ID+"/messages/stream", map[string]any{"input": "hi", "background": true}).items(t)
	if raised == nil {
		t.Fatalf("no error raised; items %v", types(items))
	}
	if n := len(items); n == 0 || items[n-1]["message_type"] != "stop_reason" {
		t.Fatalf("items = %v", types(items))
	}
	runID, _ := items[0]["run_id"].(string)
	e.waitRun(runID, runEnded)
	replayed, again := resume(t, e.url, runID, nil).items(t)
	if again == nil || len(replayed) != len(items) {
		t.Errorf("replay = %v raised %v", types(replayed), again)
	}
}

func TestResumeStreamErrors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	r := e.do("POST", "/v1/runs/run-00000000-0000-4000-8000-000000000000/stream", map[string]any{})
	r.expect(t, http.StatusNotFound)

	e.llm.Enqueue(llmtest.Text("plain"))
	items, _ := e.stream("/v1/agents/"+a.ID+"/messages/stream", map[string]any{"input": "hi"}).items(t)
	runID, _ := items[0]["run_id"].(string)
	if runID == "" {
		t.Fatalf("stream items carry no run_id: %v", items[0])
	}
	r = e.do("POST", "/v1/runs/"+runID+"/stream", map[string]any{})
	r.expect(t, http.StatusBadRequest)
	if d := r.detail(t); !strings.Contains(d, "background") {
		t.Errorf("not-background detail %q", d)
	}
	for field, body := range map[string]map[string]any{
		"starting_after": {"starting_after": -1},
		"poll_interval":  {"poll_interval": 0},
		"batch_size":     {"batch_size": 0},
	} {
		r := e.do("POST", "/v1/runs/"+runID+"/stream", body)
		r.expect(t, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.body), field) {
			t.Errorf("%s: %s", field, r.body)
		}
	}
}

// TestBackgroundStreamCancel: a cancel request stops a background turn; its
// stream, followed by a resumed client, ends with stop_reason cancelled, and
// a resume after that last item ends at once.
func TestBackgroundStreamCancel(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Call("memory_insert", insertCat), llmtest.Delayed(30*time.Second, llmtest.Text("never sent")))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", e.url+"/v1/agents/"+a.ID+"/messages/stream",
		strings.NewReader(`{"input": "I have a cat", "background": true, "include_pings": false}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var runID string
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			var it map[string]any
			_ = json.Unmarshal([]byte(data), &it)
			runID, _ = it["run_id"].(string)
			break
		}
	}
	cancel()
	_ = resp.Body.Close()
	if runID == "" {
		t.Fatal("no run_id in the first item")
	}

	done := make(chan streamResult, 1)
	go func() { done <- resume(t, e.url, runID, map[string]any{"starting_after": 1}) }()
	for deadline := time.Now().Add(10 * time.Second); len(e.llm.Requests()) < 2; {
		if time.Now().After(deadline) {
			t.Fatal("the turn never made its second model call")
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.ok("POST", "/v1/runs/"+runID+"/cancel", map[string]any{}, nil)
	var items []map[string]any
	select {
	case r := <-done:
		items, _ = r.items(t)
	case <-time.After(15 * time.Second):
		t.Fatal("the resumed stream did not end after the cancel")
	}
	if diff := cmp.Diff([]string{"tool_return_message", "stop_reason"}, types(items)); diff != "" {
		t.Fatalf("resumed items (-want +got):\n%s", diff)
	}
	if items[1]["stop_reason"] != "cancelled" {
		t.Errorf("stop_reason = %v", items[1])
	}
	if run := e.waitRun(runID, runEnded); run.Status != letta.RunCancelled {
		t.Errorf("run status %s", run.Status)
	}
	start := time.Now()
	tail, _ := resume(t, e.url, runID, map[string]any{"starting_after": 3}).items(t)
	if len(tail) != 0 || time.Since(start) > 2*time.Second {
		t.Errorf("resume after the last item: %v in %v", types(tail), time.Since(start))
	}
}
