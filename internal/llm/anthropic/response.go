package anthropic

import (
	"strings"

	"github.com/letta-server/letta-server/internal/llm"
)

// wireResponse is a Messages response (and message_start's message).
type wireResponse struct {
	ID         string    `json:"id"`
	Model      string    `json:"model"`
	Content    []block   `json:"content"`
	StopReason string    `json:"stop_reason"`
	Usage      wireUsage `json:"usage"`
}

type wireUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

// usage maps Anthropic's counters: input_tokens excludes the cached and
// cache-writing tokens, which are added to the prompt count.
func (u wireUsage) usage() llm.Usage {
	prompt := u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
	return llm.Usage{
		PromptTokens:      prompt,
		CompletionTokens:  u.OutputTokens,
		TotalTokens:       prompt + u.OutputTokens,
		CachedInputTokens: u.CacheReadInputTokens,
	}
}

// fromWireResponse maps a complete message. Blocks are read in order;
// several text blocks are joined; redacted thinking is dropped. A refusal
// arrives with no content at all and becomes an empty reply with finish
// reason refusal.
func fromWireResponse(r wireResponse) *llm.ChatResponse {
	out := &llm.ChatResponse{FinishReason: finishReason(r.StopReason), Usage: r.Usage.usage(), Model: r.Model}
	var text, reasoning strings.Builder
	for _, b := range r.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "thinking":
			reasoning.WriteString(b.Thinking)
			if b.Signature != "" {
				out.ReasoningSignature = b.Signature
			}
		case "tool_use":
			args := string(b.Input)
			if strings.TrimSpace(args) == "" {
				args = "{}"
			}
			out.ToolCalls = append(out.ToolCalls, llm.ToolCall{ID: b.ID, Name: b.Name, Arguments: args})
		}
	}
	out.Content, out.Reasoning = text.String(), reasoning.String()
	return out
}

// finishReason normalises a stop_reason.
func finishReason(r string) string {
	switch r {
	case "end_turn", "stop_sequence", "pause_turn":
		return llm.FinishStop
	case "tool_use":
		return llm.FinishToolCalls
	case "max_tokens", "model_context_window_exceeded":
		return llm.FinishLength
	case "refusal":
		return llm.FinishRefusal
	}
	return r
}
