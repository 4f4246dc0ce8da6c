package agentfile

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/letta-server/letta-server/internal/letta"
)

// LegacyAgent is the older single-agent document (Letta's AgentSchema,
// written by Letta 0.6–0.8 and by use_legacy_format=true): blocks, tools and
// messages inline, messages without ids, the context window as indices into
// messages.
type LegacyAgent struct {
	Version                 string                 `json:"version"`
	AgentType               string                 `json:"agent_type"`
	Name                    string                 `json:"name"`
	Description             *string                `json:"description"`
	System                  string                 `json:"system"`
	Metadata                map[string]any         `json:"metadata_"`
	LLMConfig               *letta.LLMConfig       `json:"llm_config"`
	EmbeddingConfig         *letta.EmbeddingConfig `json:"embedding_config"`
	MessageBufferAutoclear  bool                   `json:"message_buffer_autoclear"`
	CoreMemory              []LegacyBlock          `json:"core_memory"`
	Tools                   []LegacyTool           `json:"tools"`
	ToolRules               []letta.ToolRule       `json:"tool_rules"`
	Tags                    []LegacyTag            `json:"tags"`
	ToolExecEnvVars         []LegacyEnvVar         `json:"tool_exec_environment_variables"`
	Messages                []LegacyMessage        `json:"messages"`
	InContextMessageIndices []int                  `json:"in_context_message_indices"`
	MultiAgentGroup         any                    `json:"multi_agent_group"`
	CreatedAt               *Time                  `json:"created_at"`
	UpdatedAt               *Time                  `json:"updated_at"`
}

// LegacyBlock is a core memory block of a LegacyAgent.
type LegacyBlock struct {
	Label        string         `json:"label"`
	Value        string         `json:"value"`
	Limit        *int           `json:"limit"`
	Description  *string        `json:"description"`
	Metadata     map[string]any `json:"metadata_"`
	IsTemplate   bool           `json:"is_template"`
	TemplateName *string        `json:"template_name"`
	ReadOnly     bool           `json:"read_only"`
	CreatedAt    *Time          `json:"created_at"`
	UpdatedAt    *Time          `json:"updated_at"`
}

// LegacyTool is a tool of a LegacyAgent.
type LegacyTool struct {
	Name            string         `json:"name"`
	ToolType        string         `json:"tool_type"`
	Description     *string        `json:"description"`
	SourceType      *string        `json:"source_type"`
	SourceCode      *string        `json:"source_code"`
	JSONSchema      map[string]any `json:"json_schema"`
	ArgsJSONSchema  map[string]any `json:"args_json_schema"`
	Tags            []string       `json:"tags"`
	ReturnCharLimit *int           `json:"return_char_limit"`
	Metadata        map[string]any `json:"metadata_"`
	CreatedAt       *Time          `json:"created_at"`
	UpdatedAt       *Time          `json:"updated_at"`
}

// LegacyMessage is a message of a LegacyAgent (no id). Very old files carry
// the text in "text" instead of "content".
type LegacyMessage struct {
	Role        string           `json:"role"`
	Content     Content          `json:"content"`
	Text        *string          `json:"text,omitempty"`
	Name        *string          `json:"name"`
	Model       *string          `json:"model"`
	GroupID     *string          `json:"group_id"`
	ToolCalls   []letta.ToolCall `json:"tool_calls"`
	ToolCallID  *string          `json:"tool_call_id"`
	ToolReturns []ToolReturn     `json:"tool_returns"`
	CreatedAt   *Time            `json:"created_at"`
	UpdatedAt   *Time            `json:"updated_at"`
}

// LegacyTag is one agent tag: {"tag": "x"}; a bare string is accepted too.
type LegacyTag struct {
	Tag string `json:"tag"`
}

// UnmarshalJSON accepts {"tag": "x"} or "x".
func (t *LegacyTag) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &t.Tag); err == nil {
		return nil
	}
	type plain LegacyTag
	return json.Unmarshal(b, (*plain)(t))
}

