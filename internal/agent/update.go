package agent

import (
	"context"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// UpdateAgent applies p to the agent and returns it. Only the fields set in
// p change; list fields replace the whole set. When the base prompt, the
// blocks or the rules change, the system message is recompiled in place.
func (e *Engine) UpdateAgent(ctx context.Context, agentID string, p UpdateAgentParams) (*letta.Agent, error) {
	if p.ToolRules != nil {
		for i, r := range *p.ToolRules {
			if err := r.Validate(); err != nil {
				return nil, &ValidationError{Field: fmt.Sprintf("tool_rules[%d]", i), Message: err.Error()}
			}
		}
	}
	var updated *letta.Agent
	err := e.cfg.Store.InTx(ctx, func(tx store.Store) error {
		a, err := store.Locked(ctx, tx, store.AgentRow, agentID, tx.GetAgent)
		if err != nil {
			return fmt.Errorf("load agent %s: %w", agentID, err)
		}
		if err := e.applyUpdate(a, p); err != nil {
			return err
		}
		if p.MessageIDs != nil {
			if err := checkMessageIDs(ctx, tx, agentID, *p.MessageIDs); err != nil {
				return err
			}
		}
		if err := checkLinked(ctx, tx, p); err != nil {
			return err
		}
		if _, err := tx.UpdateAgent(ctx, a); err != nil {
			return fmt.Errorf("update agent %s: %w", agentID, err)
		}
		if p.ToolIDs != nil {
			if err := tx.SetAgentTools(ctx, agentID, *p.ToolIDs); err != nil {
				return fmt.Errorf("set tools: %w", err)
			}
		}
		if p.BlockIDs != nil {
			if err := tx.SetAgentBlocks(ctx, agentID, *p.BlockIDs); err != nil {
				return fmt.Errorf("set blocks: %w", err)
			}
		}
		if p.Tags != nil {
			if err := tx.SetAgentTags(ctx, agentID, *p.Tags); err != nil {
				return fmt.Errorf("set tags: %w", err)
			}
		}
		if p.IdentityIDs != nil {
			if err := tx.SetAgentIdentities(ctx, agentID, *p.IdentityIDs); err != nil {
				return fmt.Errorf("set identities: %w", err)
			}
		}
		if updated, err = tx.GetAgent(ctx, agentID); err != nil {
			return err
		}
		if label, dup := letta.DuplicateLabel(updated.Blocks); dup {
			return &ValidationError{Field: "block_ids", Message: fmt.Sprintf("two blocks are labelled %q; an agent's block labels must be unique", label)}
		}
		if p.System != nil || p.BlockIDs != nil || p.ToolRules != nil {
			if err := recompileSystem(ctx, tx, updated); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	updated.Normalize()
	return updated, nil
}

func (e *Engine) applyUpdate(a *letta.Agent, p UpdateAgentParams) error {
	if p.Name != nil {
		a.Name = *p.Name
	}
	if p.System != nil {
		a.System = *p.System
	}
	if p.Description != nil {
		a.Description = p.Description
	}
	if p.Metadata != nil {
		a.Metadata = p.Metadata
	}
	if p.Model != nil || p.LLMConfig != nil || p.ContextWindowLimit != nil {
		handle, explicit := p.Model, p.LLMConfig
		if handle == nil && explicit == nil {
			explicit = &a.LLMConfig
		}
		cfg, err := e.resolveLLM(handle, explicit, p.ContextWindowLimit, nil)
		if err != nil {
			return err
		}
		a.LLMConfig = cfg
	}
	if p.Embedding != nil || p.EmbeddingConfig != nil {
		cfg, err := e.resolveEmbedding(p.Embedding, p.EmbeddingConfig, nil)
		if err != nil {
			return err
		}
		a.EmbeddingConfig = cfg
	}
	if p.ToolRules != nil {
		a.ToolRules = *p.ToolRules
	}
	if p.MessageIDs != nil {
		a.MessageIDs = *p.MessageIDs
	}
	if p.MessageBufferAutoclear != nil {
		a.MessageBufferAutoclear = *p.MessageBufferAutoclear || a.AgentType == letta.AgentTypeWorkflow
	}
	if p.ToolExecEnvVars != nil {
		a.ToolExecEnvVars = nil
		for _, k := range sortedKeys(*p.ToolExecEnvVars) {
			a.ToolExecEnvVars = append(a.ToolExecEnvVars, letta.EnvVar{ID: letta.NewID("agent-env"), Key: k, Value: (*p.ToolExecEnvVars)[k], AgentID: a.ID})
		}
	}
	if p.ProjectID != nil {
		a.ProjectID = p.ProjectID
	}
	if p.Timezone != nil {
		a.Timezone = p.Timezone
	}
	if p.ActorID != "" {
		a.LastUpdatedByID = letta.Ptr(p.ActorID)
	}
	return nil
}

// recompileSystem rewrites the agent's system message (message_ids[0]) from
// its current state, keeping the message id.
func recompileSystem(ctx context.Context, tx store.Store, a *letta.Agent) error {
	if len(a.MessageIDs) == 0 {
		return nil
	}
	sys, err := tx.GetMessage(ctx, a.MessageIDs[0])
	if err != nil {
		return fmt.Errorf("load system message: %w", err)
	}
	total, err := tx.CountMessages(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("count messages: %w", err)
	}
	archival, err := archivalCount(ctx, tx, a.ID)
	if err != nil {
		return err
	}
	sys.Content = []letta.Content{{Type: letta.ContentText, Text: compileFor(a, max(total-len(a.MessageIDs), 0), archival, letta.Now())}}
	if err := tx.UpdateMessage(ctx, sys); err != nil {
		return fmt.Errorf("update system message: %w", err)
	}
	return nil
}

// checkMessageIDs refuses an in-context list the agent could not run on:
// empty, repeating a message, naming one that is not this agent's, or not
// starting with a system message. (Letta took any list: the agent's next
// turn then failed, or showed the model another agent's messages.)
func checkMessageIDs(ctx context.Context, tx store.Store, agentID string, ids []string) error {
	invalid := func(format string, args ...any) error {
		return &ValidationError{Field: "message_ids", Message: fmt.Sprintf(format, args...)}
	}
	if len(ids) == 0 {
		return invalid("must not be empty: the first in-context message is the agent's system message")
	}
	msgs, err := tx.GetMessages(ctx, ids)
	if err != nil {
		return fmt.Errorf("check message_ids: %w", err)
	}
	own := make(map[string]*letta.Message, len(msgs))
	for _, m := range msgs {
		if m.AgentID == agentID {
			own[m.ID] = m
		}
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if own[id] == nil {
			return invalid("%s is not a message of agent %s", id, agentID)
		}
		if seen[id] {
			return invalid("%s appears twice", id)
		}
		seen[id] = true
	}
	if own[ids[0]].Role != letta.RoleSystem {
		return invalid("must start with the agent's system message, not %s (a %s message)", ids[0], own[ids[0]].Role)
	}
	return nil
}

// checkLinked answers a 404 naming the first tool, block or identity the
// update links that does not exist (the store would only say that a
// foreign key failed).
func checkLinked(ctx context.Context, tx store.Store, p UpdateAgentParams) error {
	lookups := []struct {
		resource string
		ids      *[]string
		get      func(string) error
	}{
		{"Tool", p.ToolIDs, func(id string) error { _, err := tx.GetTool(ctx, id); return err }},
		{"Block", p.BlockIDs, func(id string) error { _, err := tx.GetBlock(ctx, id); return err }},
		{"Identity", p.IdentityIDs, func(id string) error { _, err := tx.GetIdentity(ctx, id); return err }},
	}
	for _, l := range lookups {
		if l.ids == nil {
			continue
		}
		for _, id := range *l.ids {
			if err := l.get(id); err != nil {
				return missing(err, l.resource, id)
			}
		}
	}
	return nil
}
