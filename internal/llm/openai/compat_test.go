package openai

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/llm"
)

// sse frames chunk payloads (one JSON object per line, as the fixture
// files hold them) the way OpenAI-compatible servers send them, appends
// extra payloads, and ends with data: [DONE].
func sse(t *testing.T, chunks []byte, extra ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(chunks))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			b.WriteString("data: " + line + "\n\n")
		}
	}
	for _, e := range extra {
		b.WriteString("data: " + e + "\n\n")
	}
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

// localProvider serves body for every chat call from a fake of a local
// OpenAI-compatible server (Ollama's /v1 or vLLM) and returns the client.
func localProvider(t *testing.T, name string, status int, contentType string, body []byte) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return New(Config{Name: name, BaseURL: srv.URL + "/v1", MaxRetries: -1}).APIClient()
}

func TestLocalServerFixtures(t *testing.T) {
	t.Parallel()
	usageAfterFinish := `{"id":"chatcmpl-18","object":"chat.completion.chunk","created":1744446075,"model":"qwen2.5-coder:7b-instruct-q8_0","system_fingerprint":"fp_ollama","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150}}`
	tests := []struct {
		name     string
		provider string
		stream   bool
		body     func(t *testing.T) []byte
		want     llm.ChatResponse
	}{
		{
			name: "ollama reasoning in message.reasoning", provider: "ollama",
			body: func(t *testing.T) []byte { return fixture(t, "ollama/v1-chat-text-reasoning.response.json") },
			want: llm.ChatResponse{
				Content:      "Paris.",
				Reasoning:    "We need to answer question: \"What is the capital of France?\" The answer: Paris. The user didn't request the output to be in a specific format, but the system instructions specify that the tool should be used only if user requests. The user didn't request a tool. So we can produce a direct answer. The instruction: \"When I need to: use tool, say I need it with a brief statement\" - that's for tool usage. We don't need the tool. Just give the answer. Ensure no extra marks. Just plain text.",
				FinishReason: llm.FinishStop, Model: "gpt-oss:20b",
				Usage: llm.Usage{PromptTokens: 134, CompletionTokens: 122, TotalTokens: 256},
			},
		},
		{
			name: "ollama tool call with index outside streaming", provider: "ollama",
			body: func(t *testing.T) []byte { return fixture(t, "ollama/v1-chat-tool-call.response.json") },
			want: llm.ChatResponse{
				ToolCalls:    []llm.ToolCall{{ID: "call_rbjmhwdl", Name: "final_result", Arguments: `{"response":"B"}`}},
				FinishReason: llm.FinishToolCalls, Model: "qwen2.5:32b",
				Usage: llm.Usage{PromptTokens: 584, CompletionTokens: 20, TotalTokens: 604},
			},
		},
		{
			// The capture has no usage (include_usage was off); the usage
			// chunk added after the finish chunk is OpenAI's documented shape.
			name: "ollama whole tool calls per chunk, usage after finish", provider: "ollama", stream: true,
			body: func(t *testing.T) []byte {
				return sse(t, fixture(t, "ollama/v1-chat-stream-parallel-tool-calls.chunks.jsonl"), usageAfterFinish)
			},
			want: llm.ChatResponse{
				ToolCalls: []llm.ToolCall{
					{ID: "call_wteop8bt", Name: "run_command", Arguments: `{"command":"ls"}`},
					{ID: "call_rk2xye1l", Name: "run_command", Arguments: `{"command":"ls -l"}`},
				},
				FinishReason: llm.FinishToolCalls, Model: "qwen2.5-coder:7b-instruct-q8_0",
				Usage: llm.Usage{PromptTokens: 120, CompletionTokens: 30, TotalTokens: 150},
			},
		},
		{
			name: "ollama streamed delta.reasoning", provider: "ollama", stream: true,
			body: func(t *testing.T) []byte {
				return sse(t, nil,
					`{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1,"model":"gpt-oss:20b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Think "},"finish_reason":null}]}`,
					`{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1,"model":"gpt-oss:20b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"first."},"finish_reason":null}]}`,
					`{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1,"model":"gpt-oss:20b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"Paris."},"finish_reason":null}]}`,
					// usage in the same chunk as finish_reason
					`{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1,"model":"gpt-oss:20b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`,
				)
			},
			want: llm.ChatResponse{
				Content: "Paris.", Reasoning: "Think first.", FinishReason: llm.FinishStop, Model: "gpt-oss:20b",
				Usage: llm.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15},
			},
		},
		{
			name: "vllm first tool delta without arguments", provider: "vllm", stream: true,
			body: func(t *testing.T) []byte { return sse(t, fixture(t, "vllm/v1-chat-stream-tool-call.chunks.jsonl")) },
			want: llm.ChatResponse{
				ToolCalls:    []llm.ToolCall{{ID: "chatcmpl-tool-ca99dda515524c6abe47d1ea22813507", Name: "run_command", Arguments: `{"command": "ls"}`}},
				FinishReason: llm.FinishToolCalls,
			},
		},
		{
			name: "vllm text with finish delta content empty", provider: "vllm", stream: true,
			body: func(t *testing.T) []byte { return sse(t, fixture(t, "vllm/v1-chat-stream-text.chunks.jsonl")) },
			want: llm.ChatResponse{Content: "<think>\n!", FinishReason: llm.FinishStop, Model: "Qwen/Qwen3-0.6B"},
		},
		{
			name: "vllm empty reply", provider: "vllm", stream: true,
			body: func(t *testing.T) []byte {
				return sse(t, nil,
					`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
					`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}`)
			},
			want: llm.ChatResponse{FinishReason: llm.FinishStop, Model: "m"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ct := "application/json"
			if tt.stream {
				ct = "text/event-stream"
			}
			c := localProvider(t, tt.provider, 200, ct, tt.body(t))
			var got *llm.ChatResponse
			var err error
			if tt.stream {
				got, err = c.ChatStream(context.Background(), userRequest("x"), func(llm.Delta) error { return nil })
			} else {
				got, err = c.Chat(context.Background(), userRequest("x"))
			}
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLocalServerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, provider string
		status         int
		body           []byte
		wantKind       string
		wantMessage    string
	}{
		{"vllm legacy flat envelope", "vllm", 400, fixture(t, "vllm/v1-error-400-legacy-envelope.response.json"),
			llm.ErrKindBadRequest, `"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set`},
		{"vllm nested envelope with integer code", "vllm", 400,
			[]byte(`{"error":{"message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.","type":"BadRequestError","param":null,"code":400}}`),
			llm.ErrKindContextWindow, "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens."},
		{"vllm auth middleware", "vllm", 401, []byte(`{"error": "Unauthorized"}`), llm.ErrKindAuthentication, "Unauthorized"},
		{"ollama openai envelope", "ollama", 404,
			[]byte(`{"error":{"message":"model \"llama9\" not found, try pulling it first","type":"not_found_error","param":null,"code":null}}`),
			llm.ErrKindBadRequest, `model "llama9" not found, try pulling it first`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := localProvider(t, tt.provider, tt.status, "application/json", tt.body)
			_, err := c.Chat(context.Background(), userRequest("x"))
			apiErr := asAPIError(t, err)
			if apiErr.Kind != tt.wantKind || apiErr.Message != tt.wantMessage || apiErr.StatusCode != tt.status || apiErr.Provider != tt.provider {
				t.Errorf("error = %+v, want provider %s kind %s status %d message %q", apiErr, tt.provider, tt.wantKind, tt.status, tt.wantMessage)
			}
		})
	}
}

