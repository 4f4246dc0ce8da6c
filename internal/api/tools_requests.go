package api

import (
	"encoding/json"

	"github.com/letta-server/letta-server/internal/agent"
)

// toolRequest is ToolCreate (POST and PUT /v1/tools) and ToolUpdate
// (PATCH /v1/tools/{id}); nil fields were not sent.
type toolRequest struct {
	Description             *string        `json:"description"`
	Tags                    *[]string      `json:"tags"`
	SourceCode              *string        `json:"source_code"`
	SourceType              *string        `json:"source_type"`
	JSONSchema              map[string]any `json:"json_schema"`
	ArgsJSONSchema          map[string]any `json:"args_json_schema"`
	ReturnCharLimit         *int           `json:"return_char_limit"`
	PipRequirements         *[]any         `json:"pip_requirements"`
	NpmRequirements         *[]any         `json:"npm_requirements"`
	DefaultRequiresApproval *bool          `json:"default_requires_approval"`
	EnableParallelExecution *bool          `json:"enable_parallel_execution"`
	Metadata                map[string]any `json:"metadata_"`
}

// validate reports every bad field; create says whether source_code is required.
func (t toolRequest) validate(create bool) error {
	var fe fieldErrors
	if create && t.SourceCode == nil {
		fe.add("Field required", "body", "source_code")
	}
	if t.ReturnCharLimit != nil && (*t.ReturnCharLimit < 1 || *t.ReturnCharLimit > agent.MaxReturnCharLimit) {
		fe.add("Input should be between 1 and 1000000", "body", "return_char_limit")
	}
	return fe.err()
}

func (t toolRequest) params(actor string) agent.ToolParams {
	return agent.ToolParams{
		Description: t.Description, Tags: t.Tags, SourceCode: t.SourceCode, SourceType: t.SourceType,
		JSONSchema: t.JSONSchema, ArgsJSONSchema: t.ArgsJSONSchema, ReturnCharLimit: t.ReturnCharLimit,
		PipRequirements: t.PipRequirements, NpmRequirements: t.NpmRequirements,
		DefaultRequiresApproval: t.DefaultRequiresApproval, EnableParallelExecution: t.EnableParallelExecution,
		Metadata: t.Metadata, ActorID: actor,
	}
}

// runSourceRequest is ToolRunFromSource (POST /v1/tools/run).
type runSourceRequest struct {
	SourceCode     *string           `json:"source_code"`
	SourceType     *string           `json:"source_type"`
	Args           map[string]any    `json:"args"`
	EnvVars        map[string]string `json:"env_vars"`
	Name           *string           `json:"name"`
	JSONSchema     map[string]any    `json:"json_schema"`
	ArgsJSONSchema map[string]any    `json:"args_json_schema"`
}

func (r runSourceRequest) validate() error {
	var fe fieldErrors
	if r.SourceCode == nil {
		fe.add("Field required", "body", "source_code")
	}
	return fe.err()
}

// approvalRequest is ModifyApprovalRequest (the body form of the approval flag).
type approvalRequest struct {
	RequiresApproval *bool `json:"requires_approval"`
}

// toolExecuteRequest is ToolExecuteRequest (POST .../tools/{name}/run).
type toolExecuteRequest struct {
	Args json.RawMessage `json:"args"`
}
