package anthropic

import (
	"context"
	"encoding/json"
	"errors"
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
		{"messages-tool-use.response.json", llm.ChatResponse{
			ToolCalls:    []llm.ToolCall{{ID: "toolu_01DYJo37oETVsCdLTTcCWcdq", Name: "get_weather", Arguments: `{"location":"San Francisco, CA"}`}},
			FinishReason: llm.FinishToolCalls, Model: "claude-3-opus-20240229",
			Usage: llm.Usage{PromptTokens: 599, CompletionTokens: 152, TotalTokens: 751},
		}},
		{"messages-parallel-tool-use.response.json", llm.ChatResponse{
			ToolCalls: []llm.ToolCall{
				{ID: "toolu_012r6TBCWjRHG71j6zruYyUL", Name: "get_weather", Arguments: `{"location":"New York, NY","unit":"fahrenheit"}`},
				{ID: "toolu_01SkeBKkLCNYWNuivqFerGDd", Name: "get_time", Arguments: `{"timezone":"America/New_York"}`},
			},
			FinishReason: llm.FinishToolCalls, Model: "claude-3-5-sonnet-20240620",
			Usage: llm.Usage{PromptTokens: 514, CompletionTokens: 152, TotalTokens: 666},
		}},
		{"messages-refusal.response.json", llm.ChatResponse{
			FinishReason: llm.FinishRefusal, Model: "claude-fable-5",
			Usage: llm.Usage{PromptTokens: 18, CompletionTokens: 5, TotalTokens: 23},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, jsonAnswer(t, 200, tt.file))
			got, err := f.client().Chat(context.Background(), userRequest("hi"))
			if err != nil {
				t.Fatalf("Chat: %v", err)
			}
			got.Content = "" // text blocks are checked in TestChatTextAndThinking
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChatTextAndThinking(t *testing.T) {
	t.Parallel()
	f := newFake(t, jsonAnswer(t, 200, "messages-thinking.response.json"))
	got, err := f.client().Chat(context.Background(), userRequest("How many r in strawberry?"))
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if !strings.HasPrefix(got.Reasoning, "Let me count the number of times the letter 'r'") ||
		!strings.HasPrefix(got.ReasoningSignature, "ErUBCkYIARgCIkBSkP4z") || got.Content == "" ||
		got.FinishReason != llm.FinishStop || got.Usage.CompletionTokens != 215 {
		t.Errorf("thinking reply = %+v", got)
	}
}

func TestChatRequestMapping(t *testing.T) {
	t.Parallel()
	f := newFake(t, jsonAnswer(t, 200, "messages-text.response.json"))
	parallel := false
	req := llm.ChatRequest{
		Model: "claude-sonnet-4-5",
		Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: "persona"},
			{Role: llm.RoleUser, Content: "weather and time?"},
			{Role: llm.RoleAssistant, Content: "Checking.", Reasoning: "think", ReasoningSignature: "sig",
				ToolCalls: []llm.ToolCall{{ID: "toolu_1", Name: "get_weather", Arguments: `{"location":"SF"}`}, {ID: "toolu_2", Name: "get_time", Arguments: ``}}},
			{Role: llm.RoleTool, ToolCallID: "toolu_1", Content: `{"status":"OK"}`},
			{Role: llm.RoleTool, ToolCallID: "toolu_2", Content: ""},
			{Role: llm.RoleUser, Content: "thanks"},
		},
		Tools:             []llm.Tool{{Name: "get_weather", Description: "weather", Parameters: map[string]any{"type": "object"}}},
		ToolChoice:        llm.ToolChoiceAuto,
		ParallelToolCalls: &parallel,
		ReasoningEffort:   "low",
		Temperature:       ptr(0.5),
	}
	if _, err := f.client().Chat(context.Background(), req); err != nil {
		t.Fatalf("Chat: %v", err)
	}
	got := f.requests()[0]
	want := map[string]any{
		"model":      "claude-sonnet-4-5",
		"max_tokens": float64(DefaultMaxTokens), // above the budget already
		"system":     "persona",
		"thinking":   map[string]any{"type": "enabled", "budget_tokens": float64(1024)},
		"messages": []any{
			map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "weather and time?"}}},
			map[string]any{"role": "assistant", "content": []any{
				map[string]any{"type": "thinking", "thinking": "think", "signature": "sig"},
				map[string]any{"type": "text", "text": "Checking."},
				map[string]any{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": map[string]any{"location": "SF"}},
				map[string]any{"type": "tool_use", "id": "toolu_2", "name": "get_time", "input": map[string]any{}},
			}},
			map[string]any{"role": "user", "content": []any{
				map[string]any{"type": "tool_result", "tool_use_id": "toolu_1", "content": `{"status":"OK"}`},
				map[string]any{"type": "tool_result", "tool_use_id": "toolu_2", "content": "(empty)"},
				map[string]any{"type": "text", "text": "thanks"},
			}},
		},
		"tools":       []any{map[string]any{"name": "get_weather", "description": "weather", "input_schema": map[string]any{"type": "object"}}},
		"tool_choice": map[string]any{"type": "auto", "disable_parallel_tool_use": true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request body (-want +got):\n%s", diff)
	}
}

