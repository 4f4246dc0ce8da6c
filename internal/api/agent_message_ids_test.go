package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// TestPatchMessageIDsKeepsTheAgentRunnable: PATCH /v1/agents/{id} with
// message_ids the agent could not run on (empty, unknown, another agent's,
// repeated, not starting with the system message) is a 422 that changes
// nothing; a valid list is kept and the agent answers after it.
func TestPatchMessageIDsKeepsTheAgentRunnable(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a, b := e.liveAgent(), e.liveAgent()
	say := func(agentID, text string) {
		t.Helper()
		e.llm.Enqueue(llmtest.Text("ok"))
		e.ok("POST", "/v1/agents/"+agentID+"/messages", map[string]any{"messages": []map[string]any{{"role": "user", "content": text}}}, nil)
	}
	say(a.ID, "hello")
	ids := func(agentID string) []string {
		t.Helper()
		var got letta.Agent
		e.ok("GET", "/v1/agents/"+agentID, nil, &got)
		return got.MessageIDs
	}
	before, other := ids(a.ID), ids(b.ID)
	if len(before) < 3 {
		t.Fatalf("agent a has %d in-context messages, want the system message and a turn", len(before))
	}
	sys := before[0]
	for _, tc := range []struct {
		name string
		ids  []string
	}{
		{"empty", []string{}},
		{"unknown", []string{sys, letta.NewID(letta.PrefixMessage)}},
		{"another agent's", []string{sys, other[0]}},
		{"another agent's system message first", append([]string{other[0]}, before[1:]...)},
		{"repeated", []string{sys, before[1], before[1]}},
		{"system message not first", []string{before[1], sys}},
	} {
		r := e.do("PATCH", "/v1/agents/"+a.ID, map[string]any{"message_ids": tc.ids})
		r.expect(t, http.StatusUnprocessableEntity)
		if got := ids(a.ID); !slices.Equal(got, before) {
			t.Errorf("%s: message_ids changed to %v", tc.name, got)
		}
	}

	e.ok("PATCH", "/v1/agents/"+a.ID, map[string]any{"message_ids": []string{sys}}, nil)
	if got := ids(a.ID); !slices.Equal(got, []string{sys}) {
		t.Fatalf("message_ids = %v after a valid PATCH, want [%s]", got, sys)
	}
	say(a.ID, "again")
	if got := ids(a.ID); len(got) < 3 || got[0] != sys {
		t.Errorf("message_ids after the next turn = %v", got)
	}
}

// TestAgentLinksToMissingResources: creating or updating an agent with a
// tool, block or identity id that does not exist is a 404 naming it (not
// the store's foreign-key text), and the update changes nothing.
func TestAgentLinksToMissingResources(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	for field, resource := range map[string]string{"tool_ids": "Tool", "block_ids": "Block", "identity_ids": "Identity"} {
		want := resource + " not found: x-nope"
		r := e.do("POST", "/v1/agents", map[string]any{"model": "openai/gpt-4o-mini", field: []string{"x-nope"}})
		r.expect(t, http.StatusNotFound)
		if got := r.detail(t); got != want {
			t.Errorf("create with %s: detail %q, want %q", field, got, want)
		}
		r = e.do("PATCH", "/v1/agents/"+a.ID, map[string]any{field: []string{"x-nope"}, "name": "renamed"})
		r.expect(t, http.StatusNotFound)
		if got := r.detail(t); got != want {
			t.Errorf("update with %s: detail %q, want %q", field, got, want)
		}
	}
	var got letta.Agent
	e.ok("GET", "/v1/agents/"+a.ID, nil, &got)
	if got.Name != a.Name || len(got.Tools) != len(a.Tools) || len(got.Blocks) != len(a.Blocks) {
		t.Errorf("agent changed by failed updates: name %q, %d tools, %d blocks", got.Name, len(got.Tools), len(got.Blocks))
	}
}
