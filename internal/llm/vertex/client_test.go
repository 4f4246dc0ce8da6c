package vertex

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/llm"
)

func TestChatFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want llm.ChatResponse
	}{
		{"generate-content-function-call.response.json", llm.ChatResponse{
			FinishReason: llm.FinishToolCalls, Model: "gemini-3-flash-preview",
			// totalTokenCount includes thoughtsTokenCount: 43 + 12 + 59 = 114.
			Usage: llm.Usage{PromptTokens: 43, CompletionTokens: 12 + 59, TotalTokens: 114, ReasoningTokens: 59},
		}},
		{"gemini-api-generate-content-parallel-function-calls.response.json", llm.ChatResponse{
			FinishReason: llm.FinishToolCalls, Model: "gemini-3-flash-preview",
			Usage: llm.Usage{PromptTokens: 83, CompletionTokens: 30 + 190, TotalTokens: 303, ReasoningTokens: 190},
		}},
		{"generate-content-text.response.json", llm.ChatResponse{
			FinishReason: llm.FinishStop, Model: "gemini-2.0-flash",
			Usage: llm.Usage{PromptTokens: 13, CompletionTokens: 8, TotalTokens: 21},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, jsonAnswer(t, 200, tt.file))
			got, err := f.provider(t).APIClient().Chat(context.Background(), userRequest("gemini-2.5-flash", "hi"))
			if err != nil {
				t.Fatalf("Chat: %v", err)
			}
			if tt.want.FinishReason == llm.FinishToolCalls {
				if len(got.ToolCalls) == 0 || got.ReasoningSignature == "" {
					t.Errorf("calls %+v signature %q, want calls and a thought signature", got.ToolCalls, got.ReasoningSignature)
				}
				for _, c := range got.ToolCalls {
					if c.ID == "" || c.Name == "" || !strings.HasPrefix(c.Arguments, "{") {
						t.Errorf("call %+v lacks id, name or object arguments", c)
					}
				}
			} else if got.Content == "" {
				t.Errorf("empty text reply")
			}
			got.Content, got.ToolCalls, got.ReasoningSignature = "", nil, ""
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			paths, _ := f.calls()
			if want := "gemini-2.5-flash:generateContent?"; paths[0] != want {
				t.Errorf("path %q, want %q", paths[0], want)
			}
		})
	}
}

func TestBlockedRepliesAreCleanErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, code, message string
	}{
		{"gemini-api-generate-content-safety.response.json", "SAFETY", "the reply was blocked: SAFETY"},
		{"generate-content-prompt-blocked.response.json", "PROMPT_BLOCKED", "the prompt was blocked: MODEL_ARMOR: The prompt violated Prompt Injection and Jailbreak filters."},
		{"generate-content-finish-model-armor.response.json", "MODEL_ARMOR", "the reply was blocked: MODEL_ARMOR"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, jsonAnswer(t, 200, tt.file))
			_, err := f.provider(t).APIClient().Chat(context.Background(), userRequest("gemini-2.5-flash", "hi"))
			var apiErr *llm.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an APIError", err)
			}
			if apiErr.Kind != llm.ErrKindBadRequest || apiErr.Code != tt.code || !strings.HasPrefix(apiErr.Message, tt.message) || apiErr.Retryable() {
				t.Errorf("error = %+v, want a non-retryable bad request %s %q", apiErr, tt.code, tt.message)
			}
		})
	}
}

