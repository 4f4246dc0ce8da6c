package agent

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
)

func TestCreateAgent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		typ       letta.AgentType
		wantTools []string
		wantRules []string // type:tool
		wantRoles string
	}{
		{
			name:      "memgpt_agent",
			typ:       letta.AgentTypeMemGPT,
			wantTools: []string{"send_message", "conversation_search", "core_memory_append", "core_memory_replace"},
			wantRules: []string{"exit_loop:send_message", "continue_loop:conversation_search", "continue_loop:core_memory_append", "continue_loop:core_memory_replace"},
			wantRoles: "system,assistant,tool,user",
		},
		{
			name:      "memgpt_v2_agent",
			typ:       letta.AgentTypeMemGPTV2,
			wantTools: []string{"send_message", "conversation_search", "memory_replace", "memory_insert"},
			wantRules: []string{"exit_loop:send_message", "continue_loop:conversation_search", "continue_loop:memory_replace", "continue_loop:memory_insert"},
			wantRoles: "system,assistant,tool,user",
		},
		{
			name:      "letta_v1_agent",
			typ:       letta.AgentTypeLettaV1,
			wantTools: []string{"conversation_search", "memory_replace", "memory_insert"},
			wantRules: []string{},
			wantRoles: "system",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			a := f.createAgent(t, tt.typ)
			if diff := cmp.Diff(tt.wantTools, toolNames(a.Tools)); diff != "" {
				t.Errorf("tools (-want +got):\n%s", diff)
			}
			gotRules := []string{}
			for _, r := range a.ToolRules {
				gotRules = append(gotRules, r.Type+":"+r.ToolName)
			}
			if diff := cmp.Diff(tt.wantRules, gotRules); diff != "" {
				t.Errorf("tool rules (-want +got):\n%s", diff)
			}
			msgs := f.context(t, a.ID)
			if got := roles(msgs); got != tt.wantRoles {
				t.Errorf("opening roles = %s, want %s", got, tt.wantRoles)
			}
			sys := msgs[0].Text()
			for _, want := range []string{
				"<base_instructions>",
				"\n\n<memory_blocks>\nThe following memory blocks are currently engaged in your core memory unit:\n\n<persona>\n",
				"<value>\nThe user is Ann.\n</value>",
				"- chars_limit=20000\n",
				"- AGENT_ID: " + a.ID + "\n",
			} {
				if !strings.Contains(sys, want) {
					t.Errorf("system prompt lacks %q:\n%s", want, sys)
				}
			}
			if a.Model == nil || *a.Model != testModel {
				t.Errorf("model = %v, want %s", a.Model, testModel)
			}
			if a.Name == "" || a.System == "" {
				t.Errorf("name %q / system %q not defaulted", a.Name, a.System)
			}
			if tt.typ == letta.AgentTypeMemGPT {
				if got := msgs[1].ToolCalls[0].Function.Name; got != "send_message" {
					t.Errorf("boot call = %s", got)
				}
				if !strings.Contains(msgs[2].Text(), `"message": "None"`) || !strings.Contains(msgs[3].Text(), `"type": "login"`) {
					t.Errorf("boot messages: %q / %q", msgs[2].Text(), msgs[3].Text())
				}
			}
		})
	}
}

func TestCreateAgentValidation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tests := []struct {
		name      string
		p         CreateAgentParams
		wantField string
	}{
		{"unknown type", CreateAgentParams{AgentType: "nope", Model: letta.Ptr(testModel)}, "agent_type"},
		{"no model", CreateAgentParams{AgentType: letta.AgentTypeLettaV1}, "model"},
		{"unknown provider", CreateAgentParams{Model: letta.Ptr("anthropic/claude")}, "model"},
		{"block over limit", CreateAgentParams{Model: letta.Ptr(testModel), MemoryBlocks: []CreateBlockParams{{Label: "x", Value: "toolong", Limit: letta.Ptr(3)}}}, "memory_blocks[0].value"},
		{"bad rule", CreateAgentParams{Model: letta.Ptr(testModel), ToolRules: []letta.ToolRule{{Type: "bogus", ToolName: "x"}}}, "tool_rules[0]"},
		{"unknown tool", CreateAgentParams{Model: letta.Ptr(testModel), Tools: []string{"no_such_tool"}}, "tools"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.engine.CreateAgent(context.Background(), tt.p)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if ve.Field != tt.wantField {
				t.Errorf("field = %q, want %q (%v)", ve.Field, tt.wantField, err)
			}
		})
	}
}

func TestCreateAgentOptions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeWorkflow, func(p *CreateAgentParams) {
		p.ContextWindowLimit = letta.Ptr(8000)
		p.Tags = []string{"b", "a"}
		p.IncludeBaseTools = letta.Ptr(false)
		p.Tools = []string{"send_message"}
		p.ToolExecEnvVars = map[string]string{"K": "V"}
	})
	if !a.MessageBufferAutoclear {
		t.Error("workflow agent must autoclear")
	}
	if a.LLMConfig.ContextWindow != 8000 {
		t.Errorf("context window = %d", a.LLMConfig.ContextWindow)
	}
	if diff := cmp.Diff([]string{"send_message"}, toolNames(a.Tools)); diff != "" {
		t.Errorf("tools: %s", diff)
	}
	if len(a.ToolExecEnvVars) != 1 || a.ToolExecEnvVars[0].Key != "K" {
		t.Errorf("env vars = %+v", a.ToolExecEnvVars)
	}
	if got := f.context(t, a.ID)[0].Text(); strings.Contains(got, "<memory_blocks>") {
		t.Errorf("workflow prompt renders blocks:\n%s", got)
	}

	// Updating the system prompt rewrites the system message in place.
	u, err := f.engine.UpdateAgent(context.Background(), a.ID, UpdateAgentParams{System: letta.Ptr("New base."), Tags: &[]string{"z"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.MessageIDs[0] != a.MessageIDs[0] || u.System != "New base." || !cmp.Equal(u.Tags, []string{"z"}) {
		t.Errorf("update: ids %v→%v system %q tags %v", a.MessageIDs[:1], u.MessageIDs[:1], u.System, u.Tags)
	}
	if got := f.context(t, a.ID)[0].Text(); !strings.HasPrefix(got, "New base.\n\n") {
		t.Errorf("system message not recompiled:\n%s", got)
	}
}
