package agent

import (
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
)

// TestNativeReasoningReplayed: a stored assistant message's native reasoning
// and its signature go back to the provider with the message (Anthropic and
// Gemini refuse a tool-use turn whose thinking is missing or unsigned), and
// inner thoughts that are not native do not.
func TestNativeReasoningReplayed(t *testing.T) {
	msgs := []*letta.Message{{
		Role: letta.RoleAssistant,
		Content: []letta.Content{
			{Type: letta.ContentReasoning, IsNative: true, Reasoning: "Let me ", Signature: letta.Ptr("sig-1")},
			{Type: letta.ContentReasoning, IsNative: true, Reasoning: "check."},
			{Type: letta.ContentText, Text: "Looking it up."},
		},
		ToolCalls: []letta.ToolCall{{ID: "call_1", Type: "function", Function: letta.ToolCallFunction{Name: "conversation_search", Arguments: `{"query":"tea"}`}}},
	}, {
		Role:    letta.RoleAssistant,
		Content: []letta.Content{{Type: letta.ContentReasoning, Reasoning: "inner thought, not the provider's"}},
	}}
	got := toLLMMessages(msgs)
	if len(got) != 2 {
		t.Fatalf("got %d messages, want 2", len(got))
	}
	if got[0].Reasoning != "Let me check." || got[0].ReasoningSignature != "sig-1" {
		t.Errorf("reasoning = %q, signature = %q; want the native text and its signature", got[0].Reasoning, got[0].ReasoningSignature)
	}
	if got[1].Reasoning != "" || got[1].ReasoningSignature != "" {
		t.Errorf("non-native thoughts were replayed as provider reasoning: %+v", got[1])
	}
}
