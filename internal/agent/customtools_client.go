package agent

import (
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// Client-side tools (Mar-2026 client_tools): the request carries their
// schemas; they are offered to the model next to the agent's tools, and a
// call to one is stored as an approval request that stops the turn. The
// client runs the tool and answers with its result (a tool_return item, or
// an approvals entry of type "tool"); the loop packages that result like
// any tool return and goes on. Tool rules apply to them as to any tool.

// toolTypeClient marks the per-request stand-in of a client-side tool. It
// is never stored.
const toolTypeClient = "client"

// toolCallTimeout bounds one sandboxed call beyond the sandbox's own timeout.
const toolCallTimeout = 15 * time.Minute

// addClientTools appends a stand-in tool for every client tool whose name
// no attached tool has, and for every call the client answered (a
// tool_return request need not repeat client_tools).
func (t *turn) addClientTools() {
	add := func(name, desc string, params map[string]any) {
		if name == "" || findTool(t.agent, name) != nil {
			return
		}
		schema := map[string]any{"name": name, "description": desc, "parameters": params}
		if params == nil {
			schema["parameters"] = map[string]any{"type": "object", "properties": map[string]any{}, "required": []any{}}
		}
		t.agent.Tools = append(t.agent.Tools, letta.Tool{
			ToolType: toolTypeClient, Name: name, Description: letta.Ptr(desc), JSONSchema: schema,
			ReturnCharLimit: letta.DefaultReturnCharLimit,
		})
	}
	for _, c := range t.p.ClientTools {
		add(c.Name, c.Description, c.Parameters)
	}
	if t.request != nil {
		for _, c := range t.request.ToolCalls {
			if _, ok := t.clientReturns[c.ID]; ok {
				add(c.Function.Name, "", nil)
			}
		}
	}
}

// isClientTool reports whether calls of tool are run by the client.
func isClientTool(tool *letta.Tool) bool {
	return tool != nil && tool.ToolType == toolTypeClient
}

// clientResult is a client's tool return as a tool result.
func clientResult(r *ToolReturnInput) toolResult {
	return toolResult{ok: r.Status != returnError, message: returnText(r.Return), stdout: r.Stdout, stderr: r.Stderr}
}

// returnText is a client's tool_return as text: a string as is, content
// parts joined by their text.
func returnText(v any) any {
	parts, ok := v.([]any)
	if !ok {
		return v
	}
	var b strings.Builder
	for _, p := range parts {
		if m, ok := p.(map[string]any); ok {
			if s, ok := m["text"].(string); ok {
				b.WriteString(s)
			}
		}
	}
	return b.String()
}
