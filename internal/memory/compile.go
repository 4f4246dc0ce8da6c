// Package memory is the agent's core memory: it renders the system prompt
// from the base instructions, the memory blocks and the tool-rule prompts in
// Letta's layout, and applies the block edits the memory tools make.
package memory

import (
	"fmt"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// CoreMemoryPlaceholder is replaced by the memory section when the base
// system text contains it; otherwise the section is appended.
const CoreMemoryPlaceholder = "{CORE_MEMORY}"

// DefaultConversationID is the conversation of an agent's main thread.
const DefaultConversationID = "default"

// CompileParams is everything the system prompt is built from.
type CompileParams struct {
	System           string // the agent's base instructions
	AgentType        letta.AgentType
	AgentID          string
	ConversationID   string // "" = default
	Blocks           []letta.Block
	ToolRules        []letta.ToolRule
	RecompiledAt     time.Time
	Timezone         string // IANA name; "" or unknown = UTC
	PreviousMessages int    // stored messages of the agent not in context
	ArchivalMemories int    // passages in the agent's archives
}

// Compile renders the system prompt in Letta's 0.16.7+ layout: base text,
// <memory_blocks>, <tool_usage_rules> when a rule renders a prompt, and
// <memory_metadata>.
func Compile(p CompileParams) string {
	var s strings.Builder
	if p.AgentType != letta.AgentTypeReact && p.AgentType != letta.AgentTypeWorkflow {
		writeBlocks(&s, p.Blocks)
	}
	if rules := RulePrompts(p.ToolRules); rules != "" {
		s.WriteString("\n\n<tool_usage_rules>\n")
		s.WriteString(toolRulesIntro + "\n\n")
		s.WriteString(rules + "\n")
		s.WriteString("</tool_usage_rules>")
	}
	memorySection := s.String() + "\n\n" + metadata(p)
	if strings.Contains(p.System, CoreMemoryPlaceholder) {
		return strings.ReplaceAll(p.System, CoreMemoryPlaceholder, memorySection)
	}
	return p.System + "\n\n" + memorySection
}

const blocksIntro = "The following memory blocks are currently engaged in your core memory unit:"

func writeBlocks(s *strings.Builder, blocks []letta.Block) {
	s.WriteString("<memory_blocks>\n" + blocksIntro + "\n\n")
	for i, b := range blocks {
		label := b.Label
		if label == "" {
			label = "block"
		}
		fmt.Fprintf(s, "<%s>\n<description>\n%s\n</description>\n<metadata>", label, letta.Deref(b.Description))
		if b.ReadOnly {
			s.WriteString("\n- read_only=true")
		}
		fmt.Fprintf(s, "\n- chars_current=%d\n- chars_limit=%d\n</metadata>\n", len([]rune(b.Value)), b.Limit)
		fmt.Fprintf(s, "<value>\n%s\n</value>\n</%s>\n", b.Value, label)
		if i != len(blocks)-1 {
			s.WriteString("\n")
		}
	}
	s.WriteString("\n</memory_blocks>")
}

func metadata(p CompileParams) string {
	conv := p.ConversationID
	if conv == "" {
		conv = DefaultConversationID
	}
	lines := []string{
		"<memory_metadata>",
		"- AGENT_ID: " + p.AgentID,
		"- CONVERSATION_ID: " + conv,
		"- System prompt last recompiled: " + FormatTime(p.RecompiledAt, p.Timezone),
		fmt.Sprintf("- %d previous messages between you and the user are stored in recall memory", p.PreviousMessages),
	}
	if p.ArchivalMemories > 0 {
		lines = append(lines, fmt.Sprintf("- %d total memories you created are stored in archival memory (use tools to access them)", p.ArchivalMemories))
	}
	lines = append(lines, "</memory_metadata>")
	return strings.Join(lines, "\n")
}

// FormatTime writes t the way Letta shows times to the model
// (Python "%Y-%m-%d %I:%M:%S %p %Z%z"), e.g. "2025-05-30 10:15:42 AM UTC+0000",
// in the named timezone (UTC when empty or unknown).
func FormatTime(t time.Time, timezone string) string {
	loc := time.UTC
	if timezone != "" {
		if l, err := time.LoadLocation(timezone); err == nil {
			loc = l
		}
	}
	return t.In(loc).Format("2006-01-02 03:04:05 PM MST-0700")
}
