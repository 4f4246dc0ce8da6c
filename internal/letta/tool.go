package letta

import "time"

// Tool types (Letta's ToolType values) used here.
const (
	ToolTypeCustom          = "custom"
	ToolTypeLettaCore       = "letta_core"
	ToolTypeLettaMemoryCore = "letta_memory_core"
	ToolTypeLettaSleeptime  = "letta_sleeptime_core"
	ToolTypeLettaBuiltin    = "letta_builtin"
)

// DefaultReturnCharLimit is the return_char_limit of a tool created without one.
const DefaultReturnCharLimit = 50000

// Tool is a function an agent can call: a built-in (source_code null) or a
// custom Python tool. JSONSchema is the OpenAI-style {name, description, parameters}.
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
	ReturnCharLimit         int            `json:"return_char_limit"`
	PipRequirements         []any          `json:"pip_requirements"`
	NpmRequirements         []any          `json:"npm_requirements"`
	DefaultRequiresApproval *bool          `json:"default_requires_approval"`
	EnableParallelExecution *bool          `json:"enable_parallel_execution"`
	Metadata                map[string]any `json:"metadata_"`
	ProjectID               *string        `json:"project_id"`
	CreatedByID             *string        `json:"created_by_id"`
	LastUpdatedByID         *string        `json:"last_updated_by_id"`
	CreatedAt               time.Time      `json:"created_at"`
	UpdatedAt               time.Time      `json:"updated_at"`
}
