package agentfile

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// ExportOptions shape an export.
type ExportOptions struct {
	// ScrubMessages leaves out every message (and the context window).
	ScrubMessages bool
	// Version is written as the legacy document's version.
	Version string
}

// snapshot is an agent with everything an export needs, read once.
type snapshot struct {
	agent    *letta.Agent
	messages []*letta.Message
}

func load(ctx context.Context, st store.Store, agentID string, opts ExportOptions) (*snapshot, error) {
	a, err := st.GetAgent(ctx, agentID)
	if err != nil {
		return nil, fmt.Errorf("load agent %s: %w", agentID, err)
	}
	s := &snapshot{agent: a}
	if !opts.ScrubMessages {
		s.messages, err = st.ListMessages(ctx, store.ListMessagesParams{AgentID: agentID, Page: store.Page{Ascending: true}})
		if err != nil {
			return nil, fmt.Errorf("list messages of agent %s: %w", agentID, err)
		}
	}
	return s, nil
}

// Export writes the agent as a multi-agent document holding that one agent,
// its blocks, its tools (custom ones with their source) and all its stored
// messages, with file-local ids ("agent-0", "block-0", "tool-0",
// "message-0") as Letta writes them. Tool execution variables are exported
// by key with empty values: secrets stay on the server. ErrNotFound (wrapped)
// for an unknown agent.
func Export(ctx context.Context, st store.Store, agentID string, opts ExportOptions) (*File, error) {
	s, err := load(ctx, st, agentID, opts)
	if err != nil {
		return nil, err
	}
	a := s.agent
	f := &File{
		Agents: []Agent{}, Groups: []json.RawMessage{}, Blocks: []Block{}, Files: []json.RawMessage{}, Sources: []json.RawMessage{},
		Tools: []Tool{}, MCPServers: []json.RawMessage{}, Metadata: map[string]any{}, CreatedAt: timePtr(letta.Now()),
	}
	fa := Agent{
		ID:                         "agent-0",
		Name:                       a.Name,
		MemoryBlocks:               []any{},
		Tools:                      []any{},
		ToolIDs:                    []string{},
		SourceIDs:                  []string{},
		BlockIDs:                   []string{},
		ToolRules:                  orEmpty(a.ToolRules),
		Tags:                       orEmpty(a.Tags),
		System:                     letta.Ptr(a.System),
		AgentType:                  string(a.AgentType),
		Description:                a.Description,
		Metadata:                   a.Metadata,
		LLMConfig:                  letta.Ptr(a.LLMConfig),
		EmbeddingConfig:            a.EmbeddingConfig,
		ModelSettings:              a.ModelSettings,
		CompactionSettings:         a.CompactionSettings,
		ToolExecEnvVars:            map[string]string{},
		ProjectID:                  a.ProjectID,
		TemplateID:                 a.TemplateID,
		BaseTemplateID:             a.BaseTemplateID,
		MessageBufferAutoclear:     a.MessageBufferAutoclear,
		EnableSleeptime:            a.EnableSleeptime,
		ResponseFormat:             a.ResponseFormat,
		Timezone:                   a.Timezone,
		MaxFilesOpen:               a.MaxFilesOpen,
		PerFileViewWindowCharLimit: a.PerFileViewWindowCharLimit,
		Hidden:                     a.Hidden,
		InContextMessageIDs:        []string{},
		Messages:                   []Message{},
		FilesAgents:                []json.RawMessage{},
		GroupIDs:                   []string{},
	}
	if fa.Metadata == nil {
		fa.Metadata = map[string]any{}
	}
	for _, v := range a.ToolExecEnvVars {
		fa.ToolExecEnvVars[v.Key] = ""
	}
	for i, b := range a.Blocks {
		id := fmt.Sprintf("block-%d", i)
		f.Blocks = append(f.Blocks, exportBlock(b, id))
		fa.BlockIDs = append(fa.BlockIDs, id)
	}
	for i, t := range a.Tools {
		id := fmt.Sprintf("tool-%d", i)
		f.Tools = append(f.Tools, exportTool(t, id))
		fa.ToolIDs = append(fa.ToolIDs, id)
	}
	fileID := make(map[string]string, len(s.messages))
	for i, m := range s.messages {
		id := fmt.Sprintf("message-%d", i)
		fileID[m.ID] = id
		fa.Messages = append(fa.Messages, exportMessage(m, id, fa.ID))
	}
	for _, id := range a.MessageIDs {
		if fid, ok := fileID[id]; ok {
			fa.InContextMessageIDs = append(fa.InContextMessageIDs, fid)
		}
	}
	f.Agents = append(f.Agents, fa)
	return f, nil
}

func exportBlock(b letta.Block, id string) Block {
	return Block{
		ID: id, Label: b.Label, Value: b.Value, Limit: letta.Ptr(b.Limit), Description: b.Description,
		Metadata: orEmptyMap(b.Metadata), ReadOnly: b.ReadOnly, Hidden: b.Hidden, IsTemplate: b.IsTemplate,
		TemplateName: b.TemplateName, TemplateID: b.TemplateID, BaseTemplateID: b.BaseTemplateID,
		DeploymentID: b.DeploymentID, EntityID: b.EntityID, PreserveOnMigration: b.PreserveOnMigration,
		ProjectID: b.ProjectID, Tags: orEmpty(b.Tags),
	}
}