func ptr(f float64) *float64 { return &f }

func TestChatStreamFixtures(t *testing.T) {
	t.Parallel()
	t.Run("text", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, sseAnswer(t, "messages-stream-text.sse"))
		var streamed strings.Builder
		got, err := f.client().ChatStream(context.Background(), userRequest("hi"), func(d llm.Delta) error {
			streamed.WriteString(d.Content)
			return nil
		})
		if err != nil {
			t.Fatalf("ChatStream: %v", err)
		}
		if got.Content == "" || got.Content != streamed.String() || got.FinishReason != llm.FinishStop || got.Usage.PromptTokens == 0 || got.Usage.CompletionTokens == 0 {
			t.Errorf("stream reply = %+v (streamed %q)", got, streamed.String())
		}
	})
	t.Run("tool use split across input_json_delta events", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, sseAnswer(t, "messages-stream-tool-use.sse"))
		var deltas []llm.Delta
		got, err := f.client().ChatStream(context.Background(), userRequest("hi"), func(d llm.Delta) error {
			if d.ToolCallID != "" || d.ToolArguments != "" {
				deltas = append(deltas, d)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("ChatStream: %v", err)
		}
		if len(got.ToolCalls) != 2 || got.FinishReason != llm.FinishToolCalls {
			t.Fatalf("calls %+v finish %q, want 2 tool calls", got.ToolCalls, got.FinishReason)
		}
		for i, c := range got.ToolCalls {
			var args map[string]any
			if err := json.Unmarshal([]byte(c.Arguments), &args); err != nil || !strings.HasPrefix(c.ID, "toolu_") {
				t.Errorf("call %d = %+v: arguments do not parse: %v", i, c, err)
			}
			var joined strings.Builder
			for _, d := range deltas {
				if d.ToolCallIndex == i {
					joined.WriteString(d.ToolArguments)
				}
			}
			if joined.String() != c.Arguments {
				t.Errorf("call %d: streamed fragments %q, assembled %q", i, joined.String(), c.Arguments)
			}
		}
		if got.Usage.CompletionTokens != 153 || got.Usage.PromptTokens != 506 {
			t.Errorf("usage = %+v, want 506 in, 153 out (message_delta)", got.Usage)
		}
	})
	t.Run("thinking with signature_delta", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, sseAnswer(t, "messages-stream-thinking.sse"))
		var reasoning strings.Builder
		got, err := f.client().ChatStream(context.Background(), userRequest("hi"), func(d llm.Delta) error {
			reasoning.WriteString(d.Reasoning)
			return nil
		})
		if err != nil {
			t.Fatalf("ChatStream: %v", err)
		}
		if got.Reasoning == "" || got.Reasoning != reasoning.String() || got.ReasoningSignature == "" || got.Content == "" {
			t.Errorf("thinking stream = %+v", got)
		}
	})
	t.Run("refusal: no content block at all", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, sseFromChunks(t, readFixture(t, "messages-stream-refusal.chunks.jsonl")))
		got, err := f.client().ChatStream(context.Background(), userRequest("hi"), func(llm.Delta) error { return nil })
		if err != nil {
			t.Fatalf("ChatStream: %v", err)
		}
		want := &llm.ChatResponse{FinishReason: llm.FinishRefusal, Model: "claude-fable-5", Usage: llm.Usage{PromptTokens: 18, CompletionTokens: 5, TotalTokens: 23}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("refusal (-want +got):\n%s", diff)
		}
	})
	t.Run("stream cut before message_stop", func(t *testing.T) {
		t.Parallel()
		a := sseAnswer(t, "messages-stream-text.sse")
		a.body = a.body[:strings.Index(string(a.body), "event: message_delta")]
		f := newFake(t, a)
		_, err := f.client().ChatStream(context.Background(), userRequest("hi"), func(llm.Delta) error { return nil })
		var apiErr *llm.APIError
		if !errors.As(err, &apiErr) || apiErr.Kind != llm.ErrKindServer {
			t.Errorf("error = %v, want an llm_error APIError", err)
		}
	})
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		status   int
		kind     string
		code     string
		attempts int
	}{
		{"error-400-invalid-request.response.json", 400, llm.ErrKindBadRequest, "invalid_request_error", 1},
		{"error-400-prompt-too-long.response.json", 400, llm.ErrKindContextWindow, "invalid_request_error", 1},
		{"error-401-authentication.response.json", 401, llm.ErrKindAuthentication, "authentication_error", 1},
		{"error-404-not-found.response.json", 404, llm.ErrKindBadRequest, "not_found_error", 1},
		{"error-500-api-error.response.json", 500, llm.ErrKindServer, "api_error", 3},
		{"error-529-overloaded.response.json", 529, llm.ErrKindServer, "overloaded_error", 3},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, jsonAnswer(t, tt.status, tt.file))
			_, err := f.client().Chat(context.Background(), userRequest("hi"))
			var apiErr *llm.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an APIError", err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Kind != tt.kind || apiErr.Code != tt.code || apiErr.Message == "" {
				t.Errorf("error = %+v, want status %d kind %s code %s", apiErr, tt.status, tt.kind, tt.code)
			}
			if n := len(f.requests()); n != tt.attempts {
				t.Errorf("%d attempts, want %d", n, tt.attempts)
			}
		})
	}
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	limited := jsonAnswer(t, 429, "error-429-rate-limit.response.json")
	limited.header = map[string]string{"Retry-After": "1"}
	f := newFake(t, limited, sseAnswer(t, "messages-stream-text.sse"))
	got, err := f.client().ChatStream(context.Background(), userRequest("hi"), func(llm.Delta) error { return nil })
	if err != nil {
		t.Fatalf("ChatStream: %v", err)
	}
	if got.Content == "" || len(f.arrived) != 2 {
		t.Fatalf("reply %+v after %d calls", got, len(f.arrived))
	}
	if wait := f.arrived[1].Sub(f.arrived[0]); wait < 900*time.Millisecond {
		t.Errorf("retried after %s, want the 1s Retry-After", wait)
	}
}

