package agent

import (
	"context"
	"fmt"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
)

// RunSourceParams is ToolRunFromSource: a tool tried out without storing it.
type RunSourceParams struct {
	SourceCode string
	SourceType string // "" = python
	Args       map[string]any
	EnvVars    map[string]string
	Name       *string        // the function to call; "" = the derived name
	JSONSchema map[string]any // optional, as for CreateTool
}

// RunToolFromSource derives the tool from source and runs it once in the
// sandbox with args. The result is a tool_return_message whose tool_return
// is the raw result (not the packaged JSON the model reads). Errors:
// *ValidationError for bad source or arguments.
func (e *Engine) RunToolFromSource(ctx context.Context, p RunSourceParams) (letta.LettaMessage, error) {
	if strings.TrimSpace(p.SourceCode) == "" {
		return letta.LettaMessage{}, &ValidationError{Field: "source_code", Message: "Field required"}
	}
	srcType := p.SourceType
	if srcType == "" {
		srcType = "python"
	}
	if srcType != "python" {
		return letta.LettaMessage{}, &ValidationError{Field: "source_type", Message: fmt.Sprintf("only python tools can be run here, not %q", srcType)}
	}
	schema, err := e.deriveSchema(ctx, p.SourceCode, srcType, p.JSONSchema)
	if err != nil {
		return letta.LettaMessage{}, err
	}
	name := schema.Name
	if p.Name != nil && *p.Name != "" {
		name = *p.Name
	}
	callCtx, cancel := context.WithTimeout(ctx, toolCallTimeout)
	defer cancel()
	res := e.runSource(callCtx, p.SourceCode, name, declaredArgs(schema.JSONSchema, p.Args), p.EnvVars)
	return toolReturnMessage(name, res), nil
}

// ToolExecutionResult is the outcome of running an agent's tool directly
// (POST /v1/agents/{id}/tools/{name}/run).
type ToolExecutionResult struct {
	Status     string   `json:"status"` // success | error
	FuncReturn any      `json:"func_return"`
	Stdout     []string `json:"stdout"`
	Stderr     []string `json:"stderr"`
	AgentState any      `json:"agent_state"`
}

// RunAgentTool runs the agent's attached custom tool name with args, with
// the agent's tool environment variables, outside any turn. Errors:
// store.ErrNotFound for the agent, *ValidationError for a tool that is not
// attached or not a custom tool.
func (e *Engine) RunAgentTool(ctx context.Context, agentID, name string, args map[string]any) (*ToolExecutionResult, error) {
	a, err := e.cfg.Store.GetAgent(ctx, agentID)
	if err != nil {
		return nil, fmt.Errorf("load agent %s: %w", agentID, err)
	}
	tool := findTool(a, name)
	if tool == nil {
		return nil, &ValidationError{Field: "tool_name", Message: fmt.Sprintf("tool %s is not attached to agent %s", name, agentID)}
	}
	if !isSandboxed(tool) {
		return nil, &ValidationError{Field: "tool_name", Message: fmt.Sprintf("%s is a built-in tool; only custom tools can be run directly", name)}
	}
	callCtx, cancel := context.WithTimeout(ctx, toolCallTimeout)
	defer cancel()
	res := e.runCustom(callCtx, a, tool, args)
	out := &ToolExecutionResult{Status: returnSuccess, FuncReturn: res.message, Stdout: orNone(res.stdout), Stderr: orNone(res.stderr)}
	if !res.ok {
		out.Status = returnError
	}
	return out, nil
}

// toolReturnMessage renders a direct run's result.
func toolReturnMessage(name string, res toolResult) letta.LettaMessage {
	status := returnSuccess
	if !res.ok {
		status = returnError
	}
	text := resultText(res.message)
	id := letta.NewID(letta.PrefixMessage)
	callID := newToolCallID()
	return letta.LettaMessage{
		ID: id, Date: letta.MessageDate(letta.Now()), Name: letta.Ptr(name), MessageType: letta.MsgToolReturn,
		Otid: letta.DeriveOtid(id, 0), ToolReturn: text, Status: status, ToolCallID: callID,
		Stdout: orNone(res.stdout), Stderr: orNone(res.stderr),
		ToolReturns: []letta.LettaToolReturn{{Type: "tool", ToolReturn: text, Status: status, ToolCallID: callID, Stdout: orNone(res.stdout), Stderr: orNone(res.stderr)}},
	}
}
