package openai

import (
	goopenai "github.com/sashabaranov/go-openai"

	"github.com/letta-server/letta-server/internal/llm"
)

// toWireRequest maps a provider-neutral request to the chat completions body.
// Tools become functions with their JSON-schema parameters; tool_choice and
// parallel_tool_calls are sent only with tools (OpenAI rejects them
// otherwise), parallel_tool_calls only when set, token limits only when
// positive. Reasoning models get max_completion_tokens and no temperature.
func toWireRequest(req llm.ChatRequest) goopenai.ChatCompletionRequest {
	w := goopenai.ChatCompletionRequest{
		Model:           req.Model,
		Messages:        make([]goopenai.ChatCompletionMessage, 0, len(req.Messages)),
		ReasoningEffort: req.ReasoningEffort,
	}
	for _, m := range req.Messages {
		w.Messages = append(w.Messages, toWireMessage(m))
	}
	reasoning := reasoningModel(req.Model)
	if req.Temperature != nil && !reasoning {
		w.Temperature = float32(*req.Temperature)
	}
	if req.MaxTokens > 0 {
		if reasoning {
			w.MaxCompletionTokens = req.MaxTokens
		} else {
			w.MaxTokens = req.MaxTokens
		}
	}
	if len(req.Tools) == 0 {
		return w
	}
	for _, t := range req.Tools {
		params := t.Parameters
		if params == nil {
			params = map[string]any{"type": "object", "properties": map[string]any{}}
		}
		w.Tools = append(w.Tools, goopenai.Tool{
			Type: goopenai.ToolTypeFunction,
			Function: &goopenai.FunctionDefinition{
				Name:        t.Name,
				Description: t.Description,
				Parameters:  params,
			},
		})
	}
	switch req.ToolChoice {
	case "":
	case llm.ToolChoiceAuto, llm.ToolChoiceRequired, llm.ToolChoiceNone:
		w.ToolChoice = req.ToolChoice
	default:
		w.ToolChoice = goopenai.ToolChoice{
			Type:     goopenai.ToolTypeFunction,
			Function: goopenai.ToolFunction{Name: req.ToolChoice},
		}
	}
	if req.ParallelToolCalls != nil {
		w.ParallelToolCalls = *req.ParallelToolCalls
	}
	return w
}

func toWireMessage(m llm.Message) goopenai.ChatCompletionMessage {
	w := goopenai.ChatCompletionMessage{
		Role:       m.Role,
		Content:    m.Content,
		Name:       m.Name,
		ToolCallID: m.ToolCallID,
	}
	if m.HasImages() {
		w.Content, w.MultiContent = "", wireParts(m.Parts)
	}
	for _, c := range m.ToolCalls {
		args := c.Arguments
		if args == "" {
			args = "{}"
		}
		w.ToolCalls = append(w.ToolCalls, goopenai.ToolCall{
			ID:       c.ID,
			Type:     goopenai.ToolTypeFunction,
			Function: goopenai.FunctionCall{Name: c.Name, Arguments: args},
		})
	}
	return w
}

// fromWireResponse maps a chat completion to the neutral response. A reply
// without choices is invalid; a choice without content or calls is returned
// as it is (the agent loop decides what an empty reply means).
func (c *Client) fromWireResponse(resp goopenai.ChatCompletionResponse) (*llm.ChatResponse, error) {
	if len(resp.Choices) == 0 {
		return nil, &llm.APIError{
			Provider: c.cfg.Name, StatusCode: 200, Kind: llm.ErrKindInvalidResponse,
			Message: "the response has no choices",
		}
	}
	choice := resp.Choices[0]
	msg := choice.Message
	out := &llm.ChatResponse{
		Content:      msg.Content,
		Reasoning:    msg.ReasoningContent,
		FinishReason: finishReason(choice.FinishReason),
		Usage:        fromWireUsage(&resp.Usage),
		Model:        resp.Model,
	}
	if out.Content == "" && msg.Refusal != "" {
		out.Content = msg.Refusal
	}
	for _, tc := range msg.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, llm.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	if msg.FunctionCall != nil && len(out.ToolCalls) == 0 { // legacy function_call replies
		out.ToolCalls = []llm.ToolCall{{Name: msg.FunctionCall.Name, Arguments: msg.FunctionCall.Arguments}}
	}
	return out, nil
}

func fromWireUsage(u *goopenai.Usage) llm.Usage {
	if u == nil {
		return llm.Usage{}
	}
	out := llm.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if d := u.CompletionTokensDetails; d != nil {
		out.ReasoningTokens = d.ReasoningTokens
	}
	// xAI counts reasoning outside completion_tokens (total = prompt +
	// completion + reasoning); OpenAI counts it inside. Normalise to
	// OpenAI's meaning so usage adds up the same for every provider.
	if out.ReasoningTokens > 0 && out.PromptTokens+out.CompletionTokens+out.ReasoningTokens == out.TotalTokens {
		out.CompletionTokens += out.ReasoningTokens
	}
	if d := u.PromptTokensDetails; d != nil {
		out.CachedInputTokens = d.CachedTokens
	}
	return out
}

// finishReason normalises the wire value; the legacy function_call counts
// as tool_calls.
func finishReason(r goopenai.FinishReason) string {
	switch r {
	case goopenai.FinishReasonFunctionCall, goopenai.FinishReasonToolCalls:
		return llm.FinishToolCalls
	case goopenai.FinishReasonLength:
		return llm.FinishLength
	case goopenai.FinishReasonContentFilter:
		return llm.FinishContentFilter
	case goopenai.FinishReasonStop:
		return llm.FinishStop
	}
	return string(r)
}
