package anthropic

import (
	"encoding/json"
	"strings"

	"github.com/letta-server/letta-server/internal/llm"
)

// wireRequest is the body of POST /v1/messages.
type wireRequest struct {
	Model       string        `json:"model"`
	MaxTokens   int           `json:"max_tokens"`
	System      string        `json:"system,omitempty"`
	Messages    []wireMessage `json:"messages"`
	Tools       []wireTool    `json:"tools,omitempty"`
	ToolChoice  *toolChoice   `json:"tool_choice,omitempty"`
	Temperature *float64      `json:"temperature,omitempty"`
	Thinking    *thinking     `json:"thinking,omitempty"`
	Stream      bool          `json:"stream,omitempty"`
}

type wireMessage struct {
	Role    string  `json:"role"`
	Content []block `json:"content"`
}

// block is one content block, in requests and responses.
type block struct {
	Type string `json:"type"`
	// text
	Text string `json:"text,omitempty"`
	// thinking
	Thinking  string `json:"thinking,omitempty"`
	Signature string `json:"signature,omitempty"`
	// tool_use
	ID    string          `json:"id,omitempty"`
	Name  string          `json:"name,omitempty"`
	Input json.RawMessage `json:"input,omitempty"`
	// tool_result
	ToolUseID string `json:"tool_use_id,omitempty"`
	Content   string `json:"content,omitempty"`
	// image
	Source *imageSource `json:"source,omitempty"`
}

type wireTool struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	InputSchema map[string]any `json:"input_schema"`
}

type toolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

type thinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens"`
}

// thinkingBudgets maps a reasoning effort to a thinking budget.
var thinkingBudgets = map[string]int{"minimal": 1024, "low": 1024, "medium": 4096, "high": 16384}

// toWireRequest maps a provider-neutral request to a Messages body. System
// messages become the top-level system text; tool results become
// tool_result blocks of a user turn; consecutive turns of one role are
// merged (the API wants them alternating); an assistant turn replays its
// thinking (with signature), text and tool_use blocks in that order.
func toWireRequest(req llm.ChatRequest) (wireRequest, error) {
	w := wireRequest{Model: req.Model, MaxTokens: req.MaxTokens, Temperature: req.Temperature, Messages: []wireMessage{}}
	if w.MaxTokens <= 0 {
		w.MaxTokens = DefaultMaxTokens
	}
	var system []string
	for _, m := range req.Messages {
		var role string
		var blocks []block
		switch m.Role {
		case llm.RoleSystem:
			system = append(system, m.Content)
			continue
		case llm.RoleTool:
			role = "user"
			blocks = []block{{Type: "tool_result", ToolUseID: m.ToolCallID, Content: nonEmpty(m.Content)}}
		case llm.RoleAssistant:
			role = "assistant"
			if m.Reasoning != "" && m.ReasoningSignature != "" {
				blocks = append(blocks, block{Type: "thinking", Thinking: m.Reasoning, Signature: m.ReasoningSignature})
			}
			if strings.TrimSpace(m.Content) != "" {
				blocks = append(blocks, block{Type: "text", Text: m.Content})
			}
			for _, c := range m.ToolCalls {
				blocks = append(blocks, block{Type: "tool_use", ID: c.ID, Name: c.Name, Input: inputObject(c.Arguments)})
			}
		default:
			role = "user"
			blocks = []block{{Type: "text", Text: nonEmpty(m.Content)}}
			if m.HasImages() {
				userBlocks, err := partBlocks(m.Parts)
				if err != nil {
					return wireRequest{}, err
				}
				blocks = userBlocks
			}
		}
		if len(blocks) == 0 {
			continue
		}
		if n := len(w.Messages); n > 0 && w.Messages[n-1].Role == role {
			w.Messages[n-1].Content = append(w.Messages[n-1].Content, blocks...)
			continue
		}
		w.Messages = append(w.Messages, wireMessage{Role: role, Content: blocks})
	}
	w.System = strings.Join(system, "\n\n")
	for _, t := range req.Tools {
		schema := t.Parameters
		if schema == nil {
			schema = map[string]any{"type": "object", "properties": map[string]any{}}
		}
		w.Tools = append(w.Tools, wireTool{Name: t.Name, Description: t.Description, InputSchema: schema})
	}
	if len(w.Tools) > 0 {
		w.ToolChoice = wireToolChoice(req.ToolChoice, req.ParallelToolCalls)
	}
	forced := w.ToolChoice != nil && (w.ToolChoice.Type == "any" || w.ToolChoice.Type == "tool")
	// The API refuses thinking together with a forced tool choice.
	if budget := thinkingBudgets[req.ReasoningEffort]; budget > 0 && !forced {
		w.Thinking = &thinking{Type: "enabled", BudgetTokens: budget}
		w.Temperature = nil // thinking requires the default temperature
		if w.MaxTokens <= budget {
			w.MaxTokens = budget + DefaultMaxTokens
		}
	}
	return w, nil
}

func wireToolChoice(choice string, parallel *bool) *toolChoice {
	tc := &toolChoice{Type: "auto"}
	switch choice {
	case "", llm.ToolChoiceAuto:
	case llm.ToolChoiceRequired:
		tc.Type = "any"
	case llm.ToolChoiceNone:
		return &toolChoice{Type: "none"}
	default:
		tc.Type, tc.Name = "tool", choice
	}
	tc.DisableParallelToolUse = parallel != nil && !*parallel
	return tc
}

// inputObject turns a call's arguments (a JSON string) into the object the
// API wants; anything that is not a JSON object is sent as {}.
func inputObject(args string) json.RawMessage {
	trimmed := strings.TrimSpace(args)
	var obj map[string]json.RawMessage
	if trimmed == "" || json.Unmarshal([]byte(trimmed), &obj) != nil || obj == nil {
		return json.RawMessage(`{}`)
	}
	return json.RawMessage(trimmed)
}

// nonEmpty: the API rejects empty text blocks.
func nonEmpty(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(empty)"
	}
	return s
}
