package letta

import "time"

// AgentType selects the loop and default tools of an agent.
type AgentType string

// Agent types Letta knows; the first five run here.
const (
	AgentTypeMemGPT    AgentType = "memgpt_agent"
	AgentTypeMemGPTV2  AgentType = "memgpt_v2_agent"
	AgentTypeLettaV1   AgentType = "letta_v1_agent"
	AgentTypeReact     AgentType = "react_agent"
	AgentTypeWorkflow  AgentType = "workflow_agent"
	AgentTypeSleeptime AgentType = "sleeptime_agent"
)

// Known reports whether t is an agent type this server runs.
func (t AgentType) Known() bool {
	switch t {
	case AgentTypeMemGPT, AgentTypeMemGPTV2, AgentTypeLettaV1, AgentTypeReact, AgentTypeWorkflow, AgentTypeSleeptime:
		return true
	}
	return false
}

// Memory is the AgentState.memory object: the agent's blocks in order.
type Memory struct {
	Blocks         []Block `json:"blocks"`
	PromptTemplate string  `json:"prompt_template"`
	AgentType      *string `json:"agent_type"`
	FileBlocks     []any   `json:"file_blocks"`
	GitEnabled     bool    `json:"git_enabled"`
}

// EnvVar is an AgentEnvironmentVariable (tool_exec_environment_variables / secrets).
type EnvVar struct {
	ID          string  `json:"id"`
	Key         string  `json:"key"`
	Value       string  `json:"value"`
	Description *string `json:"description"`
	AgentID     string  `json:"agent_id"`
}

// Agent is the AgentState: the agent with its relationships (blocks, tools,
// tags, identities) filled in. The store keeps MessageIDs: element 0 is the
// system message, the rest is the in-context window in order.
type Agent struct {
	ID                         string           `json:"id"`
	Name                       string           `json:"name"`
	AgentType                  AgentType        `json:"agent_type"`
	System                     string           `json:"system"`
	Description                *string          `json:"description"`
	Metadata                   map[string]any   `json:"metadata"`
	LLMConfig                  LLMConfig        `json:"llm_config"`
	EmbeddingConfig            *EmbeddingConfig `json:"embedding_config"`
	Model                      *string          `json:"model"`
	Embedding                  *string          `json:"embedding"`
	ToolRules                  []ToolRule       `json:"tool_rules"`
	MessageIDs                 []string         `json:"message_ids"`
	Tags                       []string         `json:"tags"`
	Tools                      []Tool           `json:"tools"`
	Blocks                     []Block          `json:"blocks"`
	Memory                     Memory           `json:"memory"`
	Sources                    []any            `json:"sources"`
	IdentityIDs                []string         `json:"identity_ids"`
	Identities                 []Identity       `json:"identities"`
	ToolExecEnvVars            []EnvVar         `json:"tool_exec_environment_variables"`
	Secrets                    []EnvVar         `json:"secrets"`
	MessageBufferAutoclear     bool             `json:"message_buffer_autoclear"`
	EnableSleeptime            *bool            `json:"enable_sleeptime"`
	ProjectID                  *string          `json:"project_id"`
	TemplateID                 *string          `json:"template_id"`
	BaseTemplateID             *string          `json:"base_template_id"`
	DeploymentID               *string          `json:"deployment_id"`
	EntityID                   *string          `json:"entity_id"`
	ResponseFormat             any              `json:"response_format"`
	Timezone                   *string          `json:"timezone"`
	MaxFilesOpen               *int             `json:"max_files_open"`
	PerFileViewWindowCharLimit *int             `json:"per_file_view_window_char_limit"`
	Hidden                     *bool            `json:"hidden"`
	MultiAgentGroup            any              `json:"multi_agent_group"`
	ManagedGroup               any              `json:"managed_group"`
	PendingApproval            any              `json:"pending_approval"`
	LastRunCompletion          *time.Time       `json:"last_run_completion"`
	LastRunDurationMs          *int64           `json:"last_run_duration_ms"`
	LastStopReason             *string          `json:"last_stop_reason"`
	ModelSettings              any              `json:"model_settings"`
	CompactionSettings         any              `json:"compaction_settings"`
	CreatedByID                *string          `json:"created_by_id"`
	LastUpdatedByID            *string          `json:"last_updated_by_id"`
	CreatedAt                  time.Time        `json:"created_at"`
	UpdatedAt                  time.Time        `json:"updated_at"`
}

// Normalize fills the derived and list fields so the agent is written the way
// Letta clients expect: every list is [] (never null) and memory mirrors blocks.
func (a *Agent) Normalize() {
	a.ToolRules = orEmpty(a.ToolRules)
	a.MessageIDs = orEmpty(a.MessageIDs)
	a.Tags = orEmpty(a.Tags)
	a.Tools = orEmpty(a.Tools)
	a.Blocks = orEmpty(a.Blocks)
	a.Sources = orEmpty(a.Sources)
	a.IdentityIDs = orEmpty(a.IdentityIDs)
	a.Identities = orEmpty(a.Identities)
	for i := range a.Identities {
		a.Identities[i].Normalize()
	}
	a.ToolExecEnvVars = orEmpty(a.ToolExecEnvVars)
	a.Secrets = a.ToolExecEnvVars
	for i := range a.Blocks {
		a.Blocks[i].Tags = orEmpty(a.Blocks[i].Tags)
	}
	for i := range a.Tools {
		a.Tools[i].Tags = orEmpty(a.Tools[i].Tags)
	}
	if a.Metadata == nil {
		a.Metadata = map[string]any{}
	}
	at := string(a.AgentType)
	a.Memory = Memory{Blocks: a.Blocks, AgentType: &at, FileBlocks: []any{}}
	a.Model = a.LLMConfig.Handle
	if a.EmbeddingConfig != nil {
		a.Embedding = a.EmbeddingConfig.Handle
	}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