func TestOverloadedEventMidStream(t *testing.T) {
	t.Parallel()
	// Not recorded (see the fixtures README); shaped as the API documents
	// an error event: the envelope of an error body.
	f := newFake(t, sseFromChunks(t, nil,
		`{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":10,"output_tokens":1}}}`,
		`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`,
	), sseAnswer(t, "messages-stream-text.sse"))
	got, err := f.client().ChatStream(context.Background(), userRequest("hi"), func(llm.Delta) error { return nil })
	if err != nil {
		t.Fatalf("ChatStream: %v (an overloaded event before any delta is retried)", err)
	}
	if got.Content == "" || len(f.requests()) != 2 {
		t.Errorf("reply %+v after %d calls", got, len(f.requests()))
	}
}

func TestKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t, answer{status: 400, contentType: "text/plain", body: []byte("bad key " + testAPIKey)})
	_, err := f.client().Chat(context.Background(), userRequest("hi"))
	if err == nil || strings.Contains(err.Error(), testAPIKey) {
		t.Errorf("error %v shows the key", err)
	}
}

func TestForcedToolChoiceDropsThinking(t *testing.T) {
	t.Parallel()
	w, _ := toWireRequest(llm.ChatRequest{Model: "claude-sonnet-4-5", Tools: []llm.Tool{{Name: "send_message"}},
		ToolChoice: llm.ToolChoiceRequired, ReasoningEffort: "high", Temperature: ptr(0.7), MaxTokens: 100})
	if w.Thinking != nil || w.ToolChoice.Type != "any" || w.Temperature == nil || w.MaxTokens != 100 {
		t.Errorf("forced tool choice with thinking: %+v", w)
	}
}