func exportTool(t letta.Tool, id string) Tool {
	return Tool{
		ID: id, ToolType: t.ToolType, Name: t.Name, Description: t.Description, SourceType: t.SourceType,
		SourceCode: t.SourceCode, JSONSchema: t.JSONSchema, ArgsJSONSchema: t.ArgsJSONSchema, Tags: orEmpty(t.Tags),
		ReturnCharLimit: letta.Ptr(t.ReturnCharLimit), PipRequirements: t.PipRequirements, NpmRequirements: t.NpmRequirements,
		DefaultRequiresApproval: t.DefaultRequiresApproval, EnableParallelExecution: t.EnableParallelExecution,
		CreatedByID: t.CreatedByID, LastUpdatedByID: t.LastUpdatedByID, Metadata: orEmptyMap(t.Metadata), ProjectID: t.ProjectID,
	}
}

func exportMessage(m *letta.Message, id, agentID string) Message {
	out := Message{
		Type: "message", ID: id, AgentID: letta.Ptr(agentID), Role: m.Role, Content: Content(m.Content),
		Name: m.Name, Otid: m.Otid, SenderID: m.SenderID, Model: m.Model, ToolCalls: m.ToolCalls,
		ToolCallID: m.ToolCallID, ToolReturns: []ToolReturn{}, CreatedAt: timePtr(m.CreatedAt),
		Approve: m.Approve, ApprovalRequestID: m.ApprovalRequestID, DenialReason: m.DenialReason,
		Approvals: orEmpty(m.Approvals),
	}
	for _, r := range m.ToolReturns {
		tr := ToolReturn{ToolCallID: r.ToolCallID, Status: r.Status, Stdout: r.Stdout, Stderr: r.Stderr}
		if len(m.ToolReturns) == 1 {
			tr.FuncResponse = letta.Ptr(m.Text())
		}
		out.ToolReturns = append(out.ToolReturns, tr)
	}
	return out
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// ExportLegacy writes the agent in the older single-agent schema: blocks,
// tools and messages inline, the context window as message indices, tool
// execution variables with empty values. ErrNotFound (wrapped) for an
// unknown agent.
func ExportLegacy(ctx context.Context, st store.Store, agentID string, opts ExportOptions) (*LegacyAgent, error) {
	s, err := load(ctx, st, agentID, opts)
	if err != nil {
		return nil, err
	}
	a := s.agent
	l := &LegacyAgent{
		Version: opts.Version, AgentType: string(a.AgentType), Name: a.Name, Description: a.Description,
		System: a.System, Metadata: orEmptyMap(a.Metadata), LLMConfig: letta.Ptr(a.LLMConfig),
		EmbeddingConfig: a.EmbeddingConfig, MessageBufferAutoclear: a.MessageBufferAutoclear,
		CoreMemory: []LegacyBlock{}, Tools: []LegacyTool{}, ToolRules: orEmpty(a.ToolRules), Tags: []LegacyTag{},
		ToolExecEnvVars: legacyEnvVars(a.ToolExecEnvVars), Messages: []LegacyMessage{},
		InContextMessageIndices: []int{}, CreatedAt: timePtr(a.CreatedAt), UpdatedAt: timePtr(a.UpdatedAt),
	}
	for _, b := range a.Blocks {
		l.CoreMemory = append(l.CoreMemory, LegacyBlock{
			Label: b.Label, Value: b.Value, Limit: letta.Ptr(b.Limit), Description: b.Description,
			Metadata: orEmptyMap(b.Metadata), IsTemplate: b.IsTemplate, TemplateName: b.TemplateName,
			ReadOnly: b.ReadOnly, CreatedAt: timePtr(b.CreatedAt), UpdatedAt: timePtr(b.UpdatedAt),
		})
	}
	for _, t := range a.Tools {
		l.Tools = append(l.Tools, LegacyTool{
			Name: t.Name, ToolType: t.ToolType, Description: t.Description, SourceType: t.SourceType,
			SourceCode: t.SourceCode, JSONSchema: t.JSONSchema, ArgsJSONSchema: t.ArgsJSONSchema,
			Tags: orEmpty(t.Tags), ReturnCharLimit: letta.Ptr(t.ReturnCharLimit), Metadata: orEmptyMap(t.Metadata),
			CreatedAt: timePtr(t.CreatedAt), UpdatedAt: timePtr(t.UpdatedAt),
		})
	}
	for _, t := range a.Tags {
		l.Tags = append(l.Tags, LegacyTag{Tag: t})
	}
	index := make(map[string]int, len(s.messages))
	for i, m := range s.messages {
		index[m.ID] = i
		em := exportMessage(m, "", "")
		l.Messages = append(l.Messages, LegacyMessage{
			Role: m.Role, Content: em.Content, Name: m.Name, Model: m.Model, GroupID: m.GroupID,
			ToolCalls: orEmpty(m.ToolCalls), ToolCallID: m.ToolCallID, ToolReturns: em.ToolReturns,
			CreatedAt: timePtr(m.CreatedAt), UpdatedAt: timePtr(m.CreatedAt),
		})
	}
	for _, id := range a.MessageIDs {
		if i, ok := index[id]; ok {
			l.InContextMessageIndices = append(l.InContextMessageIndices, i)
		}
	}
	return l, nil
}
