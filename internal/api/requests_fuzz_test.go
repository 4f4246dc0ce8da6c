package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// fuzzServer is one server shared by every input of a fuzz target: a real
// SQLite store, the fake model, one agent and one block to address.
type fuzzServer struct {
	url     string
	llm     *llmtest.Server
	agentID string
	blockID string
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	st, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "letta.db"), sqlite.Options{Migrate: true})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	fake := llmtest.NewServer(tb)
	models := llm.NewRegistry(openai.New(openai.Config{APIKey: "k", BaseURL: fake.URL(), MaxRetries: -1}))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(api.New(api.Config{
		Engine: agent.New(agent.Config{Store: st, Models: models, Logger: logger}),
		Store:  st, Models: models, Logger: logger,
	}))
	tb.Cleanup(srv.Close)
	fs := &fuzzServer{url: srv.URL, llm: fake}
	var a, b struct {
		ID string `json:"id"`
	}
	fs.mustJSON(tb, "POST", "/v1/agents", `{"model":"openai/gpt-4o-mini","embedding":"openai/text-embedding-3-small","memory_blocks":[{"label":"human","value":"name: Ada"}]}`, &a)
	fs.mustJSON(tb, "POST", "/v1/blocks", `{"label":"notes","value":"x"}`, &b)
	fs.agentID, fs.blockID = a.ID, b.ID
	return fs
}

func (fs *fuzzServer) do(tb testing.TB, method, path, contentType string, body []byte) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, fs.url+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func (fs *fuzzServer) mustJSON(tb testing.TB, method, path, body string, out any) {
	tb.Helper()
	status, b := fs.do(tb, method, path, "application/json", []byte(body))
	if status/100 != 2 {
		tb.Fatalf("%s %s = %d: %s", method, path, status, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
}

// bodyRoutes are the routes that take a JSON request body; {agent} and
// {block} are the fuzz server's agent and block.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/v1/agents"},
	{"PATCH", "/v1/agents/{agent}"},
	{"POST", "/v1/agents/search"},
	{"POST", "/v1/blocks"},
	{"PATCH", "/v1/blocks/{block}"},
	{"PATCH", "/v1/agents/{agent}/core-memory/blocks/human"},
	{"POST", "/v1/agents/{agent}/messages"},
	{"POST", "/v1/agents/{agent}/messages/stream"},
	{"POST", "/v1/agents/{agent}/messages/async"},
	{"POST", "/v1/agents/{agent}/archival-memory"},
	{"POST", "/v1/passages/search"},
	{"POST", "/v1/identities"},
	{"PUT", "/v1/identities"},
	{"POST", "/v1/agents/{agent}/export"},
}

// FuzzRequestBodies sends arbitrary bodies to every JSON route: the answer
// is never a 5xx (a panic is a 500) and always JSON.
func FuzzRequestBodies(f *testing.F) {
	seeds := []string{
		``, `null`, `{}`, `[]`, `"x"`, `1e999`, `{"name":null}`, `{"name":"\u0000"}`,
		`{"model":"openai/gpt-4o-mini","memory_blocks":[{"label":"a","value":"b","limit":-1}]}`,
		`{"name":"a","tags":[1,2],"tool_rules":[{"type":"bogus"}]}`,
		`{"label":"","value":null,"limit":1e10}`,
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image"}]}]}`,
		`{"messages":[{"role":"tool","content":"x"}],"max_steps":-5}`,
		`{"messages":[{"type":"approval","approvals":[{"approve":true}]}]}`,
		`{"input":{"nested":[[[[]]]]}}`,
		`{"text":"` + strings.Repeat("a", 3000) + `"}`,
		`{"identifier_key":"k","name":"n","identity_type":"user","properties":[{"key":"a","value":1,"type":"bogus"}]}`,
		`{"query":"x","limit":"ten"}`,
		`{` + strings.Repeat(`"a":{`, 200) + strings.Repeat(`}`, 200) + `}`,
	}
	for i := range bodyRoutes {
		for _, s := range seeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		path := strings.NewReplacer("{agent}", fs.agentID, "{block}", fs.blockID).Replace(r.path)
		status, out := fs.do(t, r.method, path, "application/json", body)
		if status >= 500 {
			t.Fatalf("%s %s with %q = %d: %s", r.method, r.path, body, status, out)
		}
		if status/100 != 2 && !json.Valid(out) {
			t.Fatalf("%s %s with %q = %d, body not JSON: %s", r.method, r.path, body, status, out)
		}
	})
}