// TestLocalServerRetryAfter: a 429 (from a proxy in front of vLLM or
// Ollama) with Retry-After is repeated after the delay it names.
func TestLocalServerRetryAfter(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"ollama", "vllm", "xai"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			var first time.Time
			var waited time.Duration
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if calls.Add(1) == 1 {
					first = time.Now()
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = w.Write([]byte(`{"error":{"message":"slow down","type":"rate_limit","param":null,"code":null}}`))
					return
				}
				waited = time.Since(first)
				_, _ = w.Write(fixture(t, "ollama/v1-chat-text-reasoning.response.json"))
			}))
			t.Cleanup(srv.Close)
			c := New(Config{Name: name, BaseURL: srv.URL + "/v1", MaxRetries: 2, RetryBaseDelay: time.Millisecond}).APIClient()
			got, err := c.Chat(context.Background(), userRequest("x"))
			if err != nil {
				t.Fatalf("Chat: %v", err)
			}
			if got.Content != "Paris." || calls.Load() != 2 {
				t.Errorf("content %q after %d calls, want Paris. after 2", got.Content, calls.Load())
			}
			if waited < 900*time.Millisecond {
				t.Errorf("retried after %s, want about the 1s Retry-After", waited)
			}
		})
	}
}

func TestDiscoverListsLocalModels(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/models" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"Qwen/Qwen3-0.6B","object":"model","owned_by":"vllm","max_model_len":40960},{"id":"nomic-embed-text","object":"model"},{"id":"llama3.2","object":"model"}]}`))
	}))
	t.Cleanup(srv.Close)
	p := New(Config{Name: "vllm", BaseURL: srv.URL + "/v1"})
	if err := p.Discover(context.Background()); err != nil {
		t.Fatalf("Discover: %v", err)
	}
	var got []string
	for _, c := range p.LLMs() {
		got = append(got, *c.Handle+"@"+c.ModelEndpointType+"@"+strconv.Itoa(c.ContextWindow))
	}
	want := []string{"vllm/Qwen/Qwen3-0.6B@vllm@40960", "vllm/llama3.2@vllm@8192"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LLMs (-want +got):\n%s", diff)
	}
	if len(p.EmbeddingModels()) != 0 || p.Embedder() != nil {
		t.Errorf("vllm lists embedding models; want none")
	}
}
