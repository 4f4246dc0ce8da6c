package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// ErrToolNotAttached: the agent has no tool of that name (404).
var ErrToolNotAttached = errors.New("tool is not attached to the agent")

// SetToolApproval adds (requires) or removes the agent's requires_approval
// rule for its attached tool name and returns the agent. Errors:
// store.ErrNotFound for the agent, ErrToolNotAttached.
func (e *Engine) SetToolApproval(ctx context.Context, agentID, toolName string, requires bool) (*letta.Agent, error) {
	var out *letta.Agent
	err := e.cfg.Store.InTx(ctx, func(tx store.Store) error {
		a, err := store.Locked(ctx, tx, store.AgentRow, agentID, tx.GetAgent)
		if err != nil {
			return err
		}
		if findTool(a, toolName) == nil {
			return ErrToolNotAttached
		}
		isRule := func(r letta.ToolRule) bool { return r.Type == letta.RuleRequiresApproval && r.ToolName == toolName }
		has := slices.ContainsFunc(a.ToolRules, isRule)
		switch {
		case requires && !has:
			a.ToolRules = append(a.ToolRules, letta.ToolRule{Type: letta.RuleRequiresApproval, ToolName: toolName})
		case !requires && has:
			a.ToolRules = slices.DeleteFunc(a.ToolRules, isRule)
		default:
			out = a
			return nil
		}
		out, err = tx.UpdateAgent(ctx, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set approval of %s on agent %s: %w", toolName, agentID, err)
	}
	return out, nil
}

// UpsertBaseTools (re)creates every built-in tool missing by name and
// returns all of them, in Letta's order.
func (e *Engine) UpsertBaseTools(ctx context.Context) ([]*letta.Tool, error) {
	e.baseToolsMu.Lock()
	e.baseToolsReady = false // check again: one may have been deleted
	e.baseToolsMu.Unlock()
	if err := e.EnsureBaseTools(ctx); err != nil {
		return nil, err
	}
	out := make([]*letta.Tool, 0, len(baseToolSpecs))
	for _, spec := range baseToolSpecs {
		t, err := e.cfg.Store.GetToolByName(ctx, spec.Name)
		if err != nil {
			return nil, fmt.Errorf("load base tool %s: %w", spec.Name, err)
		}
		out = append(out, t)
	}
	return out, nil
}