// FuzzToolCallArguments has the model call each built-in tool with
// arbitrary argument text: the turn ends with a stop reason, never a 5xx,
// and the agent answers its next message.
func FuzzToolCallArguments(f *testing.F) {
	tools := []string{"memory_replace", "memory_insert", "conversation_search", "archival_memory_insert", "archival_memory_search", "no_such_tool"}
	for i := range tools {
		for _, s := range []string{``, `{}`, `null`, `[]`, `{"label":"human","old_str":"Ada","new_str":"Bo"}`,
			`{"label":"human","insert_line":-9,"new_str":"x"}`, `{"query":"a","limit":1e300,"start_date":"not a date"}`,
			`{"content":"` + strings.Repeat("z", 500) + `","tags":[null,{}]}`, `{"label":["human"]}`, `{"request_heartbeat":"maybe"}`, `{"a":` + "\x00" + `}`} {
			f.Add(uint8(i), s)
		}
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, tool uint8, args string) {
		fs.llm.Reset()
		fs.llm.Enqueue(
			llmtest.Reply{ToolCalls: []llmtest.ToolCall{{Name: tools[int(tool)%len(tools)], Arguments: args}}},
			llmtest.Reply{Content: "done"},
		)
		path := "/v1/agents/" + fs.agentID + "/messages"
		status, out := fs.do(t, "POST", path, "application/json", []byte(`{"messages":[{"role":"user","content":"go"}]}`))
		if status != http.StatusOK {
			t.Fatalf("turn with %s(%q) = %d: %s", tools[int(tool)%len(tools)], args, status, out)
		}
		var resp struct {
			StopReason struct {
				StopReason string `json:"stop_reason"`
			} `json:"stop_reason"`
		}
		if err := json.Unmarshal(out, &resp); err != nil || resp.StopReason.StopReason == "" {
			t.Fatalf("turn with %q: no stop reason in %s", args, out)
		}
		fs.llm.Reset()
		if status, out := fs.do(t, "POST", path, "application/json", []byte(`{"messages":[{"role":"user","content":"still there?"}]}`)); status != http.StatusOK {
			t.Fatalf("next turn after %q = %d: %s", args, status, out)
		}
	})
}

// FuzzAgentFileImport uploads arbitrary agent files: a 4xx or a 2xx, never
// a 5xx.
func FuzzAgentFileImport(f *testing.F) {
	for _, s := range []string{``, `{}`, `[]`, `"{}"`, `{"agents":[]}`, `{"agents":[{"id":"agent-0","name":"a"}]}`,
		`{"agents":[{"id":"agent-0","message_ids":["message-9"],"in_context_message_ids":["m"]}],"blocks":[{"id":"b"}],"tools":[null]}`,
		`{"name":"legacy","messages":[{"role":"user","text":"hi"}],"in_context_message_indices":[5]}`} {
		f.Add([]byte(s))
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, file []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		part, _ := mw.CreateFormFile("file", "agent.af")
		_, _ = part.Write(file)
		_ = mw.Close()
		status, out := fs.do(t, "POST", "/v1/agents/import", mw.FormDataContentType(), buf.Bytes())
		if status >= 500 {
			t.Fatalf("import of %q = %d: %s", file, status, out)
		}
	})
}
