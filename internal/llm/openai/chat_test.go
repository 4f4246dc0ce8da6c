package openai

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

func TestChatText(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Text("Hello, human."))
	temp := 0.7
	req := userRequest("hi there")
	req.Temperature = &temp
	req.MaxTokens = 256

	got, err := c.Chat(context.Background(), req)
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if got.Content != "Hello, human." || got.FinishReason != llm.FinishStop || len(got.ToolCalls) != 0 {
		t.Errorf("got %+v", got)
	}
	if got.Usage.PromptTokens < 1 || got.Usage.CompletionTokens < 1 ||
		got.Usage.TotalTokens != got.Usage.PromptTokens+got.Usage.CompletionTokens {
		t.Errorf("usage %+v", got.Usage)
	}
	sent, _ := srv.LastRequest()
	if sent.SystemPrompt() != "You are a test persona." || sent.LastUserText() != "hi there" {
		t.Errorf("sent messages %+v", sent.Chat.Messages)
	}
	if sent.Header["Authorization"] != "Bearer "+testAPIKey {
		t.Errorf("authorization header %q", sent.Header["Authorization"])
	}
	for _, key := range []string{"tools", "tool_choice", "parallel_tool_calls", "stream_options"} {
		if _, ok := sent.Raw[key]; ok {
			t.Errorf("request has %q without tools: %v", key, sent.Raw[key])
		}
	}
	if sent.Raw["max_tokens"] != float64(256) || sent.Raw["temperature"] == nil {
		t.Errorf("max_tokens %v temperature %v", sent.Raw["max_tokens"], sent.Raw["temperature"])
	}
}

func TestChatRequestMapping(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	tests := []struct {
		name       string
		model      string
		choice     string
		parallel   *bool
		maxTokens  int
		wantChoice any
		wantRaw    map[string]any // key → value; nil value means absent
	}{
		{name: "auto", choice: llm.ToolChoiceAuto, wantChoice: "auto",
			wantRaw: map[string]any{"parallel_tool_calls": nil, "max_tokens": nil}},
		{name: "required and parallel off", choice: llm.ToolChoiceRequired, parallel: &no, wantChoice: "required",
			wantRaw: map[string]any{"parallel_tool_calls": false}},
		{name: "none and parallel on", choice: llm.ToolChoiceNone, parallel: &yes, wantChoice: "none",
			wantRaw: map[string]any{"parallel_tool_calls": true}},
		{name: "named function", choice: "send_message",
			wantChoice: map[string]any{"type": "function", "function": map[string]any{"name": "send_message"}}},
		{name: "provider default", choice: "", wantChoice: nil},
		{name: "reasoning model limits", model: "o4-mini", maxTokens: 100,
			wantRaw: map[string]any{"max_completion_tokens": float64(100), "max_tokens": nil, "temperature": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, Config{})
			req := userRequest("hello")
			if tt.model != "" {
				req.Model = tt.model
			}
			temp := 0.5
			req.Temperature = &temp
			req.Tools = []llm.Tool{sendMessageTool()}
			req.ToolChoice = tt.choice
			req.ParallelToolCalls = tt.parallel
			req.MaxTokens = tt.maxTokens
			if _, err := c.Chat(context.Background(), req); err != nil {
				t.Fatalf("Chat: %v", err)
			}
			sent, _ := srv.LastRequest()
			if diff := cmp.Diff(tt.wantChoice, sent.Raw["tool_choice"]); diff != "" {
				t.Errorf("tool_choice (-want +got):\n%s", diff)
			}
			for k, want := range tt.wantRaw {
				got, ok := sent.Raw[k]
				if want == nil && ok {
					t.Errorf("%s = %v, want absent", k, got)
				}
				if want != nil && got != want {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
			tool, ok := sent.Tool("send_message")
			if !ok || tool.Type != "function" || tool.Function.Parameters["type"] != "object" {
				t.Errorf("tools sent: %+v", sent.Chat.Tools)
			}
		})
	}
}

func TestChatToolCallRoundTrip(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Call("send_message", `{"message": "hi"}`))
	req := userRequest("hello")
	req.Tools = []llm.Tool{sendMessageTool()}
	got, err := c.Chat(context.Background(), req)
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if len(got.ToolCalls) != 1 || got.ToolCalls[0].Name != "send_message" || got.ToolCalls[0].ID == "" ||
		got.ToolCalls[0].Arguments != `{"message": "hi"}` || got.FinishReason != llm.FinishToolCalls || got.Content != "" {
		t.Fatalf("got %+v", got)
	}

	// The call and its result go back in the next request.
	req.Messages = append(req.Messages,
		llm.Message{Role: llm.RoleAssistant, ToolCalls: got.ToolCalls},
		llm.Message{Role: llm.RoleTool, ToolCallID: got.ToolCalls[0].ID, Content: `{"status": "OK"}`})
	if _, err := c.Chat(context.Background(), req); err != nil {
		t.Fatalf("second Chat: %v", err)
	}
	sent, _ := srv.LastRequest()
	msgs := sent.Chat.Messages
	if len(msgs) != 4 || len(msgs[2].ToolCalls) != 1 || msgs[2].ToolCalls[0].ID != got.ToolCalls[0].ID ||
		msgs[3].Role != "tool" || msgs[3].ToolCallID != got.ToolCalls[0].ID || msgs[3].Content != `{"status": "OK"}` {
		t.Errorf("second request messages: %+v", msgs)
	}
}

