package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/letta-server/letta-server/internal/agent/prompts"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/memory"
	"github.com/letta-server/letta-server/internal/store"
)

// CreateAgent creates an agent from p: resolves its model, creates its
// blocks, attaches its tools, writes its opening messages, all in one
// transaction. Bad input is a *ValidationError; an unknown block or tool id
// wraps store.ErrNotFound.
func (e *Engine) CreateAgent(ctx context.Context, p CreateAgentParams) (*letta.Agent, error) {
	agentType := p.AgentType
	if agentType == "" {
		agentType = e.cfg.DefaultAgentType
	}
	if !agentType.Known() {
		return nil, &ValidationError{Field: "agent_type", Message: fmt.Sprintf("unknown agent type %q", agentType)}
	}
	llmCfg, err := e.resolveLLM(p.Model, p.LLMConfig, p.ContextWindowLimit, p.MaxTokens)
	if err != nil {
		return nil, err
	}
	embCfg, err := e.resolveEmbedding(p.Embedding, p.EmbeddingConfig, p.EmbeddingChunkSize)
	if err != nil {
		return nil, err
	}
	for i, r := range p.ToolRules {
		if err := r.Validate(); err != nil {
			return nil, &ValidationError{Field: fmt.Sprintf("tool_rules[%d]", i), Message: err.Error()}
		}
	}
	now := letta.Now()
	blocks, err := newBlocks(p.MemoryBlocks, p.ActorID, now)
	if err != nil {
		return nil, err
	}
	if err := e.EnsureBaseTools(ctx); err != nil {
		return nil, err
	}

	a := &letta.Agent{
		ID:                     letta.NewID(letta.PrefixAgent),
		Name:                   letta.Deref(p.Name),
		AgentType:              agentType,
		System:                 letta.Deref(p.System),
		Description:            p.Description,
		Metadata:               p.Metadata,
		LLMConfig:              llmCfg,
		EmbeddingConfig:        embCfg,
		Tags:                   p.Tags,
		MessageBufferAutoclear: p.MessageBufferAutoclear || agentType == letta.AgentTypeWorkflow,
		ProjectID:              p.ProjectID,
		Timezone:               p.Timezone,
		CreatedAt:              now,
		UpdatedAt:              now,
	}
	if a.Name == "" {
		a.Name = randomName()
	}
	if p.System == nil {
		a.System = prompts.For(agentType)
	}
	if a.Timezone == nil {
		a.Timezone = letta.Ptr("UTC")
	}
	if p.ActorID != "" {
		a.CreatedByID, a.LastUpdatedByID = letta.Ptr(p.ActorID), letta.Ptr(p.ActorID)
	}
	for _, k := range sortedKeys(p.ToolExecEnvVars) {
		a.ToolExecEnvVars = append(a.ToolExecEnvVars, letta.EnvVar{ID: letta.NewID("agent-env"), Key: k, Value: p.ToolExecEnvVars[k], AgentID: a.ID})
	}

	var created *letta.Agent
	err = e.cfg.Store.InTx(ctx, func(tx store.Store) error {
		toolIDs, toolNames, err := e.agentTools(ctx, tx, agentType, p)
		if err != nil {
			return err
		}
		a.ToolRules = withBaseToolRules(p.ToolRules, toolNames, includeBaseToolRules(p.IncludeBaseToolRules, agentType))
		blockIDs := make([]string, 0, len(blocks)+len(p.BlockIDs))
		for _, b := range blocks {
			if err := tx.CreateBlock(ctx, b); err != nil {
				return fmt.Errorf("create block %s: %w", b.Label, err)
			}
			blockIDs = append(blockIDs, b.ID)
		}
		for _, id := range p.BlockIDs {
			if _, err := tx.GetBlock(ctx, id); err != nil {
				return missing(err, "Block", id)
			}
			if !slices.Contains(blockIDs, id) {
				blockIDs = append(blockIDs, id)
			}
		}
		for _, id := range p.IdentityIDs {
			if _, err := tx.GetIdentity(ctx, id); err != nil {
				return missing(err, "Identity", id)
			}
		}
		if _, err := tx.CreateAgent(ctx, store.CreateAgentParams{Agent: *a, BlockIDs: blockIDs, ToolIDs: toolIDs, Tags: p.Tags, IdentityIDs: p.IdentityIDs}); err != nil {
			return fmt.Errorf("create agent: %w", err)
		}
		stored, err := tx.GetAgent(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("load new agent: %w", err)
		}
		if label, dup := letta.DuplicateLabel(stored.Blocks); dup {
			return &ValidationError{Field: "memory_blocks", Message: fmt.Sprintf("two blocks are labelled %q; an agent's block labels must be unique", label)}
		}
		msgs, err := openingMessages(stored, p.InitialMessageSequence, now)
		if err != nil {
			return err
		}
		if err := tx.CreateMessages(ctx, msgs); err != nil {
			return fmt.Errorf("create opening messages: %w", err)
		}
		ids := make([]string, len(msgs))
		for i, m := range msgs {
			ids[i] = m.ID
		}
		if err := tx.SetAgentMessageIDs(ctx, a.ID, ids); err != nil {
			return fmt.Errorf("set opening messages: %w", err)
		}
		created, err = tx.GetAgent(ctx, a.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	created.Normalize()
	return created, nil
}

// resolveLLM picks the model config: an explicit llm_config, else the
// handle (or the server default), then applies the caller's limits.
func (e *Engine) resolveLLM(handle *string, explicit *letta.LLMConfig, windowLimit, maxTokens *int) (letta.LLMConfig, error) {
	var cfg letta.LLMConfig
	switch {
	case explicit != nil && explicit.Model != "":
		// A full llm_config wins over the handle, as in Letta (the handle
		// is resolved only when no llm_config is given).
		cfg = *explicit
		if err := e.checkExplicitLLM(cfg); err != nil {
			return cfg, err
		}
	case handle != nil && *handle != "":
		c, err := e.cfg.Models.ResolveLLM(*handle)
		if err != nil {
			if errors.Is(err, llm.ErrUnknownModel) {
				return cfg, &ValidationError{Field: "model", Message: err.Error()}
			}
			return cfg, fmt.Errorf("resolve model %s: %w", *handle, err)
		}
		cfg = c
	case explicit != nil:
		cfg = *explicit
		if err := e.checkExplicitLLM(cfg); err != nil {
			return cfg, err
		}
	case e.cfg.DefaultLLM != "":
		return e.resolveLLM(&e.cfg.DefaultLLM, nil, windowLimit, maxTokens)
	default:
		return cfg, &ValidationError{Field: "model", Message: "a model handle (e.g. \"openai/gpt-4o-mini\") or llm_config is required"}
	}
	if windowLimit != nil {
		if *windowLimit <= 0 {
			return cfg, &ValidationError{Field: "context_window_limit", Message: "must be positive"}
		}
		if cfg.ContextWindow == 0 || *windowLimit < cfg.ContextWindow {
			cfg.ContextWindow = *windowLimit
		}
	}
	if maxTokens != nil {
		cfg.MaxTokens = letta.Ptr(*maxTokens)
	}
	return cfg, nil
}

// checkExplicitLLM rejects an llm_config the agent could not run with: as in
// Letta, model, model_endpoint_type and a positive context_window are
// required, and some enabled provider must serve it.
func (e *Engine) checkExplicitLLM(cfg letta.LLMConfig) error {
	switch {
	case cfg.Model == "":
		return &ValidationError{Field: "llm_config.model", Message: "field required"}
	case cfg.ModelEndpointType == "":
		return &ValidationError{Field: "llm_config.model_endpoint_type", Message: "field required"}
	case cfg.ContextWindow <= 0:
		return &ValidationError{Field: "llm_config.context_window", Message: "must be a positive integer"}
	}
	if _, err := e.cfg.Models.Client(cfg); err != nil {
		return &ValidationError{Field: "llm_config", Message: err.Error()}
	}
	return nil
}

// maxEmbeddingDim is the largest vector a passage may hold (pgvector's
// limit for an indexed column is lower; the store handles that).
const maxEmbeddingDim = 16000

// checkExplicitEmbedding rejects an embedding_config the agent could not use:
// an embedding_model and a positive embedding_dim are required, and some
// enabled provider must serve it.
func (e *Engine) checkExplicitEmbedding(cfg letta.EmbeddingConfig) error {
	switch {
	case cfg.EmbeddingModel == "":
		return &ValidationError{Field: "embedding_config.embedding_model", Message: "field required"}
	case cfg.EmbeddingDim <= 0 || cfg.EmbeddingDim > maxEmbeddingDim:
		return &ValidationError{Field: "embedding_config.embedding_dim", Message: fmt.Sprintf("must be between 1 and %d", maxEmbeddingDim)}
	}
	if _, err := e.cfg.Models.Embedder(cfg); err != nil {
		return &ValidationError{Field: "embedding_config", Message: err.Error()}
	}
	return nil
}

// resolveEmbedding picks the embedding config; none is fine (no archival
// memory search).
func (e *Engine) resolveEmbedding(handle *string, explicit *letta.EmbeddingConfig, chunkSize *int) (*letta.EmbeddingConfig, error) {
	var cfg letta.EmbeddingConfig
	h := letta.Deref(handle)
	switch {
	case h != "" || (explicit == nil && e.cfg.DefaultEmbedding != ""):
		if h == "" {
			h = e.cfg.DefaultEmbedding
		}
		c, err := e.cfg.Models.ResolveEmbedding(h)
		if err != nil {
			if errors.Is(err, llm.ErrUnknownModel) {
				return nil, &ValidationError{Field: "embedding", Message: err.Error()}
			}
			return nil, fmt.Errorf("resolve embedding %s: %w", h, err)
		}
		cfg = c
	case explicit != nil:
		cfg = *explicit
		if err := e.checkExplicitEmbedding(cfg); err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	if chunkSize != nil {
		cfg.EmbeddingChunkSize = letta.Ptr(*chunkSize)
	} else if cfg.EmbeddingChunkSize == nil {
		cfg.EmbeddingChunkSize = letta.Ptr(300)
	}
	return &cfg, nil
}

func newBlocks(in []CreateBlockParams, actorID string, now time.Time) ([]*letta.Block, error) {
	out := make([]*letta.Block, 0, len(in))
	for i, p := range in {
		if p.Label == "" {
			return nil, &ValidationError{Field: fmt.Sprintf("memory_blocks[%d].label", i), Message: "label is required"}
		}
		limit := letta.DefaultLimitFor(p.Label)
		if p.Limit != nil {
			limit = *p.Limit
		}
		if err := letta.CheckLimit(p.Value, limit); err != nil {
			return nil, &ValidationError{Field: fmt.Sprintf("memory_blocks[%d].value", i), Message: err.Error()}
		}
		b := &letta.Block{
			ID:           letta.NewID(letta.PrefixBlock),
			Label:        p.Label,
			Value:        p.Value,
			Limit:        limit,
			Description:  p.Description,
			Metadata:     p.Metadata,
			ReadOnly:     p.ReadOnly,
			IsTemplate:   p.IsTemplate,
			TemplateName: p.Name,
			Name:         p.Name,
			ProjectID:    p.ProjectID,
			Tags:         p.Tags,
			CreatedAt:    now,
			UpdatedAt:    now,
		}
		if b.Metadata == nil {
			b.Metadata = map[string]any{}
		}
		if b.Tags == nil {
			b.Tags = []string{}
		}
		if actorID != "" {
			b.CreatedByID, b.LastUpdatedByID = letta.Ptr(actorID), letta.Ptr(actorID)
		}
		out = append(out, b)
	}
	return out, nil
}

// agentTools resolves the tools to attach: the agent type's base tools
// (unless include_base_tools is false), then the named tools, then the ids.
func (e *Engine) agentTools(ctx context.Context, tx store.Store, t letta.AgentType, p CreateAgentParams) (ids, names []string, err error) {
	add := func(tool *letta.Tool) {
		if !slices.Contains(ids, tool.ID) {
			ids = append(ids, tool.ID)
			names = append(names, tool.Name)
		}
	}
	var wanted []string
	if p.IncludeBaseTools == nil || *p.IncludeBaseTools {
		wanted = baseToolNames(t)
	}
	wanted = append(wanted, p.Tools...)
	for _, name := range wanted {
		tool, err := tx.GetToolByName(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, &ValidationError{Field: "tools", Message: fmt.Sprintf("tool %q does not exist", name)}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("tool %s: %w", name, err)
		}
		add(tool)
	}
	for _, id := range p.ToolIDs {
		tool, err := tx.GetTool(ctx, id)
		if err != nil {
			return nil, nil, missing(err, "Tool", id)
		}
		add(tool)
	}
	return ids, names, nil
}

// includeBaseToolRules applies Letta's default: on, except for letta_v1
// agents, which run without heartbeats.
func includeBaseToolRules(flag *bool, t letta.AgentType) bool {
	if flag != nil {
		return *flag
	}
	return t != letta.AgentTypeLettaV1
}

// withBaseToolRules appends, after the caller's rules, an exit_loop rule for
// each attached reply tool and a continue_loop rule for each other base tool.
func withBaseToolRules(rules []letta.ToolRule, toolNames []string, include bool) []letta.ToolRule {
	out := slices.Clone(rules)
	if out == nil {
		out = []letta.ToolRule{}
	}
	if !include {
		return out
	}
	for _, name := range toolNames {
		if !isBaseTool(name) {
			continue
		}
		typ := letta.RuleContinueLoop
		if name == toolSendMessage || name == toolMemoryFinishEdits {
			typ = letta.RuleExitLoop
		}
		if slices.ContainsFunc(out, func(r letta.ToolRule) bool { return r.ToolName == name && r.Type == typ }) {
			continue
		}
		out = append(out, letta.ToolRule{Type: typ, ToolName: name})
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// compileFor renders the agent's system prompt from its current state.
func compileFor(a *letta.Agent, previous, archival int, now time.Time) string {
	return memory.Compile(memory.CompileParams{
		System:           a.System,
		AgentType:        a.AgentType,
		AgentID:          a.ID,
		Blocks:           a.Blocks,
		ToolRules:        a.ToolRules,
		RecompiledAt:     now,
		Timezone:         letta.Deref(a.Timezone),
		PreviousMessages: previous,
		ArchivalMemories: archival,
	})
}
