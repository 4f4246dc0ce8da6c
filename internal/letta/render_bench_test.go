package letta_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// conversation returns n stored messages shaped like a letta_v1 agent's
// context: user, assistant with a tool call, tool return, assistant text.
func conversation(n int) []*letta.Message {
	msgs := make([]*letta.Message, 0, n)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; len(msgs) < n; i++ {
		callID := fmt.Sprintf("call_%d", i)
		text := func(s string) []letta.Content { return []letta.Content{{Type: letta.ContentText, Text: s}} }
		for _, m := range []*letta.Message{
			{Role: letta.RoleUser, Content: text(fmt.Sprintf("question %d: what did we say about the garden last week?", i))},
			{Role: letta.RoleAssistant, Content: []letta.Content{{Type: letta.ContentReasoning, IsNative: true, Reasoning: "Let me search."}},
				ToolCalls: []letta.ToolCall{{ID: callID, Type: "function", Function: letta.ToolCallFunction{Name: "conversation_search", Arguments: `{"query":"garden"}`}}}},
			{Role: letta.RoleTool, Content: text(`{"status":"OK","message":"3 results"}`), ToolCallID: &callID,
				ToolReturns: []letta.ToolReturn{{ToolCallID: callID, Status: "success"}}},
			{Role: letta.RoleAssistant, Content: text("We planned to plant tomatoes along the south fence.")},
		} {
			m.ID = letta.NewID(letta.PrefixMessage)
			m.AgentID = "agent-00000000-0000-0000-0000-000000000000"
			m.CreatedAt = at.Add(time.Duration(len(msgs)) * time.Second)
			msgs = append(msgs, m)
		}
	}
	return msgs[:n]
}

// BenchmarkToLettaMessages converts a 200-message context to the
// LettaMessage union, as every send response and message list does.
func BenchmarkToLettaMessages(b *testing.B) {
	msgs := conversation(200)
	opts := letta.RenderOptions{UseAssistantMessage: true}
	b.ReportAllocs()
	for b.Loop() {
		if got := letta.ToLettaMessages(msgs, opts); len(got) == 0 {
			b.Fatal("no messages")
		}
	}
}
