package api

import (
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
)

// createAgentRequest is CreateAgentRequest (both eras' fields that this
// server acts on; others are accepted and ignored).
type createAgentRequest struct {
	Name                   *string                `json:"name"`
	AgentType              string                 `json:"agent_type"`
	System                 *string                `json:"system"`
	Description            *string                `json:"description"`
	Metadata               map[string]any         `json:"metadata"`
	Model                  *string                `json:"model"`
	Embedding              *string                `json:"embedding"`
	LLMConfig              *letta.LLMConfig       `json:"llm_config"`
	EmbeddingConfig        *letta.EmbeddingConfig `json:"embedding_config"`
	ContextWindowLimit     *int                   `json:"context_window_limit"`
	EmbeddingChunkSize     *int                   `json:"embedding_chunk_size"`
	MaxTokens              *int                   `json:"max_tokens"`
	MemoryBlocks           []createBlockRequest   `json:"memory_blocks"`
	BlockIDs               []string               `json:"block_ids"`
	Tools                  []string               `json:"tools"`
	ToolIDs                []string               `json:"tool_ids"`
	ToolRules              []letta.ToolRule       `json:"tool_rules"`
	Tags                   []string               `json:"tags"`
	IdentityIDs            []string               `json:"identity_ids"`
	IncludeBaseTools       *bool                  `json:"include_base_tools"`
	IncludeBaseToolRules   *bool                  `json:"include_base_tool_rules"`
	InitialMessageSequence []messageCreate        `json:"initial_message_sequence"`
	MessageBufferAutoclear bool                   `json:"message_buffer_autoclear"`
	ToolExecEnvVars        map[string]string      `json:"tool_exec_environment_variables"`
	Secrets                map[string]string      `json:"secrets"`
	ProjectID              *string                `json:"project_id"`
	Timezone               *string                `json:"timezone"`
}

// validate reports every malformed field at once, then the first block
// whose value is over its limit (Letta's "Edit failed" text, a 400).
func (c createAgentRequest) validate() error {
	var fe fieldErrors
	if c.AgentType != "" && !letta.AgentType(c.AgentType).Known() {
		fe.add(fmt.Sprintf("Unknown agent_type %q", c.AgentType), "body", "agent_type")
	}
	for _, n := range []struct {
		name string
		v    *int
	}{{"context_window_limit", c.ContextWindowLimit}, {"embedding_chunk_size", c.EmbeddingChunkSize}, {"max_tokens", c.MaxTokens}} {
		if n.v != nil && *n.v < 1 {
			fe.add("Input should be greater than or equal to 1", "body", n.name)
		}
	}
	for i, b := range c.MemoryBlocks {
		b.validate(&fe, "body", "memory_blocks", i)
	}
	for i, r := range c.ToolRules {
		if err := r.Validate(); err != nil {
			fe.add(err.Error(), "body", "tool_rules", i)
		}
	}
	for i, m := range c.InitialMessageSequence {
		m.validate(&fe, "body", "initial_message_sequence", i)
	}
	if err := fe.err(); err != nil {
		return err
	}
	for _, b := range c.MemoryBlocks {
		if err := letta.CheckLimit(letta.Deref(b.Value), b.limit()); err != nil {
			return err
		}
	}
	return nil
}

// params converts the request for the engine.
func (c createAgentRequest) params(actor string) agent.CreateAgentParams {
	p := agent.CreateAgentParams{
		Name:                   c.Name,
		AgentType:              letta.AgentType(c.AgentType),
		System:                 c.System,
		Description:            c.Description,
		Metadata:               c.Metadata,
		Model:                  c.Model,
		Embedding:              c.Embedding,
		LLMConfig:              c.LLMConfig,
		EmbeddingConfig:        c.EmbeddingConfig,
		ContextWindowLimit:     c.ContextWindowLimit,
		EmbeddingChunkSize:     c.EmbeddingChunkSize,
		MaxTokens:              c.MaxTokens,
		BlockIDs:               c.BlockIDs,
		Tools:                  c.Tools,
		ToolIDs:                c.ToolIDs,
		ToolRules:              c.ToolRules,
		Tags:                   c.Tags,
		IdentityIDs:            c.IdentityIDs,
		IncludeBaseTools:       c.IncludeBaseTools,
		IncludeBaseToolRules:   c.IncludeBaseToolRules,
		MessageBufferAutoclear: c.MessageBufferAutoclear,
		ToolExecEnvVars:        mergeEnv(c.ToolExecEnvVars, c.Secrets),
		ProjectID:              c.ProjectID,
		Timezone:               c.Timezone,
		ActorID:                actor,
	}
	for _, b := range c.MemoryBlocks {
		p.MemoryBlocks = append(p.MemoryBlocks, b.params())
	}
	if c.InitialMessageSequence != nil {
		p.InitialMessageSequence = []agent.MessageInput{}
		for _, m := range c.InitialMessageSequence {
			p.InitialMessageSequence = append(p.InitialMessageSequence, m.input())
		}
	}
	return p
}