// LegacyEnvVar is a tool execution variable of a LegacyAgent. Letta blanks
// the values on export; they are set again at import.
type LegacyEnvVar struct {
	Key         string  `json:"key"`
	Value       string  `json:"value"`
	Description *string `json:"description"`
	CreatedAt   *Time   `json:"created_at"`
	UpdatedAt   *Time   `json:"updated_at"`
}

// toFile converts the legacy document to a one-agent File with file-local
// ids, so that both schemas import through one path.
func (l *LegacyAgent) toFile() (*File, error) {
	a := Agent{
		ID:                     "agent-0",
		Name:                   l.Name,
		AgentType:              l.AgentType,
		System:                 letta.Ptr(l.System),
		Description:            l.Description,
		Metadata:               l.Metadata,
		LLMConfig:              l.LLMConfig,
		EmbeddingConfig:        l.EmbeddingConfig,
		MessageBufferAutoclear: l.MessageBufferAutoclear,
		ToolRules:              l.ToolRules,
	}
	f := &File{Metadata: map[string]any{}, CreatedAt: l.CreatedAt}
	for i, b := range l.CoreMemory {
		id := fmt.Sprintf("block-%d", i)
		f.Blocks = append(f.Blocks, Block{
			ID: id, Label: b.Label, Value: b.Value, Limit: b.Limit, Description: b.Description,
			Metadata: b.Metadata, IsTemplate: b.IsTemplate, TemplateName: b.TemplateName, ReadOnly: b.ReadOnly,
		})
		a.BlockIDs = append(a.BlockIDs, id)
	}
	for i, t := range l.Tools {
		id := fmt.Sprintf("tool-%d", i)
		f.Tools = append(f.Tools, Tool{
			ID: id, ToolType: t.ToolType, Name: t.Name, Description: t.Description, SourceType: t.SourceType,
			SourceCode: t.SourceCode, JSONSchema: t.JSONSchema, ArgsJSONSchema: t.ArgsJSONSchema, Tags: t.Tags,
			ReturnCharLimit: t.ReturnCharLimit, Metadata: t.Metadata,
		})
		a.ToolIDs = append(a.ToolIDs, id)
	}
	for _, t := range l.Tags {
		a.Tags = append(a.Tags, t.Tag)
	}
	if len(l.ToolExecEnvVars) > 0 {
		a.ToolExecEnvVars = map[string]string{}
		for _, v := range l.ToolExecEnvVars {
			a.ToolExecEnvVars[v.Key] = v.Value
		}
	}
	for i, m := range l.Messages {
		content := m.Content
		if content == nil && m.Text != nil {
			content = Content{{Type: letta.ContentText, Text: *m.Text}}
		}
		a.Messages = append(a.Messages, Message{
			Type: "message", ID: fmt.Sprintf("message-%d", i), AgentID: letta.Ptr(a.ID), Role: m.Role, Content: content,
			Name: m.Name, Model: m.Model, ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID, ToolReturns: m.ToolReturns,
			CreatedAt: m.CreatedAt,
		})
	}
	for i, idx := range l.InContextMessageIndices {
		if idx < 0 || idx >= len(a.Messages) {
			return nil, formatErr(fmt.Sprintf("in_context_message_indices[%d]", i), "%d is not the index of a message (there are %d)", idx, len(a.Messages))
		}
		a.InContextMessageIDs = append(a.InContextMessageIDs, a.Messages[idx].ID)
	}
	f.Agents = []Agent{a}
	return f, nil
}

// legacyEnvVars lists env as LegacyEnvVars sorted by key, values blanked.
func legacyEnvVars(env []letta.EnvVar) []LegacyEnvVar {
	out := []LegacyEnvVar{}
	for _, v := range env {
		out = append(out, LegacyEnvVar{Key: v.Key, Value: "", Description: v.Description})
	}
	slices.SortFunc(out, func(a, b LegacyEnvVar) int {
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	return out
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
