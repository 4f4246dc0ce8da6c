package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Turn tags mark each benchmark message so the fake model can charge its
// own time to the turn that caused it: "[bench <key> tool=<0|1>]".
const tagPrefix = "[bench "

// benchTool is the tool the fake calls on tool turns: a core memory edit,
// which reads and writes a block inside the step's transaction.
const benchTool = "memory_replace"

// fakeModel is an OpenAI-compatible chat completions endpoint that answers
// at once. On a turn tagged tool=1 its first answer is a memory_replace
// call; every other answer is plain assistant text, which ends a
// letta_v1_agent turn. It adds the time spent in its handler to the turn's
// account so the driver can subtract it from the measured latency.
type fakeModel struct {
	srv   *http.Server
	url   string
	calls atomic.Int64

	mu      sync.Mutex
	modelNs map[string]int64 // turn key → model time
}

// startFakeModel listens on 127.0.0.1 and serves until close.
func startFakeModel() (*fakeModel, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for fake model: %w", err)
	}
	f := &fakeModel{url: "http://" + ln.Addr().String() + "/v1", modelNs: map[string]int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", f.chat)
	mux.HandleFunc("GET /v1/models", f.models)
	mux.HandleFunc("POST /v1/embeddings", f.embeddings)
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

func (f *fakeModel) close() { _ = f.srv.Close() }

// take returns and forgets the model time charged to key.
func (f *fakeModel) take(key string) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	ns := f.modelNs[key]
	delete(f.modelNs, key)
	return time.Duration(ns)
}

func (f *fakeModel) charge(key string, d time.Duration) {
	if key == "" {
		return
	}
	f.mu.Lock()
	f.modelNs[key] += int64(d)
	f.mu.Unlock()
}

// chatRequest is the part of an OpenAI chat request the fake reads.
type chatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

func (f *fakeModel) chat(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	f.calls.Add(1)
	var req chatRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad json","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	if req.Stream {
		http.Error(w, `{"error":{"message":"the bench model does not stream","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	key, wantTool, lastRole, system := "", false, "", []byte(nil)
	for _, m := range req.Messages {
		lastRole = m.Role
		switch m.Role {
		case "system":
			system = m.Content
		case "user":
			if k, tool, ok := parseTag(m.Content); ok {
				key, wantTool = k, tool
			}
		}
	}
	msg := map[string]any{"role": "assistant", "content": "Noted."}
	finish := "stop"
	if wantTool && lastRole == "user" {
		from, to := "Bench", "Bank"
		if !bytes.Contains(system, []byte("name is Bench")) {
			from, to = to, from
		}
		args, _ := json.Marshal(map[string]string{"label": "human", "old_str": "name is " + from, "new_str": "name is " + to})
		msg = map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
			"id": fmt.Sprintf("call_%d", f.calls.Load()), "type": "function",
			"function": map[string]any{"name": benchTool, "arguments": string(args)},
		}}}
		finish = "tool_calls"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-bench", "object": "chat.completion", "created": start.Unix(), "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   map[string]int{"prompt_tokens": 1000, "completion_tokens": 10, "total_tokens": 1010},
	})
	f.charge(key, time.Since(start))
}

// parseTag finds the turn tag in a message's raw JSON content.
func parseTag(content []byte) (key string, tool, ok bool) {
	i := bytes.Index(content, []byte(tagPrefix))
	if i < 0 {
		return "", false, false
	}
	rest := content[i+len(tagPrefix):]
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return "", false, false
	}
	tag := rest[:end]
	sp := bytes.LastIndexByte(tag, ' ')
	if sp < 0 {
		return "", false, false
	}
	return string(tag[:sp]), bytes.Equal(tag[sp+1:], []byte("tool=1")), true
}

func (f *fakeModel) models(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": []any{
		map[string]any{"id": "gpt-4o-mini", "object": "model", "created": 1700000000, "owned_by": "system"},
		map[string]any{"id": "text-embedding-3-small", "object": "model", "created": 1700000000, "owned_by": "system"},
	}})
}

// embeddings answers with a fixed small vector per input.
func (f *fakeModel) embeddings(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Input json.RawMessage `json:"input"`
	}
	_ = json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&req)
	var inputs []string
	if json.Unmarshal(req.Input, &inputs) != nil {
		inputs = []string{""}
	}
	data := make([]any, len(inputs))
	for i := range inputs {
		vec := make([]float32, 1536)
		vec[i%1536] = 1
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": vec}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": "text-embedding-3-small",
		"usage": map[string]int{"prompt_tokens": 1, "total_tokens": 1}})
}
