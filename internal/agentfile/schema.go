// Package agentfile reads and writes Agent File (.af) documents, the JSON
// format Letta uses to move agents between servers: an agent's system prompt,
// memory blocks, tools with their source, tool rules, messages and settings.
//
// Two schema generations exist. The multi-agent document (Letta 0.9+, the
// AgentFileSchema of the Mar-2026 spec) holds lists of agents, blocks, tools,
// groups, files, sources and MCP servers that refer to each other by
// file-local ids ("agent-0", "block-3"). The older single-agent document
// (Letta 0.6–0.8, AgentSchema) inlines core_memory, tools and messages and
// marks the context window by message index. Parse reads both into File;
// Importer writes a File into the store in one transaction; Export and
// ExportLegacy read an agent back out.
package agentfile

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// File is an agent file in the multi-agent schema. Lists this server does not
// model (groups, files, sources, MCP servers, skills) are kept as raw JSON:
// they are read, not imported.
type File struct {
	Agents     []Agent           `json:"agents"`
	Groups     []json.RawMessage `json:"groups"`
	Blocks     []Block           `json:"blocks"`
	Files      []json.RawMessage `json:"files"`
	Sources    []json.RawMessage `json:"sources"`
	Tools      []Tool            `json:"tools"`
	MCPServers []json.RawMessage `json:"mcp_servers"`
	Skills     []json.RawMessage `json:"skills,omitempty"`
	Metadata   map[string]any    `json:"metadata"`
	CreatedAt  *Time             `json:"created_at"`
}

// Agent is one agent of a File: Letta's CreateAgent fields plus id,
// in_context_message_ids and messages. Fields that only matter to Letta's
// create path (memory_blocks, include_base_tools, ...) are written with the
// values Letta exports and ignored on import.
type Agent struct {
	ID                         string                 `json:"id"`
	Name                       string                 `json:"name"`
	MemoryBlocks               []any                  `json:"memory_blocks"`
	Tools                      []any                  `json:"tools"`
	ToolIDs                    []string               `json:"tool_ids"`
	SourceIDs                  []string               `json:"source_ids"`
	FolderIDs                  []string               `json:"folder_ids"`
	BlockIDs                   []string               `json:"block_ids"`
	ToolRules                  []letta.ToolRule       `json:"tool_rules"`
	Tags                       []string               `json:"tags"`
	System                     *string                `json:"system"`
	AgentType                  string                 `json:"agent_type"`
	InitialMessageSequence     any                    `json:"initial_message_sequence"`
	IncludeBaseTools           bool                   `json:"include_base_tools"`
	IncludeMultiAgentTools     bool                   `json:"include_multi_agent_tools"`
	IncludeBaseToolRules       bool                   `json:"include_base_tool_rules"`
	IncludeDefaultSource       bool                   `json:"include_default_source"`
	Description                *string                `json:"description"`
	Metadata                   map[string]any         `json:"metadata"`
	LLMConfig                  *letta.LLMConfig       `json:"llm_config"`
	EmbeddingConfig            *letta.EmbeddingConfig `json:"embedding_config"`
	Model                      *string                `json:"model"`
	Embedding                  *string                `json:"embedding"`
	ModelSettings              any                    `json:"model_settings"`
	CompactionSettings         any                    `json:"compaction_settings"`
	ContextWindowLimit         *int                   `json:"context_window_limit"`
	EmbeddingChunkSize         *int                   `json:"embedding_chunk_size"`
	MaxTokens                  *int                   `json:"max_tokens"`
	MaxReasoningTokens         *int                   `json:"max_reasoning_tokens"`
	EnableReasoner             *bool                  `json:"enable_reasoner"`
	Reasoning                  *bool                  `json:"reasoning"`
	FromTemplate               *string                `json:"from_template"`
	Template                   bool                   `json:"template"`
	Project                    *string                `json:"project"`
	ToolExecEnvVars            map[string]string      `json:"tool_exec_environment_variables"`
	Secrets                    map[string]string      `json:"secrets"`
	MemoryVariables            map[string]string      `json:"memory_variables"`
	ProjectID                  *string                `json:"project_id"`
	TemplateID                 *string                `json:"template_id"`
	BaseTemplateID             *string                `json:"base_template_id"`
	IdentityIDs                []string               `json:"identity_ids"`
	MessageBufferAutoclear     bool                   `json:"message_buffer_autoclear"`
	EnableSleeptime            *bool                  `json:"enable_sleeptime"`
	ResponseFormat             any                    `json:"response_format"`
	Timezone                   *string                `json:"timezone"`
	MaxFilesOpen               *int                   `json:"max_files_open"`
	PerFileViewWindowCharLimit *int                   `json:"per_file_view_window_char_limit"`
	Hidden                     *bool                  `json:"hidden"`
	ParallelToolCalls          *bool                  `json:"parallel_tool_calls"`
	InContextMessageIDs        []string               `json:"in_context_message_ids"`
	Messages                   []Message              `json:"messages"`
	FilesAgents                []json.RawMessage      `json:"files_agents"`
	GroupIDs                   []string               `json:"group_ids"`
}