// mergeEnv joins tool_exec_environment_variables and its Mar-2026 alias
// secrets (secrets wins on a clash); nil when neither was sent.
func mergeEnv(a, b map[string]string) map[string]string {
	if a == nil && b == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// updateAgentRequest is UpdateAgent. Only the fields sent change; null is
// treated as absent, except "metadata": null, which clears the metadata.
type updateAgentRequest struct {
	Name                   *string                `json:"name"`
	System                 *string                `json:"system"`
	Description            *string                `json:"description"`
	Metadata               nullableMap            `json:"metadata"`
	Model                  *string                `json:"model"`
	Embedding              *string                `json:"embedding"`
	LLMConfig              *letta.LLMConfig       `json:"llm_config"`
	EmbeddingConfig        *letta.EmbeddingConfig `json:"embedding_config"`
	ContextWindowLimit     *int                   `json:"context_window_limit"`
	ToolIDs                *[]string              `json:"tool_ids"`
	BlockIDs               *[]string              `json:"block_ids"`
	Tags                   *[]string              `json:"tags"`
	IdentityIDs            *[]string              `json:"identity_ids"`
	ToolRules              *[]letta.ToolRule      `json:"tool_rules"`
	MessageIDs             *[]string              `json:"message_ids"`
	MessageBufferAutoclear *bool                  `json:"message_buffer_autoclear"`
	ToolExecEnvVars        *map[string]string     `json:"tool_exec_environment_variables"`
	Secrets                *map[string]string     `json:"secrets"`
	ProjectID              *string                `json:"project_id"`
	Timezone               *string                `json:"timezone"`
}

// nullableMap is a JSON object field that tells an explicit null (set, and
// cleared to {}) from an absent field (not set).
type nullableMap struct {
	m   map[string]any
	set bool
}

// UnmarshalJSON keeps the object; null gives an empty map.
func (n *nullableMap) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m == nil {
		m = map[string]any{}
	}
	*n = nullableMap{m: m, set: true}
	return nil
}

// validate reports malformed fields.
func (u updateAgentRequest) validate() error {
	var fe fieldErrors
	if u.Name != nil && *u.Name == "" {
		fe.add("String should have at least 1 character", "body", "name")
	}
	if u.ContextWindowLimit != nil && *u.ContextWindowLimit < 1 {
		fe.add("Input should be greater than or equal to 1", "body", "context_window_limit")
	}
	if u.ToolRules != nil {
		for i, r := range *u.ToolRules {
			if err := r.Validate(); err != nil {
				fe.add(err.Error(), "body", "tool_rules", i)
			}
		}
	}
	return fe.err()
}

// params converts the request for the engine.
func (u updateAgentRequest) params(actor string) agent.UpdateAgentParams {
	p := agent.UpdateAgentParams{
		Name:                   u.Name,
		System:                 u.System,
		Description:            u.Description,
		Model:                  u.Model,
		Embedding:              u.Embedding,
		LLMConfig:              u.LLMConfig,
		EmbeddingConfig:        u.EmbeddingConfig,
		ContextWindowLimit:     u.ContextWindowLimit,
		ToolIDs:                u.ToolIDs,
		BlockIDs:               u.BlockIDs,
		Tags:                   u.Tags,
		IdentityIDs:            u.IdentityIDs,
		ToolRules:              u.ToolRules,
		MessageIDs:             u.MessageIDs,
		MessageBufferAutoclear: u.MessageBufferAutoclear,
		ProjectID:              u.ProjectID,
		Timezone:               u.Timezone,
		ActorID:                actor,
	}
	if u.Metadata.set {
		p.Metadata = u.Metadata.m
	}
	if u.ToolExecEnvVars != nil || u.Secrets != nil {
		var a, b map[string]string
		if u.ToolExecEnvVars != nil {
			a = *u.ToolExecEnvVars
		}
		if u.Secrets != nil {
			b = *u.Secrets
		}
		env := mergeEnv(a, b)
		if env == nil {
			env = map[string]string{}
		}
		p.ToolExecEnvVars = &env
	}
	return p
}
