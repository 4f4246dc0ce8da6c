package llm

import (
	"context"

	"github.com/letta-server/letta-server/internal/llm/textfix"
)

// RepairRequest returns req with all text made safe for a provider's JSON
// parser (see package textfix): message content, names, reasoning, tool
// descriptions as text; tool call arguments and tool results as JSON. The
// caller's slices are not modified.
func RepairRequest(req ChatRequest) ChatRequest {
	msgs := make([]Message, len(req.Messages))
	for i, m := range req.Messages {
		if m.Role == RoleTool {
			m.Content = textfix.JSON(m.Content)
		} else {
			m.Content = textfix.String(m.Content)
		}
		m.Name = textfix.String(m.Name)
		m.Reasoning = textfix.String(m.Reasoning)
		if len(m.ToolCalls) > 0 {
			calls := make([]ToolCall, len(m.ToolCalls))
			for j, c := range m.ToolCalls {
				c.Name = textfix.String(c.Name)
				c.Arguments = textfix.JSON(c.Arguments)
				calls[j] = c
			}
			m.ToolCalls = calls
		}
		msgs[i] = m
	}
	req.Messages = msgs
	if len(req.Tools) > 0 {
		tools := make([]Tool, len(req.Tools))
		for i, t := range req.Tools {
			t.Description = textfix.String(t.Description)
			tools[i] = t
		}
		req.Tools = tools
	}
	return req
}

// repairingClient repairs every request before its provider sees it. The
// Registry hands out clients wrapped in it, so this is the one place
// invalid text is fixed, whichever provider serves the agent.
type repairingClient struct{ next Client }

func (c repairingClient) Chat(ctx context.Context, req ChatRequest) (*ChatResponse, error) {
	return c.next.Chat(ctx, RepairRequest(req))
}

func (c repairingClient) ChatStream(ctx context.Context, req ChatRequest, onDelta func(Delta) error) (*ChatResponse, error) {
	return c.next.ChatStream(ctx, RepairRequest(req), onDelta)
}

// repairingEmbedder repairs texts before they are embedded.
type repairingEmbedder struct{ next Embedder }

func (e repairingEmbedder) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	fixed := make([]string, len(texts))
	for i, t := range texts {
		fixed[i] = textfix.String(t)
	}
	return e.next.Embed(ctx, model, fixed)
}