func TestRequestMapping(t *testing.T) {
	t.Parallel()
	f := newFake(t, jsonAnswer(t, 200, "generate-content-text.response.json"))
	req := llm.ChatRequest{
		Model: "gemini-2.5-flash",
		Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: "persona"},
			{Role: llm.RoleUser, Content: "weather?"},
			{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}}},
			{Role: llm.RoleTool, ToolCallID: "call_1", Content: `{"status":"OK","message":"sunny"}`},
		},
		Tools:      []llm.Tool{{Name: "get_weather", Description: "weather", Parameters: map[string]any{"type": "object"}}},
		ToolChoice: llm.ToolChoiceRequired,
		MaxTokens:  100,
	}
	if _, err := f.provider(t).APIClient().Chat(context.Background(), req); err != nil {
		t.Fatalf("Chat: %v", err)
	}
	_, bodies := f.calls()
	got := bodies[0]
	want := map[string]any{
		"contents": []any{
			map[string]any{"role": "user", "parts": []any{map[string]any{"text": "weather?"}}},
			map[string]any{"role": "model", "parts": []any{map[string]any{"functionCall": map[string]any{"id": "call_1", "name": "get_weather", "args": map[string]any{"city": "Paris"}}}}},
			map[string]any{"role": "user", "parts": []any{map[string]any{"functionResponse": map[string]any{
				"id": "call_1", "name": "get_weather", "response": map[string]any{"output": map[string]any{"status": "OK", "message": "sunny"}},
			}}}},
		},
		"systemInstruction": map[string]any{"parts": []any{map[string]any{"text": "persona"}}, "role": "user"},
		"generationConfig":  map[string]any{"maxOutputTokens": float64(100)},
		"tools": []any{map[string]any{"functionDeclarations": []any{map[string]any{
			"name": "get_weather", "description": "weather", "parametersJsonSchema": map[string]any{"type": "object"},
		}}}},
		"toolConfig": map[string]any{"functionCallingConfig": map[string]any{"mode": "ANY"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request body (-want +got):\n%s", diff)
	}
}

func TestStreamFixtures(t *testing.T) {
	t.Parallel()
	t.Run("CRLF framing, usage repeated per chunk, no terminator", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, sseAnswer(t, "stream-generate-content-text.sse"))
		var streamed strings.Builder
		got, err := f.provider(t).APIClient().ChatStream(context.Background(), userRequest("gemini-2.5-flash", "hi"), func(d llm.Delta) error {
			streamed.WriteString(d.Content)
			return nil
		})
		if err != nil {
			t.Fatalf("ChatStream: %v", err)
		}
		if got.Content == "" || got.Content != streamed.String() || got.FinishReason != llm.FinishStop || got.Usage.TotalTokens == 0 {
			t.Errorf("stream reply = %+v", got)
		}
		paths, _ := f.calls()
		if want := "gemini-2.5-flash:streamGenerateContent?alt=sse"; paths[0] != want {
			t.Errorf("path %q, want %q", paths[0], want)
		}
	})
	t.Run("whole function call in the first chunk, finish and usage after", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, sseAnswer(t, "gemini-api-stream-function-call.sse"))
		var deltas []llm.Delta
		got, err := f.provider(t).APIClient().ChatStream(context.Background(), userRequest("gemini-2.5-flash", "hi"), func(d llm.Delta) error {
			deltas = append(deltas, d)
			return nil
		})
		if err != nil {
			t.Fatalf("ChatStream: %v", err)
		}
		if len(got.ToolCalls) != 1 || got.FinishReason != llm.FinishToolCalls || got.Usage.TotalTokens == 0 {
			t.Fatalf("stream reply = %+v", got)
		}
		if len(deltas) == 0 || deltas[0].ToolName != got.ToolCalls[0].Name || deltas[0].ToolArguments != got.ToolCalls[0].Arguments {
			t.Errorf("deltas %+v do not carry the whole call %+v", deltas, got.ToolCalls[0])
		}
	})
	t.Run("single chunk", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, sseAnswer(t, "stream-generate-content-single-chunk.sse"))
		got, err := f.provider(t).APIClient().ChatStream(context.Background(), userRequest("gemini-3-flash-preview", "hi"), func(llm.Delta) error { return nil })
		if err != nil || got.Content == "" || got.FinishReason != llm.FinishStop {
			t.Errorf("single chunk = %+v, %v", got, err)
		}
	})
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		status   int
		kind     string
		attempts int
	}{
		{"error-400-invalid-argument.response.json", 400, llm.ErrKindBadRequest, 1},
		{"gemini-api-error-400-token-limit.response.json", 400, llm.ErrKindContextWindow, 1},
		{"gemini-api-error-403-permission-denied.response.json", 403, llm.ErrKindAuthentication, 1},
		{"gemini-api-error-404-not-found.response.json", 404, llm.ErrKindBadRequest, 1},
		{"gemini-api-error-500-internal.response.json", 500, llm.ErrKindServer, 3},
		{"gemini-api-error-503-unavailable.response.json", 503, llm.ErrKindServer, 3},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, jsonAnswer(t, tt.status, tt.file))
			_, err := f.provider(t).APIClient().Chat(context.Background(), userRequest("gemini-2.5-flash", "hi"))
			var apiErr *llm.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an APIError", err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Kind != tt.kind || apiErr.Message == "" {
				t.Errorf("error = %+v, want status %d kind %s", apiErr, tt.status, tt.kind)
			}
			if paths, _ := f.calls(); len(paths) != tt.attempts {
				t.Errorf("%d attempts, want %d", len(paths), tt.attempts)
			}
		})
	}
}

