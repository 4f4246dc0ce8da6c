package agentfile

import (
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
)

// validRoles are the message roles a file may hold.
var validRoles = map[string]bool{
	letta.RoleSystem: true, letta.RoleUser: true, letta.RoleAssistant: true, letta.RoleTool: true, letta.RoleApproval: true,
}

// validate checks the references and rules of a parsed file, so that import
// only fails on what the store says.
func validate(f *File) error {
	if len(f.Agents) == 0 {
		return formatErr("agents", "the file holds no agent")
	}
	blocks := make(map[string]*Block, len(f.Blocks))
	for i := range f.Blocks {
		b := &f.Blocks[i]
		path := fmt.Sprintf("blocks[%d]", i)
		if err := uniqueID(blocks, b.ID, path, b); err != nil {
			return err
		}
		if b.Label == "" {
			return formatErr(path+".label", "a block needs a label")
		}
		limit := blockLimit(b)
		if limit <= 0 {
			return formatErr(path+".limit", "must be a positive number, got %d", limit)
		}
		if err := letta.CheckLimit(b.Value, limit); err != nil {
			return formatErr(path+".value", "%s", err.Error())
		}
	}
	tools := make(map[string]*Tool, len(f.Tools))
	for i := range f.Tools {
		t := &f.Tools[i]
		path := fmt.Sprintf("tools[%d]", i)
		if err := uniqueID(tools, t.ID, path, t); err != nil {
			return err
		}
		if t.Name == "" {
			return formatErr(path+".name", "a tool needs a name")
		}
		if isCustom(t) && t.SourceCode != nil && t.JSONSchema == nil {
			return formatErr(path+".json_schema", "custom tool %q has source code but no json_schema", t.Name)
		}
		if t.ReturnCharLimit != nil && *t.ReturnCharLimit <= 0 {
			return formatErr(path+".return_char_limit", "must be positive, got %d", *t.ReturnCharLimit)
		}
	}
	agents := make(map[string]*Agent, len(f.Agents))
	messageIDs := map[string]bool{}
	for i := range f.Agents {
		a := &f.Agents[i]
		if err := uniqueID(agents, a.ID, fmt.Sprintf("agents[%d]", i), a); err != nil {
			return err
		}
		if err := validateAgent(a, fmt.Sprintf("agents[%d]", i), blocks, tools, messageIDs); err != nil {
			return err
		}
	}
	return nil
}

// uniqueID records id in seen, failing when it is empty or taken.
func uniqueID[T any](seen map[string]*T, id, path string, v *T) error {
	if id == "" {
		return formatErr(path+".id", "an id is required")
	}
	if _, dup := seen[id]; dup {
		return formatErr(path+".id", "id %q is used twice", id)
	}
	seen[id] = v
	return nil
}

func validateAgent(a *Agent, path string, blocks map[string]*Block, tools map[string]*Tool, messageIDs map[string]bool) error {
	if a.AgentType != "" && !letta.AgentType(a.AgentType).Known() {
		return formatErr(path+".agent_type", "unknown agent type %q", a.AgentType)
	}
	if c := a.LLMConfig; c != nil {
		if c.Model == "" {
			return formatErr(path+".llm_config.model", "field required")
		}
		if c.ContextWindow <= 0 {
			return formatErr(path+".llm_config.context_window", "must be a positive number, got %d", c.ContextWindow)
		}
	}
	labels := map[string]bool{}
	for j, id := range a.BlockIDs {
		b, ok := blocks[id]
		if !ok {
			return formatErr(fmt.Sprintf("%s.block_ids[%d]", path, j), "block %q is not in the file's blocks", id)
		}
		if labels[b.Label] {
			return formatErr(fmt.Sprintf("%s.block_ids[%d]", path, j), "two of the agent's blocks are labelled %q; an agent's block labels must be unique", b.Label)
		}
		labels[b.Label] = true
	}
	for j, id := range a.ToolIDs {
		if _, ok := tools[id]; !ok {
			return formatErr(fmt.Sprintf("%s.tool_ids[%d]", path, j), "tool %q is not in the file's tools", id)
		}
	}
	for j, r := range a.ToolRules {
		if err := r.Validate(); err != nil {
			return formatErr(fmt.Sprintf("%s.tool_rules[%d]", path, j), "%s", err.Error())
		}
	}
	for j, t := range a.Tags {
		if t == "" {
			return formatErr(fmt.Sprintf("%s.tags[%d]", path, j), "a tag cannot be empty")
		}
	}
	own := make(map[string]*Message, len(a.Messages))
	for j := range a.Messages {
		m := &a.Messages[j]
		mp := fmt.Sprintf("%s.messages[%d]", path, j)
		if m.ID == "" {
			return formatErr(mp+".id", "an id is required")
		}
		if messageIDs[m.ID] {
			return formatErr(mp+".id", "id %q is used twice", m.ID)
		}
		messageIDs[m.ID] = true
		own[m.ID] = m
		if !validRoles[m.Role] {
			return formatErr(mp+".role", "unknown role %q", m.Role)
		}
		for k, c := range m.ToolCalls {
			if c.ID == "" || c.Function.Name == "" {
				return formatErr(fmt.Sprintf("%s.tool_calls[%d]", mp, k), "a tool call needs an id and a function name")
			}
		}
	}
	return validateContext(a, path, own)
}

// validateContext checks the in-context window: ids of the agent's own
// messages, each once, and every tool result answering a call made earlier
// in the window (a model provider refuses a window that breaks this).
func validateContext(a *Agent, path string, own map[string]*Message) error {
	seen := map[string]bool{}
	calls := map[string]bool{}
	for j, id := range a.InContextMessageIDs {
		ip := fmt.Sprintf("%s.in_context_message_ids[%d]", path, j)
		m, ok := own[id]
		if !ok {
			return formatErr(ip, "message %q is not among the agent's messages", id)
		}
		if seen[id] {
			return formatErr(ip, "message %q is in the context window twice", id)
		}
		seen[id] = true
		for _, c := range m.ToolCalls {
			calls[c.ID] = true
		}
		if m.Role == letta.RoleTool {
			if m.ToolCallID == nil || !calls[*m.ToolCallID] {
				return formatErr(ip, "tool message %q answers no tool call made earlier in the context window", id)
			}
		}
	}
	return nil
}

// blockLimit is the block's limit, or the default for its label.
func blockLimit(b *Block) int {
	if b.Limit != nil {
		return *b.Limit
	}
	return letta.DefaultLimitFor(b.Label)
}

// isCustom reports whether the file's tool is a user tool (created or
// updated from the file) rather than one of Letta's built-ins.
func isCustom(t *Tool) bool {
	return t.ToolType == letta.ToolTypeCustom || t.ToolType == ""
}
