package agent

import (
	"slices"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
)

// heartbeatParam is the request_heartbeat parameter added to the tools of
// memgpt-style agents at request time.
var heartbeatParam = map[string]any{
	"type":        "boolean",
	"description": "Request an immediate heartbeat after function execution. Set to `True` if you want to send a follow-up message or run a follow-up function.",
}

// usesHeartbeats reports whether the agent type runs the heartbeat loop
// (every type but letta_v1 and sleeptime agents).
func usesHeartbeats(t letta.AgentType) bool {
	return t != letta.AgentTypeLettaV1 && t != letta.AgentTypeSleeptime
}

// toLLMMessages converts in-context messages to chat messages.
func toLLMMessages(msgs []*letta.Message) []llm.Message {
	out := make([]llm.Message, 0, len(msgs))
	for _, m := range msgs {
		lm := llm.Message{Role: m.Role, Content: flattenText(m.Content)}
		switch m.Role {
		case letta.RoleApproval:
			if !m.IsApprovalRequest() {
				continue // the client's decision: its outcome is the tool return
			}
			lm.Role = llm.RoleAssistant // the model's call, as it made it
			for _, tc := range m.ToolCalls {
				lm.ToolCalls = append(lm.ToolCalls, llm.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
			}
		case letta.RoleAssistant:
			lm.Reasoning, lm.ReasoningSignature = nativeReasoning(m.Content)
			for _, tc := range m.ToolCalls {
				lm.ToolCalls = append(lm.ToolCalls, llm.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
			}
		case letta.RoleTool:
			lm.ToolCallID = letta.Deref(m.ToolCallID)
		case letta.RoleUser:
			lm.Name = letta.Deref(m.Name)
			lm.Parts = userParts(m.Content)
		case letta.RoleSystem:
		default:
			continue // other internal roles are not replayed
		}
		out = append(out, lm)
	}
	return out
}

// nativeReasoning returns the provider's own reasoning of a stored
// assistant message and its signature, which Anthropic and Gemini need
// back to continue a turn that thought before calling a tool.
func nativeReasoning(parts []letta.Content) (text, signature string) {
	for _, c := range parts {
		if c.Type == letta.ContentReasoning && c.IsNative {
			text += c.Reasoning
			if c.Signature != nil {
				signature = *c.Signature
			}
		}
	}
	return text, signature
}

// toolSchemas builds the offered tools, in the agent's attachment order,
// adding request_heartbeat (required, last) for memgpt-style agents except
// on tools that end the turn.
func toolSchemas(tools []letta.Tool, allowed []string, heartbeat bool, solver *ruleSolver) []llm.Tool {
	var out []llm.Tool
	for _, t := range tools {
		if !slices.Contains(allowed, t.Name) {
			continue
		}
		desc, _ := t.JSONSchema["description"].(string)
		if desc == "" {
			desc = letta.Deref(t.Description)
		}
		params := cloneSchema(t.JSONSchema["parameters"])
		if heartbeat && !solver.isTerminal(t.Name) {
			props, _ := params["properties"].(map[string]any)
			if props == nil {
				props = map[string]any{}
			}
			props["request_heartbeat"] = heartbeatParam
			params["properties"] = props
			req := toStrings(params["required"])
			if !slices.Contains(req, "request_heartbeat") {
				req = append(req, "request_heartbeat")
			}
			params["required"] = req
		}
		out = append(out, llm.Tool{Name: t.Name, Description: desc, Parameters: params})
	}
	return out
}

func cloneSchema(v any) map[string]any {
	m, _ := v.(map[string]any)
	out := map[string]any{"type": "object", "properties": map[string]any{}}
	for k, val := range m {
		out[k] = val
	}
	if p, ok := out["properties"].(map[string]any); ok {
		cp := make(map[string]any, len(p)+1)
		for k, val := range p {
			cp[k] = val
		}
		out["properties"] = cp
	}
	return out
}

func toStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return slices.Clone(x)
	case []any:
		out := make([]string, 0, len(x))
		for _, s := range x {
			if str, ok := s.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return []string{}
}