func TestRetryDelayFromDetails(t *testing.T) {
	t.Parallel()
	f := newFake(t, jsonAnswer(t, 429, "gemini-api-error-429-retry-info.response.json"))
	p, err := New(context.Background(), Config{Project: testProject, Location: testLocation, BaseURL: f.srv.URL + "/",
		HTTPClient: &http.Client{}, Retry: llm.RetryPolicy{MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.APIClient().Chat(context.Background(), userRequest("gemini-2.5-flash", "hi"))
	var apiErr *llm.APIError
	if !errors.As(err, &apiErr) || apiErr.Kind != llm.ErrKindRateLimit || apiErr.RetryAfter != 34400*time.Millisecond || !apiErr.Retryable() {
		t.Errorf("error = %+v, want a retryable rate limit with RetryAfter 34.4s (RetryInfo)", apiErr)
	}
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	limited := jsonAnswer(t, 429, "gemini-api-error-429-retry-info.response.json")
	limited.body = []byte(strings.Replace(string(limited.body), `"34.4s"`, `"1s"`, 1))
	limited.header = map[string]string{"Retry-After": "1"}
	f := newFake(t, limited, sseAnswer(t, "stream-generate-content-text.sse"))
	got, err := f.provider(t).APIClient().ChatStream(context.Background(), userRequest("gemini-2.5-flash", "hi"), func(llm.Delta) error { return nil })
	if err != nil {
		t.Fatalf("ChatStream: %v", err)
	}
	if got.Content == "" || len(f.arrived) != 2 {
		t.Fatalf("reply %+v after %d calls", got, len(f.arrived))
	}
	if wait := f.arrived[1].Sub(f.arrived[0]); wait < 900*time.Millisecond {
		t.Errorf("retried after %s, want the 1s delay", wait)
	}
}

func TestEmbedPredict(t *testing.T) {
	t.Parallel()
	f := newFake(t, jsonAnswer(t, 200, "embeddings-predict.response.json"))
	got, err := f.provider(t).APIClient().Embed(context.Background(), "text-embedding-005", []string{"hello"})
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if len(got) != 1 || len(got[0]) != 3072 {
		t.Errorf("got %d vectors (first %d values), want 1 of 3072", len(got), len(got[0]))
	}
	paths, bodies := f.calls()
	// The recorded body is gemini-embedding-001's (3072 values); the
	// :predict shape is the same for text-embedding-005.
	if paths[0] != "text-embedding-005:predict?" {
		t.Errorf("path %q, want the :predict API", paths[0])
	}
	inst, _ := bodies[0]["instances"].([]any)
	if len(inst) != 1 {
		t.Errorf("request %v, want one instance", bodies[0])
	}
}

func TestEmbedTwoInputs(t *testing.T) {
	t.Parallel()
	f := newFake(t, jsonAnswer(t, 200, "embeddings-predict-trimmed.response.json"))
	got, err := f.provider(t).APIClient().Embed(context.Background(), "text-embedding-005", []string{"a", "b"})
	if err != nil || len(got) != 2 || len(got[0]) != 5 {
		t.Errorf("Embed = %v, %v; want 2 vectors of 5", got, err)
	}
}
