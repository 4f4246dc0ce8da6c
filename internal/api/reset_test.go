package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// storedRoles returns the roles of the agent's in-context messages and the
// number of messages it has stored.
func storedRoles(t *testing.T, e *env, agentID string) ([]string, int) {
	t.Helper()
	a, err := e.store.GetAgent(t.Context(), agentID)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := e.store.GetMessages(t.Context(), a.MessageIDs)
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, m := range msgs {
		roles = append(roles, m.Role)
	}
	n, err := e.store.CountMessages(t.Context(), agentID)
	if err != nil {
		t.Fatal(err)
	}
	return roles, n
}

func TestResetMessages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Text("hello"))
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "hi"}, nil)
	before, _ := e.store.GetAgent(t.Context(), a.ID)

	var got letta.Agent
	e.ok("PATCH", "/v1/agents/"+a.ID+"/reset-messages", nil, &got)
	roles, n := storedRoles(t, e, a.ID)
	if !slices.Equal(roles, []string{letta.RoleSystem}) || n != 1 {
		t.Fatalf("after reset: in context %v, %d stored", roles, n)
	}
	if len(got.MessageIDs) != 1 || got.MessageIDs[0] == before.MessageIDs[0] || got.ID != a.ID {
		t.Errorf("returned agent message_ids = %v (before %v)", got.MessageIDs, before.MessageIDs)
	}
	sys, err := e.store.GetMessage(t.Context(), got.MessageIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if text := sys.Text(); !containsAll(text, "name: Caren", "<memory_blocks>") {
		t.Errorf("system message is not the compiled prompt: %q", text)
	}
	// The agent keeps working after a reset.
	e.llm.Enqueue(llmtest.Text("again"))
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "after reset"}, nil)

	e.do("PATCH", "/v1/agents/agent-00000000-0000-4000-8000-000000000000/reset-messages", nil).expect(t, http.StatusNotFound)
	e.do("PATCH", "/v1/agents/"+a.ID+"/reset-messages?add_default_initial_messages=maybe", nil).expect(t, http.StatusUnprocessableEntity)
}

func TestResetMessagesWithDefaults(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a letta.Agent
	e.ok("POST", "/v1/agents", map[string]any{
		"agent_type": "memgpt_agent", "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-ada-002",
		"memory_blocks": []any{map[string]any{"label": "human", "value": "name: Caren"}},
	}, &a)
	opening, _ := storedRoles(t, e, a.ID)
	if len(opening) < 2 {
		t.Fatalf("memgpt agent opened with %v", opening)
	}
	for _, req := range []struct {
		path string
		body any
	}{
		{"/v1/agents/" + a.ID + "/reset-messages?add_default_initial_messages=true", nil},
		{"/v1/agents/" + a.ID + "/reset-messages", map[string]any{"add_default_initial_messages": true}},
	} {
		e.ok("PATCH", req.path, req.body, nil)
		roles, n := storedRoles(t, e, a.ID)
		if !slices.Equal(roles, opening) || n != len(opening) {
			t.Errorf("%s: in context %v, %d stored; want %v", req.path, roles, n, opening)
		}
	}
	e.ok("PATCH", "/v1/agents/"+a.ID+"/reset-messages", map[string]any{}, nil)
	if roles, n := storedRoles(t, e, a.ID); len(roles) != 1 || n != 1 {
		t.Errorf("without the flag: %v, %d stored", roles, n)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
