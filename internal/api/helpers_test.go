package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// env is one test's server: the real handler over a real SQLite store, an
// engine whose OpenAI provider talks to the fake LLM over HTTP.
type env struct {
	t      *testing.T
	url    string
	store  store.Store
	llm    *llmtest.Server
	client *http.Client
}

// setup starts a server; opts may change the api.Config (e.g. a password).
func setup(t *testing.T, opts ...func(*api.Config)) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "letta.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	fake := llmtest.NewServer(t)
	models := llm.NewRegistry(openai.New(openai.Config{APIKey: "test-key", BaseURL: fake.URL(), MaxRetries: -1}))
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := api.Config{
		Engine:  agent.New(agent.Config{Store: st, Models: models, Logger: logger}),
		Store:   st,
		Models:  models,
		Version: "test-version",
		Logger:  logger,
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv := httptest.NewServer(api.New(cfg))
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is a failure here
	}}
	return &env{t: t, url: srv.URL, store: st, llm: fake, client: client}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// response is one answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; body is JSON-encoded unless it is a string (sent raw).
// headers are name, value pairs.
func (e *env) do(method, path string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.url+path, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// ok sends a request, expects 200 with a JSON body and decodes it into out.
func (e *env) ok(method, path string, body, out any, headers ...string) {
	e.t.Helper()
	r := e.do(method, path, body, headers...)
	r.expect(e.t, http.StatusOK)
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, r.body, err)
		}
	}
}

// expect checks the status and that the body is JSON with the right type.
func (r response) expect(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	if !json.Valid(r.body) {
		t.Fatalf("body is not JSON: %s", r.body)
	}
}

// detail returns the body's "detail" as a string (JSON text if it is not one).
func (r response) detail(t *testing.T) string {
	t.Helper()
	var body struct {
		Detail json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Detail == nil {
		t.Fatalf("no detail in %s", r.body)
	}
	var s string
	if json.Unmarshal(body.Detail, &s) == nil {
		return s
	}
	return string(body.Detail)
}

// newAgent stores an agent directly (no engine), with the given blocks attached.
func (e *env) newAgent(name string, tags []string, blockIDs ...string) *letta.Agent {
	e.t.Helper()
	now := letta.Now()
	a, err := e.store.CreateAgent(e.t.Context(), store.CreateAgentParams{
		Agent: letta.Agent{
			ID:        letta.NewID(letta.PrefixAgent),
			Name:      name,
			AgentType: letta.AgentTypeLettaV1,
			System:    "You are a test agent.",
			LLMConfig: letta.LLMConfig{Model: "gpt-4o-mini", ModelEndpointType: "openai", ContextWindow: 128000, Handle: letta.Ptr("openai/gpt-4o-mini")},
			CreatedAt: now,
			UpdatedAt: now,
		},
		BlockIDs: blockIDs,
		Tags:     tags,
	})
	if err != nil {
		e.t.Fatalf("create agent: %v", err)
	}
	return a
}

// newBlock creates a block through the API.
func (e *env) newBlock(label, value string, limit int) letta.Block {
	e.t.Helper()
	body := map[string]any{"label": label, "value": value}
	if limit > 0 {
		body["limit"] = limit
	}
	var b letta.Block
	e.ok("POST", "/v1/blocks/", body, &b)
	return b
}

// ids returns the "id" of every element of a JSON array.
func ids(t *testing.T, raw []byte) []string {
	t.Helper()
	var items []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		t.Fatalf("decode list %s: %v", raw, err)
	}
	out := []string{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

// call is one request for sendAtOnce.
type call struct{ method, url, body string }

// sendAtOnce sends the calls all at the same time and returns the
// responses in their order (status 0 and the error text as body when a
// request got no answer).
func sendAtOnce(t *testing.T, calls []call) []response {
	t.Helper()
	out := make([]response, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(t.Context(), c.method, c.url, strings.NewReader(c.body))
			if err != nil {
				out[i].body = []byte(err.Error())
				return
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				out[i].body = []byte(err.Error())
				return
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				raw = []byte(err.Error())
			}
			out[i] = response{status: resp.StatusCode, header: resp.Header, body: raw}
		})
	}
	wg.Wait()
	return out
}
