package providertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/anthropic"
	"github.com/letta-server/letta-server/internal/llm/ollama"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/llm/vertex"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// reply is one scripted answer of a fake provider.
type reply struct {
	contentType string
	body        []byte
}

// fakeProvider answers each call with the next scripted reply and records
// the request bodies.
type fakeProvider struct {
	srv    *httptest.Server
	mu     sync.Mutex
	script []reply
	bodies [][]byte
}

func newFakeProvider(t *testing.T, script ...reply) *fakeProvider {
	t.Helper()
	f := &fakeProvider{script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, body)
		n := len(f.bodies)
		f.mu.Unlock()
		if n > len(f.script) {
			http.Error(w, `{"error":{"message":"unexpected call"}}`, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", f.script[n-1].contentType)
		_, _ = w.Write(f.script[n-1].body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeProvider) requests() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.bodies...)
}

// recorded reads a fixture from a provider package's testdata and applies
// replacements (old, new pairs) that turn the recorded tool into one the
// agent has.
func recorded(t *testing.T, path string, replacements ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	for i := 0; i+1 < len(replacements); i += 2 {
		if !bytes.Contains(b, []byte(replacements[i])) {
			t.Fatalf("fixture %s has no %q", path, replacements[i])
		}
		b = bytes.ReplaceAll(b, []byte(replacements[i]), []byte(replacements[i+1]))
	}
	return b
}

func jsonReply(b []byte) reply { return reply{"application/json", b} }

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// engine is an agent engine on a fresh SQLite file using provider.
func engine(t *testing.T, provider llm.Provider) *agent.Engine {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "letta.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return agent.New(agent.Config{Store: st, Models: llm.NewRegistry(provider), Logger: logger})
}

var fast = llm.RetryPolicy{MaxRetries: -1, Timeout: 10 * time.Second}

func TestAgentLoopThroughEachProvider(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		handle   string
		provider func(t *testing.T, url string) llm.Provider
		script   func(t *testing.T) []reply
		callID   string // the recorded tool call id, echoed in the second request
		wantText string
	}{
		{
			name: "xai", handle: "xai/grok-3-mini",
			provider: func(t *testing.T, url string) llm.Provider {
				return openai.New(openai.Config{Name: "xai", APIKey: "xai-test", BaseURL: url + "/v1", MaxRetries: -1})
			},
			script: func(t *testing.T) []reply {
				return []reply{
					jsonReply(recorded(t, "openai/testdata/xai/chat-tool-call.response.json", `"name": "weather"`, `"name": "conversation_search"`, `{\"location\":\"San Francisco\"}`, `{\"query\":\"San Francisco\"}`)),
					jsonReply(recorded(t, "openai/testdata/xai/chat-text-reasoning.response.json")),
				}
			},
			callID: "call_93562515",
		},
		{
			name: "ollama", handle: "ollama/qwen2.5:32b",
			provider: func(t *testing.T, url string) llm.Provider {
				return ollama.New(ollama.Config{BaseURL: url, Retry: fast})
			},
			script: func(t *testing.T) []reply {
				return []reply{
					jsonReply(recorded(t, "openai/testdata/ollama/v1-chat-tool-call.response.json", `"final_result"`, `"conversation_search"`, `{\"response\":\"B\"}`, `{\"query\":\"B\"}`)),
					jsonReply(recorded(t, "openai/testdata/ollama/v1-chat-text-reasoning.response.json")),
				}
			},
			callID: "call_rbjmhwdl", wantText: "Paris.",
		},
		{
			name: "vllm", handle: "vllm/Qwen/Qwen3-0.6B",
			provider: func(t *testing.T, url string) llm.Provider {
				return openai.New(openai.Config{Name: "vllm", BaseURL: url + "/v1", MaxRetries: -1})
			},
			script: func(t *testing.T) []reply {
				return []reply{
					jsonReply(recorded(t, "openai/testdata/vllm/v1-chat-tool-call.response.json", `"get_weather"`, `"conversation_search"`, `{\"location\": \"Seoul\"}`, `{\"query\": \"Seoul\"}`)),
					jsonReply(recorded(t, "openai/testdata/vllm/v1-chat-text.response.json")),
				}
			},
			callID: "chatcmpl-tool-0e7aedb0c1e543d592c2ba92cb77d4d5",
		},
		{
			name: "anthropic", handle: "anthropic/claude-3-opus-20240229",
			provider: func(t *testing.T, url string) llm.Provider {
				return anthropic.New(anthropic.Config{APIKey: "sk-ant-test", BaseURL: url, Retry: fast})
			},
			script: func(t *testing.T) []reply {
				return []reply{
					jsonReply(recorded(t, "anthropic/testdata/messages-tool-use.response.json", `"get_weather"`, `"conversation_search"`, `"location"`, `"query"`)),
					jsonReply(recorded(t, "anthropic/testdata/messages-text.response.json")),
				}
			},
			callID: "toolu_01DYJo37oETVsCdLTTcCWcdq",
		},
		{
			name: "google_vertex", handle: "google_vertex/gemini-3-flash-preview",
			provider: func(t *testing.T, url string) llm.Provider {
				p, err := vertex.New(context.Background(), vertex.Config{Project: "p", Location: "us-central1", BaseURL: url + "/", HTTPClient: &http.Client{}, Retry: fast})
				if err != nil {
					t.Fatal(err)
				}
				return p
			},
			script: func(t *testing.T) []reply {
				return []reply{
					jsonReply(recorded(t, "vertex/testdata/generate-content-function-call.response.json", `"get_user_city"`, `"conversation_search"`, `"args": {}`, `"args": {"query": "city"}`)),
					jsonReply(recorded(t, "vertex/testdata/generate-content-text.response.json")),
				}
			},
			callID: "vcyiitct",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := newFakeProvider(t, tt.script(t)...)
			e := engine(t, tt.provider(t, fake.srv.URL))
			a, err := e.CreateAgent(context.Background(), agent.CreateAgentParams{
				AgentType: letta.AgentTypeLettaV1,
				Model:     letta.Ptr(tt.handle),
				MemoryBlocks: []agent.CreateBlockParams{
					{Label: "persona", Value: "I am a test agent."},
					{Label: "human", Value: "The user is Ann."},
				},
			})
			if err != nil {
				t.Fatalf("CreateAgent: %v", err)
			}
			// A lone surrogate (as Python's surrogateescape leaves it) and an
			// invalid byte: both must reach the provider repaired.
			text := "What is the weather? \xed\xa0\xbd \xff"
			resp, err := e.Send(context.Background(), a.ID, agent.SendParams{
				Messages:            []agent.MessageInput{{Role: letta.RoleUser, Content: []letta.Content{{Type: letta.ContentText, Text: text}}}},
				UseAssistantMessage: true,
			}, nil)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			var types []string
			var toolReturn, assistant string
			for _, m := range resp.Messages {
				types = append(types, m.MessageType)
				switch m.MessageType {
				case "tool_return_message":
					toolReturn = m.ToolReturn
				case "assistant_message":
					assistant, _ = m.Content.(string)
				}
			}
			joined := strings.Join(types, ",")
			if !strings.Contains(joined, "tool_call_message,tool_return_message") || !strings.HasSuffix(joined, "assistant_message") {
				t.Errorf("messages %s, want a tool call, its return, then an assistant message", joined)
			}
			if toolReturn == "" || assistant == "" || (tt.wantText != "" && assistant != tt.wantText) {
				t.Errorf("tool return %q, assistant %q (want %q)", toolReturn, assistant, tt.wantText)
			}
			if resp.StopReason.StopReason != letta.StopEndTurn {
				t.Errorf("stop reason %q, want end_turn", resp.StopReason.StopReason)
			}
			if resp.Usage.TotalTokens == 0 || resp.Usage.StepCount != 2 {
				t.Errorf("usage %+v, want tokens over 2 steps", resp.Usage)
			}
			reqs := fake.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d provider calls, want 2", len(reqs))
			}
			for i, body := range reqs {
				if !utf8.Valid(body) || !json.Valid(body) || bytes.Contains(body, []byte(`\ud83d`)) {
					t.Errorf("request %d is not clean JSON text", i)
				}
				if !bytes.Contains(body, []byte("What is the weather? \uFFFD \uFFFD")) && !bytes.Contains(body, []byte(`What is the weather? \ufffd \ufffd`)) {
					t.Errorf("request %d does not carry the repaired user text: %s", i, body)
				}
			}
			if !bytes.Contains(reqs[1], []byte(tt.callID)) {
				t.Errorf("second request does not answer call %s: %s", tt.callID, reqs[1])
			}
		})
	}
}
