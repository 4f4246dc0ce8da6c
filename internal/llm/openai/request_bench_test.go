package openai

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/llm"
)

// benchRequest is a step of a letta_v1 agent some turns into a
// conversation: a ~6 kB system prompt with memory blocks, 40 messages
// (user, assistant call, tool return, assistant text) and 10 tools.
func benchRequest() llm.ChatRequest {
	var system strings.Builder
	system.WriteString("You are Letta, the latest version of Limnal Corporation's digital companion, developed in 2025.\n")
	system.WriteString("Your task is to converse with a user from the perspective of your persona.\n\n<memory_blocks>\n")
	for i := 0; system.Len() < 6000; i++ {
		fmt.Fprintf(&system, "<block_%d>\n<description>\nThe \"block\" number %d & what it holds.\n</description>\n", i, i)
		system.WriteString("<value>\nThe user's name is Chad. They like gardening, tomatoes along the south fence, and long walks.\n</value>\n")
		fmt.Fprintf(&system, "</block_%d>\n", i)
	}
	system.WriteString("</memory_blocks>\n\n<memory_metadata>\n- The current system date is: December 03, 2026\n</memory_metadata>")

	temp := 0.7
	no := false
	req := llm.ChatRequest{
		Model:             "gpt-4o-mini",
		Messages:          []llm.Message{{Role: llm.RoleSystem, Content: system.String()}},
		ToolChoice:        llm.ToolChoiceRequired,
		ParallelToolCalls: &no,
		Temperature:       &temp,
		MaxTokens:         4096,
	}
	for i := 0; len(req.Messages) < 40; i++ {
		callID := fmt.Sprintf("call_%d", i)
		req.Messages = append(req.Messages,
			llm.Message{Role: llm.RoleUser, Content: fmt.Sprintf(`{"type": "user_message", "message": "question %d: what did we say about the garden?", "time": "2026-12-03 10:00:00 AM UTC+0000"}`, i)},
			llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: callID, Name: "conversation_search", Arguments: `{"query": "garden", "limit": 5}`}}},
			llm.Message{Role: llm.RoleTool, ToolCallID: callID, Content: `{"status": "OK", "message": "Showing 3 of 3 results:\n[{\"role\": \"user\", \"content\": \"plant tomatoes\"}]", "time": "2026-12-03 10:00:01 AM UTC+0000"}`},
			llm.Message{Role: llm.RoleAssistant, Content: "We planned to plant tomatoes along the south fence, and basil between them."},
		)
	}
	req.Messages = req.Messages[:40]
	for i := range 10 {
		req.Tools = append(req.Tools, benchTool(i))
	}
	return req
}

// benchTool is shaped like Letta's base tools: a docstring description and
// two or three described parameters.
func benchTool(i int) llm.Tool {
	return llm.Tool{
		Name: fmt.Sprintf("tool_number_%d", i),
		Description: "Search prior conversation history using case-insensitive string matching. " +
			"Use this when the user refers to something said before, or to recall a fact that is not in core memory. " +
			"Returns the matching messages with their timestamps, newest first, paginated.",
		Parameters: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"query": map[string]any{"type": "string", "description": "String to search for."},
				"page":  map[string]any{"type": "integer", "description": "Allows you to page through results. Only use on a follow-up query. Defaults to 0 (first page)."},
				"roles": map[string]any{
					"type":        "array",
					"items":       map[string]any{"type": "string", "enum": []any{"assistant", "user", "tool"}},
					"description": "Optional list of message roles to filter by.",
				},
			},
			"required": []any{"query"},
		},
	}
}

// BenchmarkChatRequest builds and encodes the body of one chat completions
// call, as every agent step does.
func BenchmarkChatRequest(b *testing.B) {
	req := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		body, err := encodeWireRequest(toWireRequest(req))
		if err != nil || len(body) < 10000 {
			b.Fatalf("%d bytes, %v", len(body), err)
		}
	}
}

// BenchmarkChat is one whole non-streamed call of benchRequest over
// loopback HTTP, the model answering with a tool call at once.
func BenchmarkChat(b *testing.B) {
	reply := []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1764756000,"model":"gpt-4o-mini-2024-07-18",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function",` +
		`"function":{"name":"send_message","arguments":"{\"message\": \"We planned tomatoes along the south fence.\"}"}}],` +
		`"refusal":null},"logprobs":null,"finish_reason":"tool_calls"}],` +
		`"usage":{"prompt_tokens":2500,"completion_tokens":20,"total_tokens":2520,` +
		`"prompt_tokens_details":{"cached_tokens":2048,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},` +
		`"system_fingerprint":"fp_1"}`)
	c := replayBench(b, reply)
	req := benchRequest()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Chat(ctx, req)
		if err != nil || len(resp.ToolCalls) != 1 {
			b.Fatalf("%+v, %v", resp, err)
		}
	}
}

func replayBench(b *testing.B, body []byte) *Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return New(Config{APIKey: testAPIKey, BaseURL: srv.URL + "/v1", MaxRetries: -1}).APIClient()
}
