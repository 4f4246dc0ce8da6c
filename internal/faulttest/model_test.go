package faulttest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// TestModelFaults makes the model time out, answer 500s, send invalid JSON
// or break its stream, on the sync and the streaming routes: each turn ends
// with an error stop reason (or, when it fails before its first event, an
// error status with a JSON body naming the provider failure),
// and the agent answers its next message normally.
func TestModelFaults(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "letta.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	fake := llmtest.NewServer(t)
	models := llm.NewRegistry(openai.New(openai.Config{APIKey: "k", BaseURL: fake.URL(),
		MaxRetries: 1, RetryBaseDelay: time.Millisecond, Timeout: 300 * time.Millisecond}))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(api.New(api.Config{
		Engine: agent.New(agent.Config{Store: st, Models: models, Logger: logger}),
		Store:  st, Models: models, Logger: logger,
	}))
	t.Cleanup(srv.Close)
	agentID := createAgent(t, srv.URL, "faulty")

	fault := func(r llmtest.Reply) []llmtest.Reply { return []llmtest.Reply{r, r} } // first try and the retry
	tests := []struct {
		name    string
		replies []llmtest.Reply
	}{
		{"timeout", fault(llmtest.Reply{Content: "late", Delay: 2 * time.Second})},
		{"server errors", fault(llmtest.Reply{Error: &llmtest.HTTPError{Status: 500}})},
		{"invalid JSON", fault(llmtest.Reply{Malformed: true})},
		{"dropped connection", fault(llmtest.Reply{Drop: true, DropAfterChunks: 2, Content: "a long answer cut short"})},
		{"tool call then 500", []llmtest.Reply{
			{ToolCalls: []llmtest.ToolCall{{Name: "memory_insert", Arguments: `{"label":"human","new_str":"x","insert_line":-1}`}}},
			{Error: &llmtest.HTTPError{Status: 500}}, {Error: &llmtest.HTTPError{Status: 500}},
		}},
	}
	for _, tc := range tests {
		for _, stream := range []bool{false, true} {
			name := tc.name + map[bool]string{false: " sync", true: " stream"}[stream]
			t.Run(name, func(t *testing.T) {
				fake.Reset()
				fake.Enqueue(tc.replies...)
				stop := faultyTurn(t, srv.URL, agentID, stream)
				if stop == "end_turn" || stop == "" {
					t.Errorf("stop reason %q, want an error stop reason", stop)
				}
				fake.Reset() // echo answers from here on
				r := send(t, srv.URL, agentID, "still there?")
				if r.status != http.StatusOK || stopReason(t, r) != "end_turn" {
					t.Fatalf("next turn: %d %s", r.status, r.body)
				}
				checkPaired(t, agentID, messages(t, srv.URL, agentID))
			})
		}
	}
}

// faultyTurn sends one message and returns the turn's stop reason: from
// the LettaResponse, the stream's stop_reason event, or, for a sync turn
// answered with an error status, "http_<status>" after checking the body
// is a JSON error.
func faultyTurn(t *testing.T, base, agentID string, stream bool) string {
	t.Helper()
	body := map[string]any{"messages": []any{map[string]any{"role": "user", "content": "hello"}}}
	if !stream {
		r := send(t, base, agentID, "hello")
		if r.status == http.StatusOK {
			return stopReason(t, r)
		}
		if r.status < 400 || !isJSONError(r) {
			t.Fatalf("sync fault: %d %s", r.status, r.body)
		}
		return "http_" + http.StatusText(r.status)
	}
	body["stream_tokens"] = true
	b, _ := json.Marshal(body)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Post(base+"/v1/agents/"+agentID+"/messages/stream", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// A failure before the first event is answered as the sync route
		// would: an error status with a JSON body naming the provider error.
		out, _ := io.ReadAll(resp.Body)
		if r := (result{status: resp.StatusCode, body: out}); resp.StatusCode < 400 || !isJSONError(r) {
			t.Fatalf("stream status %d: %s", resp.StatusCode, out)
		}
		return "http_" + http.StatusText(resp.StatusCode)
	}
	stop, done := "", false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var ev struct {
			MessageType string `json:"message_type"`
			StopReason  string `json:"stop_reason"`
		}
		if json.Unmarshal([]byte(data), &ev) == nil && ev.MessageType == "stop_reason" {
			stop = ev.StopReason
		}
	}
	if !done {
		t.Errorf("stream did not end with [DONE]")
	}
	return stop
}