func TestChatParallelToolCalls(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Calls(
		llmtest.ToolCall{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Paris"}`},
		llmtest.ToolCall{Name: "get_weather", Arguments: `{"city":"Oslo"}`},
	))
	got, err := c.Chat(context.Background(), userRequest("weather?"))
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if len(got.ToolCalls) != 2 || got.ToolCalls[0].ID != "call_a" || got.ToolCalls[1].ID == "" ||
		got.ToolCalls[1].Arguments != `{"city":"Oslo"}` {
		t.Errorf("tool calls %+v", got.ToolCalls)
	}
}

func TestChatReasoningAndUsageOverride(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Reply{
		Content: "3", Reasoning: "count the r letters",
		Usage: &llmtest.Usage{PromptTokens: 11, CompletionTokens: 202, TotalTokens: 213, ReasoningTokens: 192},
	})
	got, err := c.Chat(context.Background(), userRequest("Count r's in strawberry"))
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	want := llm.Usage{PromptTokens: 11, CompletionTokens: 202, TotalTokens: 213, ReasoningTokens: 192}
	if got.Reasoning != "count the r letters" || got.Content != "3" || got.Usage != want {
		t.Errorf("got %+v", got)
	}
}

func TestChatEmptyReplyIsReturned(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Empty())
	got, err := c.Chat(context.Background(), userRequest("hello"))
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if got.Content != "" || len(got.ToolCalls) != 0 {
		t.Errorf("got %+v", got)
	}
}

func TestChatDefaultEcho(t *testing.T) {
	t.Parallel()
	_, c := setup(t, Config{})
	req := userRequest("ping")
	req.Tools = []llm.Tool{sendMessageTool()}
	got, err := c.Chat(context.Background(), req)
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if len(got.ToolCalls) != 1 {
		t.Fatalf("got %+v", got)
	}
	var args map[string]any
	if err := json.Unmarshal([]byte(got.ToolCalls[0].Arguments), &args); err != nil || args["message"] != "Echo: ping" {
		t.Errorf("arguments %q (%v)", got.ToolCalls[0].Arguments, err)
	}
}

func TestChatStreamToolCallSplitAcrossChunks(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	args := `{"message": "a reply long enough to be cut into pieces"}`
	srv.Enqueue(llmtest.Reply{Reasoning: "let me think", ToolCalls: []llmtest.ToolCall{{Name: "send_message", Arguments: args}}})
	req := userRequest("hello")
	req.Tools = []llm.Tool{sendMessageTool()}

	var deltas []llm.Delta
	got, err := c.ChatStream(context.Background(), req, func(d llm.Delta) error {
		deltas = append(deltas, d)
		return nil
	})
	if err != nil {
		t.Fatalf("ChatStream: %v", err)
	}
	if len(got.ToolCalls) != 1 || got.ToolCalls[0].Arguments != args || got.ToolCalls[0].Name != "send_message" ||
		got.ToolCalls[0].ID == "" || got.FinishReason != llm.FinishToolCalls || got.Reasoning != "let me think" {
		t.Fatalf("assembled %+v", got)
	}
	if got.Usage.PromptTokens == 0 || got.Usage.TotalTokens == 0 {
		t.Errorf("usage from the final empty-choices chunk is missing: %+v", got.Usage)
	}
	var fragments int
	var rebuilt strings.Builder
	for _, d := range deltas {
		if d.ToolName != "" || d.ToolArguments != "" {
			fragments++
			rebuilt.WriteString(d.ToolArguments)
		}
	}
	if fragments < 3 || rebuilt.String() != args {
		t.Errorf("%d tool fragments rebuilding %q", fragments, rebuilt.String())
	}
	sent, _ := srv.LastRequest()
	if !sent.Chat.Stream || sent.Chat.StreamOptions == nil || !sent.Chat.StreamOptions.IncludeUsage {
		t.Errorf("stream options not sent: %v", sent.Raw)
	}
}

func TestChatStreamText(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Text("one two three four"))
	var content strings.Builder
	n := 0
	got, err := c.ChatStream(context.Background(), userRequest("count"), func(d llm.Delta) error {
		content.WriteString(d.Content)
		n++
		return nil
	})
	if err != nil {
		t.Fatalf("ChatStream: %v", err)
	}
	if got.Content != "one two three four" || content.String() != got.Content || n != 4 || got.FinishReason != llm.FinishStop {
		t.Errorf("got %+v after %d deltas", got, n)
	}
}

func TestChatStreamCallbackErrorStops(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Text("one two three"))
	stop := errors.New("client went away")
	_, err := c.ChatStream(context.Background(), userRequest("x"), func(llm.Delta) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the callback's error", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry)", n)
	}
}
