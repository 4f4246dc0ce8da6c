package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// instance is one in-process server that a test stops itself.
type instance struct {
	base string
	stop func() error // sends the shutdown signal and waits for serve to return
}

// launch runs serve in-process on 127.0.0.1:0 against the fake LLM, with
// env on top of the test defaults and args as its flags. The instance is
// stopped at cleanup if the test did not stop it.
func launch(t *testing.T, fake *llmtest.Server, env map[string]string, args ...string) *instance {
	t.Helper()
	full := map[string]string{
		"HOME":            t.TempDir(),
		"LETTA_DATA_DIR":  filepath.Join(t.TempDir(), "data"),
		"PORT":            "0",
		"OPENAI_API_KEY":  "sk-test",
		"OPENAI_BASE_URL": fake.URL(),
	}
	maps.Copy(full, env)
	cfg, err := LoadConfig(args, envOf(full), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	go func() { done <- serve(ctx, cfg, logger, func(addr string) { addrc <- addr }) }()
	in := &instance{}
	select {
	case addr := <-addrc:
		in.base = "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("serve returned before listening: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server did not start within 30s")
	}
	stopped := false
	var result error
	in.stop = func() error {
		if stopped {
			return result
		}
		stopped = true
		cancel()
		select {
		case result = <-done:
		case <-time.After(cfg.ShutdownTimeout + cancelGrace + 10*time.Second):
			t.Fatal("server did not shut down in time")
		}
		return result
	}
	t.Cleanup(func() {
		if err := in.stop(); err != nil {
			t.Errorf("serve after shutdown: %v", err)
		}
	})
	return in
}

// call sends a JSON request and decodes a JSON answer into out (if not nil).
func call(t *testing.T, method, url, token string, body any, out any) int {
	t.Helper()
	res := send(t, method, url, token, body)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, raw, err)
		}
	}
	if res.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", method, url, res.StatusCode, raw)
	}
	return res.StatusCode
}

func send(t *testing.T, method, url, token string, body any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return res
}

// newAgent creates an agent and returns its id.
func newAgent(t *testing.T, base, token string) string {
	t.Helper()
	var a struct {
		ID string `json:"id"`
	}
	if st := call(t, http.MethodPost, base+"/v1/agents/", token, map[string]any{
		"name": "operate-test", "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-3-small",
		"memory_blocks": []map[string]string{{"label": "human", "value": "name: Caren"}},
	}, &a); st != http.StatusOK {
		t.Fatalf("create agent: %d", st)
	}
	return a.ID
}

// sseEvent is one data payload of a stream: a JSON object, or "[DONE]".
type sseEvent struct {
	raw  string
	kind string // message_type, or "[DONE]"
	body map[string]any
}

// readSSE reads a stream's data events, calling onEvent as each arrives,
// until the body ends.
func readSSE(t *testing.T, body io.Reader, onEvent func(sseEvent)) []sseEvent {
	t.Helper()
	var events []sseEvent
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		ev := sseEvent{raw: data, kind: data}
		if data != "[DONE]" {
			if err := json.Unmarshal([]byte(data), &ev.body); err != nil {
				t.Errorf("stream event %q is not JSON: %v", data, err)
			}
			ev.kind, _ = ev.body["message_type"].(string)
		}
		events = append(events, ev)
		if onEvent != nil {
			onEvent(ev)
		}
	}
	return events
}

// kinds lists the message types of events, in order.
func kinds(events []sseEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.kind
		if e.kind == "stop_reason" {
			out[i] += ":" + e.body["stop_reason"].(string)
		}
	}
	return out
}
