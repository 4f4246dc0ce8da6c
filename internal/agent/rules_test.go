package agent

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// sent describes one model request: the offered tool names (sorted) and
// the tool_choice ("auto", "required" or the forced function's name).
func sent(r llmtest.Request) string {
	var names []string
	for _, tl := range r.Chat.Tools {
		names = append(names, tl.Function.Name)
	}
	slices.Sort(names)
	choice := ""
	switch c := r.Chat.ToolChoice.(type) {
	case string:
		choice = c
	case map[string]any:
		fn, _ := c["function"].(map[string]any)
		choice, _ = fn["name"].(string)
	}
	return strings.Join(names, ",") + " / " + choice
}

const allV2 = "conversation_search,memory_insert,memory_replace,send_message"

func TestToolRules(t *testing.T) {
	t.Parallel()
	insert := llmtest.Call("memory_insert", `{"label": "human", "new_str": "x", "request_heartbeat": false}`)
	search := llmtest.Call("conversation_search", `{"query": "x", "request_heartbeat": false}`)
	tests := []struct {
		name      string
		agentType letta.AgentType
		noBase    bool // include_base_tool_rules=false
		rules     []letta.ToolRule
		replies   []llmtest.Reply // then the fake's send_message echo
		wantSent  []string        // per model request
		wantStop  string
		wantInCtx string // text some stored message must contain
	}{
		{
			name: "run_first", agentType: letta.AgentTypeMemGPTV2,
			rules:    []letta.ToolRule{{Type: letta.RuleRunFirst, ToolName: "memory_insert"}},
			replies:  []llmtest.Reply{insert},
			wantSent: []string{"memory_insert / memory_insert", allV2 + " / required"},
			wantStop: letta.StopEndTurn,
		},
		{
			name: "run_first violated", agentType: letta.AgentTypeMemGPTV2,
			rules:     []letta.ToolRule{{Type: letta.RuleRunFirst, ToolName: "memory_insert"}},
			replies:   []llmtest.Reply{search, insert},
			wantSent:  []string{"memory_insert / memory_insert", "memory_insert / memory_insert", allV2 + " / required"},
			wantStop:  letta.StopEndTurn,
			wantInCtx: "[ToolConstraintError] Cannot call conversation_search, valid tools include: ['memory_insert'].",
		},
		{
			name: "exit_loop", agentType: letta.AgentTypeLettaV1,
			rules:    []letta.ToolRule{{Type: letta.RuleExitLoop, ToolName: "memory_insert"}},
			replies:  []llmtest.Reply{insert},
			wantSent: []string{"conversation_search,memory_insert,memory_replace / auto"},
			wantStop: letta.StopToolRule,
		},
		{
			name: "constrain_child_tools", agentType: letta.AgentTypeMemGPTV2,
			rules:    []letta.ToolRule{{Type: letta.RuleChild, ToolName: "memory_insert", Children: []string{"send_message"}}},
			replies:  []llmtest.Reply{insert},
			wantSent: []string{allV2 + " / required", "send_message / send_message"},
			wantStop: letta.StopEndTurn,
		},
		{
			name: "constrain_child_tools letta_v1", agentType: letta.AgentTypeLettaV1,
			rules:    []letta.ToolRule{{Type: letta.RuleChild, ToolName: "memory_insert", Children: []string{"conversation_search", "memory_replace"}}},
			replies:  []llmtest.Reply{insert, llmtest.Text("done")},
			wantSent: []string{"conversation_search,memory_insert,memory_replace / auto", "conversation_search,memory_replace / required"},
			wantStop: letta.StopEndTurn,
		},
		{
			name: "parent_last_tool", agentType: letta.AgentTypeMemGPTV2,
			rules:    []letta.ToolRule{{Type: letta.RuleParent, ToolName: "conversation_search", Children: []string{"memory_insert"}}},
			replies:  []llmtest.Reply{search, insert},
			wantSent: []string{"conversation_search,memory_replace,send_message / required", allV2 + " / required", "conversation_search,memory_replace,send_message / required"},
			wantStop: letta.StopEndTurn,
		},
		{
			name: "conditional", agentType: letta.AgentTypeMemGPTV2,
			rules: []letta.ToolRule{{Type: letta.RuleConditional, ToolName: "memory_replace",
				ChildOutputMapping: map[string]string{"The user is Bo.": "send_message"}, DefaultChild: letta.Ptr("conversation_search")}},
			replies:  []llmtest.Reply{llmtest.Call("memory_replace", `{"label": "human", "old_str": "Ann", "new_str": "Bo", "request_heartbeat": false}`)},
			wantSent: []string{allV2 + " / required", "send_message / send_message"},
			wantStop: letta.StopEndTurn,
		},
		{
			name: "conditional default child", agentType: letta.AgentTypeMemGPTV2,
			rules: []letta.ToolRule{{Type: letta.RuleConditional, ToolName: "memory_replace",
				ChildOutputMapping: map[string]string{"never": "send_message"}, DefaultChild: letta.Ptr("conversation_search")}},
			replies:  []llmtest.Reply{llmtest.Call("memory_replace", `{"label": "human", "old_str": "Ann", "new_str": "Bo", "request_heartbeat": false}`), search},
			wantSent: []string{allV2 + " / required", "conversation_search / conversation_search", allV2 + " / required"},
			wantStop: letta.StopEndTurn,
		},
		{
			name: "continue_loop", agentType: letta.AgentTypeMemGPTV2, noBase: true,
			rules:     []letta.ToolRule{{Type: letta.RuleContinueLoop, ToolName: "memory_insert"}, {Type: letta.RuleExitLoop, ToolName: "send_message"}},
			replies:   []llmtest.Reply{insert},
			wantSent:  []string{allV2 + " / required", allV2 + " / required"},
			wantStop:  letta.StopEndTurn,
			wantInCtx: "Continuing: continue tool rule.",
		},
		{
			name: "no continue rule: no heartbeat ends the turn", agentType: letta.AgentTypeMemGPTV2, noBase: true,
			rules:    []letta.ToolRule{{Type: letta.RuleExitLoop, ToolName: "send_message"}},
			replies:  []llmtest.Reply{insert},
			wantSent: []string{allV2 + " / required"},
			wantStop: letta.StopEndTurn,
		},
		{
			name: "max_count_per_step", agentType: letta.AgentTypeMemGPTV2,
			rules:    []letta.ToolRule{{Type: letta.RuleMaxCountPerStep, ToolName: "memory_insert", MaxCountLimit: 1}},
			replies:  []llmtest.Reply{insert},
			wantSent: []string{allV2 + " / required", "conversation_search,memory_replace,send_message / required"},
			wantStop: letta.StopEndTurn,
		},
		{
			name: "required_before_exit", agentType: letta.AgentTypeMemGPTV2,
			rules:     []letta.ToolRule{{Type: letta.RuleRequiredBeforeExit, ToolName: "conversation_search"}},
			replies:   []llmtest.Reply{llmtest.Call("send_message", `{"message": "bye"}`), search},
			wantSent:  []string{allV2 + " / required", allV2 + " / required", allV2 + " / required"},
			wantStop:  letta.StopEndTurn,
			wantInCtx: "Continuing, user expects these tools: [conversation_search] to be called still.",
		},
		{
			name: "requires_approval", agentType: letta.AgentTypeMemGPTV2,
			rules:    []letta.ToolRule{{Type: letta.RuleRequiresApproval, ToolName: "memory_insert"}},
			replies:  []llmtest.Reply{insert},
			wantSent: []string{allV2 + " / required"},
			wantStop: letta.StopRequiresApproval,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			a := f.createAgent(t, tt.agentType, func(p *CreateAgentParams) {
				p.ToolRules = tt.rules
				if tt.noBase {
					p.IncludeBaseToolRules = letta.Ptr(false)
				}
			})
			f.llm.Enqueue(tt.replies...)
			resp := f.send(t, a.ID, "go")
			var got []string
			for _, r := range f.llm.Requests() {
				got = append(got, sent(r))
			}
			if diff := cmp.Diff(tt.wantSent, got); diff != "" {
				t.Errorf("sent to the model (-want +got):\n%s", diff)
			}
			if resp.StopReason.StopReason != tt.wantStop {
				t.Errorf("stop = %s, want %s", resp.StopReason.StopReason, tt.wantStop)
			}
			if tt.wantInCtx != "" {
				found := false
				for _, m := range f.context(t, a.ID) {
					found = found || strings.Contains(m.Text(), tt.wantInCtx)
				}
				if !found {
					t.Errorf("no stored message contains %q", tt.wantInCtx)
				}
			}
		})
	}
}
