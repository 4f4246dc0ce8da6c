// Package llmtest is a fake LLM: a real HTTP server speaking the OpenAI wire
// protocol (chat completions as JSON or SSE, embeddings, model list), scripted
// per test.
//
// Tests enqueue Replies; each chat request takes the next one. When the queue
// is empty the fake answers by echoing the last user message: with a
// send_message call when the request offers that tool, otherwise with text.
// Every request is recorded for assertions. Non-Go tests drive the same
// server through control endpoints (POST /_script, GET /_requests,
// POST /_reset); see Reply for the JSON shape. cmd/fakellm runs it standalone.
package llmtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is the fake. It is safe for concurrent use.
type Server struct {
	http     *http.Server
	listener net.Listener
	url      string

	mu         sync.Mutex
	queue      []Reply
	requests   []Request
	embeddings []EmbeddingRequest
	seq        int
}

// New starts a fake listening on addr (e.g. "127.0.0.1:0"). Close stops it.
func New(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Server{listener: ln, url: "http://" + ln.Addr().String() + "/v1"}
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

// NewServer starts a fake on 127.0.0.1 for one test and stops it at cleanup.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s, err := New("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start fake llm: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// URL is the base URL to use as OPENAI_BASE_URL; it ends in /v1.
func (s *Server) URL() string { return s.url }

// Close stops the server and drops open connections.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		_ = s.http.Close()
	}
}

// Enqueue appends scripted replies; chat requests take them in order.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
}

// Pending is the number of scripted replies not yet used.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Requests returns every chat request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// LastRequest returns the most recent chat request, or false if none came.
func (s *Server) LastRequest() (Request, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return Request{}, false
	}
	return s.requests[len(s.requests)-1], true
}

// EmbeddingRequests returns every embeddings request received so far.
func (s *Server) EmbeddingRequests() []EmbeddingRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]EmbeddingRequest(nil), s.embeddings...)
}

// Reset forgets the queue and the recorded requests.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue, s.requests, s.embeddings = nil, nil, nil
}

func (s *Server) next() (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return Reply{}, false
	}
	r := s.queue[0]
	s.queue = s.queue[1:]
	return r, true
}

func (s *Server) nextID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, prefix := range []string{"/v1", ""} {
		mux.HandleFunc("POST "+prefix+"/chat/completions", s.handleChat)
		mux.HandleFunc("POST "+prefix+"/embeddings", s.handleEmbeddings)
		mux.HandleFunc("GET "+prefix+"/models", s.handleModels)
	}
	mux.HandleFunc("POST /_script", s.handleScript)
	mux.HandleFunc("GET /_requests", s.handleRequests)
	mux.HandleFunc("POST /_reset", func(w http.ResponseWriter, _ *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// handleScript appends a JSON array of replies (or one reply) to the queue.
func (s *Server) handleScript(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	var replies []Reply
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "{") {
		var one Reply
		err = json.Unmarshal(body, &one)
		replies = []Reply{one}
	} else {
		err = json.Unmarshal(body, &replies)
	}
	if err != nil {
		http.Error(w, "decode replies: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.Enqueue(replies...)
	writeJSON(w, http.StatusOK, map[string]int{"queued": len(replies), "pending": s.Pending()})
}

func (s *Server) handleRequests(w http.ResponseWriter, _ *http.Request) {
	reqs := s.Requests()
	out := make([]map[string]any, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, map[string]any{"path": r.Path, "body": r.Raw})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleModels(w http.ResponseWriter, _ *http.Request) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	names := []string{"gpt-4o-mini", "gpt-4o", "gpt-4.1", "text-embedding-ada-002", "text-embedding-3-small"}
	data := make([]model, 0, len(names))
	for _, n := range names {
		data = append(data, model{ID: n, Object: "model", Created: 1700000000, OwnedBy: "system"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hijackClose drops the connection without finishing the HTTP answer.
func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // aborts the connection as well
	}
	_ = conn.Close()
}
