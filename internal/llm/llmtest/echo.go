package llmtest

import (
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// defaultReply is the answer when nothing is scripted: echo the last user
// message, through send_message when the request offers it.
func defaultReply(req ChatRequest) Reply {
	text := "Echo: " + lastUserText(req.Messages)
	for _, t := range req.Tools {
		if t.Function.Name != "send_message" {
			continue
		}
		args := map[string]any{"message": text}
		fillRequired(args, t.Function.Parameters)
		b, _ := json.Marshal(args)
		return Call("send_message", string(b))
	}
	return Text(text)
}

// fillRequired gives every required parameter besides message a plain
// value: request_heartbeat false, thinking or inner_thoughts a short text.
func fillRequired(args map[string]any, schema map[string]any) {
	props, _ := schema["properties"].(map[string]any)
	required, _ := schema["required"].([]any)
	for _, r := range required {
		name, _ := r.(string)
		if _, done := args[name]; done || name == "" {
			continue
		}
		prop, _ := props[name].(map[string]any)
		switch prop["type"] {
		case "boolean":
			args[name] = false
		case "integer", "number":
			args[name] = 0
		case "array":
			args[name] = []any{}
		case "object":
			args[name] = map[string]any{}
		default:
			args[name] = "Replying to the user."
		}
	}
}

// lastUserText is the text of the last user message. Letta's older loops
// wrap user input as {"type": "user_message", "message": ...}; the inner
// message is used then.
func lastUserText(msgs []ChatMessage) string {
	for _, m := range slices.Backward(msgs) {
		if m.Role != "user" {
			continue
		}
		text := string(m.Content)
		var packed struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		}
		if json.Unmarshal([]byte(text), &packed) == nil && packed.Type == "user_message" {
			return packed.Message
		}
		return text
	}
	return ""
}

// estimateUsage counts four characters per token (at least one): the prompt
// is every message's text plus the arguments of its tool calls; the
// completion is the answer's text, reasoning and tool calls.
func estimateUsage(req ChatRequest, a answer) usageBody {
	prompt := 0
	for _, m := range req.Messages {
		prompt += utf8.RuneCountInString(string(m.Content))
		for _, c := range m.ToolCalls {
			if c.Function.Arguments != nil {
				prompt += utf8.RuneCountInString(*c.Function.Arguments)
			}
		}
	}
	completion := utf8.RuneCountInString(a.content)
	for _, c := range a.calls {
		completion += len(c.Name) + utf8.RuneCountInString(c.Arguments)
	}
	reasoning := utf8.RuneCountInString(a.reasoning) / 4
	u := usageBody{PromptTokens: max(prompt/4, 1), CompletionTokens: max(completion/4, 1) + reasoning}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	u.CompletionTokensDetails.ReasoningTokens = reasoning
	return u
}
