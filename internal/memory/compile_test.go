package memory

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestCompile(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 5, 30, 14, 3, 11, 0, time.UTC)
	blocks := []letta.Block{
		{Label: "persona", Value: "I am Sam.\nI like cats.", Limit: 20000, Description: letta.Ptr("The persona block.")},
		{Label: "human", Value: "Name: Chad", Limit: 20000, ReadOnly: true},
	}
	rules := []letta.ToolRule{
		{Type: letta.RuleExitLoop, ToolName: "send_message"},
		{Type: letta.RuleContinueLoop, ToolName: "conversation_search"},
		{Type: letta.RuleRunFirst, ToolName: "conversation_search"},
		{Type: letta.RuleChild, ToolName: "a", Children: []string{"b", "c"}},
		{Type: letta.RuleParent, ToolName: "p", Children: []string{"x", "y"}},
		{Type: letta.RuleMaxCountPerStep, ToolName: "m", MaxCountLimit: 2},
		{Type: letta.RuleConditional, ToolName: "cond", ChildOutputMapping: map[string]string{"1": "a"}},
	}
	tests := []struct {
		name string
		p    CompileParams
	}{
		{"memgpt_blocks", CompileParams{System: "Base.", AgentType: letta.AgentTypeMemGPT, AgentID: "agent-1", Blocks: blocks, RecompiledAt: at, PreviousMessages: 12}},
		{"with_rules_archival_tz", CompileParams{System: "Base.", AgentType: letta.AgentTypeMemGPTV2, AgentID: "agent-2", Blocks: blocks, ToolRules: rules, RecompiledAt: at, Timezone: "America/Los_Angeles", ArchivalMemories: 3}},
		{"placeholder", CompileParams{System: "Before\n{CORE_MEMORY}\nAfter {other}", AgentType: letta.AgentTypeLettaV1, AgentID: "agent-3", RecompiledAt: at}},
		{"react_no_blocks", CompileParams{System: "React.", AgentType: letta.AgentTypeReact, AgentID: "agent-4", Blocks: blocks, ToolRules: rules[:1], RecompiledAt: at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Compile(tt.p)
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update): %v", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Compile mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The exact Letta layout for one block, written out by hand, guards the
// golden files against an -update that accepts a regression.
func TestCompileLayout(t *testing.T) {
	t.Parallel()
	got := Compile(CompileParams{
		System: "Base.", AgentType: letta.AgentTypeMemGPT, AgentID: "agent-x",
		Blocks:       []letta.Block{{Label: "human", Value: "Name: Chad", Limit: 20000, ReadOnly: true}},
		RecompiledAt: time.Date(2025, 5, 30, 2, 3, 11, 0, time.UTC), PreviousMessages: 4, ArchivalMemories: 1,
	})
	want := "Base.\n\n<memory_blocks>\nThe following memory blocks are currently engaged in your core memory unit:\n\n" +
		"<human>\n<description>\n\n</description>\n<metadata>\n- read_only=true\n- chars_current=10\n- chars_limit=20000\n</metadata>\n<value>\nName: Chad\n</value>\n</human>\n\n</memory_blocks>\n\n" +
		"<memory_metadata>\n- AGENT_ID: agent-x\n- CONVERSATION_ID: default\n- System prompt last recompiled: 2025-05-30 02:03:11 AM UTC+0000\n" +
		"- 4 previous messages between you and the user are stored in recall memory\n" +
		"- 1 total memories you created are stored in archival memory (use tools to access them)\n</memory_metadata>"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layout mismatch (-want +got):\n%s", diff)
	}
}
