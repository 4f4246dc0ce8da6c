package letta

import (
	"encoding/json"
	"maps"
	"slices"
)

// Clone returns a deep copy of a: no map, slice or pointer of the copy is
// shared with a, so a store may hand out copies of one decoded agent
// (callers edit what they get). Nil slices stay nil and empty ones empty,
// since the wire tells [] from null.
func (a *Agent) Clone() Agent {
	c := *a
	c.Description = clonePtr(a.Description)
	c.Metadata = cloneMap(a.Metadata)
	c.LLMConfig = a.LLMConfig.clone()
	if a.EmbeddingConfig != nil {
		e := a.EmbeddingConfig.clone()
		c.EmbeddingConfig = &e
	}
	c.Model = clonePtr(a.Model)
	c.Embedding = clonePtr(a.Embedding)
	c.ToolRules = cloneEach(a.ToolRules, ToolRule.clone)
	c.MessageIDs = slices.Clone(a.MessageIDs)
	c.Tags = slices.Clone(a.Tags)
	c.Tools = cloneEach(a.Tools, func(t Tool) Tool { return t.Clone() })
	c.Blocks = cloneEach(a.Blocks, cloneBlock)
	c.Memory = a.Memory.clone(a.Blocks, c.Blocks)
	c.Sources = cloneSlice(a.Sources)
	c.IdentityIDs = slices.Clone(a.IdentityIDs)
	c.Identities = cloneEach(a.Identities, Identity.clone)
	c.ToolExecEnvVars = cloneEach(a.ToolExecEnvVars, EnvVar.clone)
	c.Secrets = c.ToolExecEnvVars // Normalize's sharing, kept
	if !sameSlice(a.Secrets, a.ToolExecEnvVars) {
		c.Secrets = cloneEach(a.Secrets, EnvVar.clone)
	}
	c.EnableSleeptime = clonePtr(a.EnableSleeptime)
	c.ProjectID = clonePtr(a.ProjectID)
	c.TemplateID = clonePtr(a.TemplateID)
	c.BaseTemplateID = clonePtr(a.BaseTemplateID)
	c.DeploymentID = clonePtr(a.DeploymentID)
	c.EntityID = clonePtr(a.EntityID)
	c.ResponseFormat = cloneJSON(a.ResponseFormat)
	c.Timezone = clonePtr(a.Timezone)
	c.MaxFilesOpen = clonePtr(a.MaxFilesOpen)
	c.PerFileViewWindowCharLimit = clonePtr(a.PerFileViewWindowCharLimit)
	c.Hidden = clonePtr(a.Hidden)
	c.MultiAgentGroup = cloneJSON(a.MultiAgentGroup)
	c.ManagedGroup = cloneJSON(a.ManagedGroup)
	c.PendingApproval = cloneJSON(a.PendingApproval)
	c.LastRunCompletion = clonePtr(a.LastRunCompletion)
	c.LastRunDurationMs = clonePtr(a.LastRunDurationMs)
	c.LastStopReason = clonePtr(a.LastStopReason)
	c.ModelSettings = cloneJSON(a.ModelSettings)
	c.CompactionSettings = cloneJSON(a.CompactionSettings)
	c.CreatedByID = clonePtr(a.CreatedByID)
	c.LastUpdatedByID = clonePtr(a.LastUpdatedByID)
	return c
}

// cloneEach copies s (nil stays nil, empty stays empty) with each element
// copied by clone.
func cloneEach[T any](s []T, clone func(T) T) []T {
	out := slices.Clone(s)
	for i := range out {
		out[i] = clone(out[i])
	}
	return out
}

// sameSlice reports whether a and b are one slice (not merely equal).
func sameSlice[T any](a, b []T) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}

func (c LLMConfig) clone() LLMConfig {
	c.ModelEndpoint = clonePtr(c.ModelEndpoint)
	c.ModelWrapper = clonePtr(c.ModelWrapper)
	c.PutInnerThoughtsInKwargs = clonePtr(c.PutInnerThoughtsInKwargs)
	c.Handle = clonePtr(c.Handle)
	c.MaxTokens = clonePtr(c.MaxTokens)
	c.ReasoningEffort = clonePtr(c.ReasoningEffort)
	c.FrequencyPenalty = clonePtr(c.FrequencyPenalty)
	c.DisplayName = clonePtr(c.DisplayName)
	c.ProviderName = clonePtr(c.ProviderName)
	c.ProviderCategory = clonePtr(c.ProviderCategory)
	c.ParallelToolCalls = clonePtr(c.ParallelToolCalls)
	c.Tier = clonePtr(c.Tier)
	c.Verbosity = clonePtr(c.Verbosity)
	c.ResponseFormat = cloneJSON(c.ResponseFormat)
	return c
}

func (c EmbeddingConfig) clone() EmbeddingConfig {
	c.EmbeddingEndpoint = clonePtr(c.EmbeddingEndpoint)
	c.EmbeddingChunkSize = clonePtr(c.EmbeddingChunkSize)
	c.Handle = clonePtr(c.Handle)
	c.AzureEndpoint = clonePtr(c.AzureEndpoint)
	c.AzureVersion = clonePtr(c.AzureVersion)
	c.AzureDeployment = clonePtr(c.AzureDeployment)
	return c
}

func (r ToolRule) clone() ToolRule {
	r.PromptTemplate = clonePtr(r.PromptTemplate)
	r.Children = slices.Clone(r.Children)
	r.ChildOutputMapping = maps.Clone(r.ChildOutputMapping)
	r.DefaultChild = clonePtr(r.DefaultChild)
	r.Args = cloneMap(r.Args)
	if r.raw != nil {
		raw := make(map[string]json.RawMessage, len(r.raw))
		for k, v := range r.raw {
			raw[k] = slices.Clone(v)
		}
		r.raw = raw
	}
	return r
}

// clone copies m; blocks, the agent's, are replaced by their copy when m
// shares them (Normalize's sharing, kept).
func cloneBlock(b Block) Block { return b.Clone() }

func (m Memory) clone(blocks, blocksCopy []Block) Memory {
	if sameSlice(m.Blocks, blocks) {
		m.Blocks = blocksCopy
	} else {
		m.Blocks = cloneEach(m.Blocks, cloneBlock)
	}
	m.AgentType = clonePtr(m.AgentType)
	m.FileBlocks = cloneSlice(m.FileBlocks)
	return m
}

func (i Identity) clone() Identity {
	i.ProjectID = clonePtr(i.ProjectID)
	i.AgentIDs = slices.Clone(i.AgentIDs)
	i.BlockIDs = slices.Clone(i.BlockIDs)
	i.Properties = cloneEach(i.Properties, func(p IdentityProperty) IdentityProperty {
		p.Value = cloneJSON(p.Value)
		return p
	})
	i.CreatedByID = clonePtr(i.CreatedByID)
	i.LastUpdatedByID = clonePtr(i.LastUpdatedByID)
	return i
}

func (e EnvVar) clone() EnvVar {
	e.Description = clonePtr(e.Description)
	return e
}
