package agent

import (
	"fmt"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// benchContext returns n stored messages shaped like a letta_v1 agent's
// context: user, assistant with a tool call, tool return, assistant text.
func benchContext(n int) []*letta.Message {
	msgs := make([]*letta.Message, 0, n)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; len(msgs) < n; i++ {
		callID := fmt.Sprintf("call_%d", i)
		text := func(s string) []letta.Content { return []letta.Content{{Type: letta.ContentText, Text: s}} }
		for _, m := range []*letta.Message{
			{Role: letta.RoleUser, Content: text(fmt.Sprintf("question %d: what did we say about the garden?", i))},
			{Role: letta.RoleAssistant, ToolCalls: []letta.ToolCall{{ID: callID, Type: "function",
				Function: letta.ToolCallFunction{Name: "conversation_search", Arguments: `{"query":"garden"}`}}}},
			{Role: letta.RoleTool, Content: text(`{"status":"OK","message":"3 results"}`), ToolCallID: &callID},
			{Role: letta.RoleAssistant, Content: text("We planned to plant tomatoes along the south fence.")},
		} {
			m.ID = letta.NewID(letta.PrefixMessage)
			m.CreatedAt = at.Add(time.Duration(len(msgs)) * time.Second)
			msgs = append(msgs, m)
		}
	}
	return msgs[:n]
}

// BenchmarkToLLMMessages converts a 200-message context to the model's
// chat messages, as every step does.
func BenchmarkToLLMMessages(b *testing.B) {
	msgs := benchContext(200)
	b.ReportAllocs()
	for b.Loop() {
		if got := toLLMMessages(msgs); len(got) != 200 {
			b.Fatalf("got %d messages", len(got))
		}
	}
}