// Block is a memory block of a File (Letta's BlockSchema).
type Block struct {
	ID                  string         `json:"id"`
	Label               string         `json:"label"`
	Value               string         `json:"value"`
	Limit               *int           `json:"limit"`
	Description         *string        `json:"description"`
	Metadata            map[string]any `json:"metadata"`
	ReadOnly            bool           `json:"read_only"`
	Hidden              *bool          `json:"hidden"`
	IsTemplate          bool           `json:"is_template"`
	TemplateName        *string        `json:"template_name"`
	TemplateID          *string        `json:"template_id"`
	BaseTemplateID      *string        `json:"base_template_id"`
	DeploymentID        *string        `json:"deployment_id"`
	EntityID            *string        `json:"entity_id"`
	PreserveOnMigration *bool          `json:"preserve_on_migration"`
	ProjectID           *string        `json:"project_id"`
	Tags                []string       `json:"tags"`
}

// Tool is a tool of a File (Letta's ToolSchema): a built-in, named, or a
// custom tool with its source and JSON schema.
type Tool struct {
	ID                      string         `json:"id"`
	ToolType                string         `json:"tool_type"`
	Name                    string         `json:"name"`
	Description             *string        `json:"description"`
	SourceType              *string        `json:"source_type"`
	SourceCode              *string        `json:"source_code"`
	JSONSchema              map[string]any `json:"json_schema"`
	ArgsJSONSchema          map[string]any `json:"args_json_schema"`
	Tags                    []string       `json:"tags"`
	ReturnCharLimit         *int           `json:"return_char_limit"`
	PipRequirements         []any          `json:"pip_requirements"`
	NpmRequirements         []any          `json:"npm_requirements"`
	DefaultRequiresApproval *bool          `json:"default_requires_approval"`
	EnableParallelExecution *bool          `json:"enable_parallel_execution"`
	CreatedByID             *string        `json:"created_by_id"`
	LastUpdatedByID         *string        `json:"last_updated_by_id"`
	Metadata                map[string]any `json:"metadata_"`
	ProjectID               *string        `json:"project_id"`
}

// Message is a stored message of a File (Letta's agent-file MessageSchema).
type Message struct {
	Type              string           `json:"type"`
	ID                string           `json:"id"`
	AgentID           *string          `json:"agent_id"`
	Role              string           `json:"role"`
	Content           Content          `json:"content"`
	Name              *string          `json:"name"`
	Otid              *string          `json:"otid"`
	SenderID          *string          `json:"sender_id"`
	BatchItemID       *string          `json:"batch_item_id"`
	GroupID           *string          `json:"group_id"`
	Model             *string          `json:"model"`
	ToolCalls         []letta.ToolCall `json:"tool_calls"`
	ToolCallID        *string          `json:"tool_call_id"`
	ToolReturns       []ToolReturn     `json:"tool_returns"`
	CreatedAt         *Time            `json:"created_at"`
	Approve           *bool            `json:"approve"`
	ApprovalRequestID *string          `json:"approval_request_id"`
	DenialReason      *string          `json:"denial_reason"`
	Approvals         []letta.Approval `json:"approvals"`
}

// ToolReturn is a tool outcome kept on a tool message; func_response is
// Letta's copy of the returned text (this server keeps it in the content).
type ToolReturn struct {
	ToolCallID   string   `json:"tool_call_id"`
	Status       string   `json:"status"`
	Stdout       []string `json:"stdout"`
	Stderr       []string `json:"stderr"`
	FuncResponse *string  `json:"func_response,omitempty"`
}

// Content is a message's content parts. Older files write a plain string,
// which is read as one text part.
type Content []letta.Content

// UnmarshalJSON accepts a list of parts, a string, or null.
func (c *Content) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = Content{{Type: letta.ContentText, Text: s}}
		return nil
	}
	var parts []letta.Content
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("content must be a string or a list of content parts: %w", err)
	}
	*c = parts
	return nil
}

// MarshalJSON writes a list, never null.
func (c Content) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]letta.Content(c))
}

// Time is a timestamp as Python writes it: RFC 3339, or without an offset
// (read as UTC).
type Time struct{ time.Time }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"}

// UnmarshalJSON accepts the layouts Letta's servers wrote.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a timestamp must be a string: %w", err)
	}
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC().Truncate(time.Microsecond)
			return nil
		}
	}
	return fmt.Errorf("timestamp %q is not RFC 3339", s)
}

// MarshalJSON writes RFC 3339 with microseconds and a +00:00 offset, as Letta does.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format("2006-01-02T15:04:05.000000") + `+00:00"`), nil
}

// timePtr returns a *Time for t.
func timePtr(t time.Time) *Time { return &Time{t} }
