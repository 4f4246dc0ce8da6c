package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
)

func TestAgentReadAndDelete(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newAgent("reader", []string{"b", "a"})

	r := e.do("GET", "/v1/agents/"+a.ID, nil)
	r.expect(t, http.StatusOK)
	for _, field := range []string{
		`"tools":[]`, `"blocks":[]`, `"sources":[]`, `"identity_ids":[]`, `"tool_rules":[]`, `"message_ids":[]`,
		`"tool_exec_environment_variables":[]`, `"secrets":[]`, `"tags":["a","b"]`, `"memory":{"blocks":[]`,
		`"model":"openai/gpt-4o-mini"`, `"metadata":{}`,
	} {
		if !strings.Contains(string(r.body), field) {
			t.Errorf("agent JSON lacks %s: %s", field, r.body)
		}
	}

	var msg map[string]string
	e.ok("DELETE", "/v1/agents/"+a.ID+"/", nil, &msg)
	if want := "Agent id=" + a.ID + " successfully deleted"; msg["message"] != want {
		t.Errorf("delete = %v, want message %q", msg, want)
	}
	e.do("GET", "/v1/agents/"+a.ID, nil).expect(t, http.StatusNotFound)
}

func TestListAgents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var created []string
	for _, spec := range []struct {
		name string
		tags []string
	}{{"alpha", []string{"x"}}, {"beta", []string{"x", "y"}}, {"gamma", nil}} {
		created = append(created, e.newAgent(spec.name, spec.tags).ID)
	}
	newestFirst := slices.Clone(created)
	slices.Reverse(newestFirst)

	tests := []struct {
		path string
		want []string
	}{
		{"/v1/agents/", newestFirst},
		{"/v1/agents?order=asc", created},
		{"/v1/agents?ascending=true", created},
		{"/v1/agents?name=beta", created[1:2]},
		{"/v1/agents?query_text=AMM", created[2:3]},
		{"/v1/agents?tags=x&order=asc", created[:2]},
		{"/v1/agents?tags=x&tags=y&match_all_tags=true", created[1:2]},
		{"/v1/agents?limit=1", newestFirst[:1]},
		{"/v1/agents?after=" + created[2], newestFirst[1:]},
	}
	for _, tt := range tests {
		r := e.do("GET", tt.path, nil)
		r.expect(t, http.StatusOK)
		if diff := cmp.Diff(tt.want, ids(t, r.body)); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", tt.path, diff)
		}
	}
	if diff := cmp.Diff(newestFirst, walk(t, e, "/v1/agents/?limit=2")); diff != "" {
		t.Errorf("walk (-want +got):\n%s", diff)
	}
	var count int
	e.ok("GET", "/v1/agents/count", nil, &count)
	if count != 3 {
		t.Errorf("count = %d", count)
	}
	var tags []string
	e.ok("GET", "/v1/tags/", nil, &tags)
	if diff := cmp.Diff([]string{"x", "y"}, tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	e.do("GET", "/v1/agents?limit=abc", nil).expect(t, http.StatusUnprocessableEntity)
	e.do("GET", "/v1/agents?after="+letta.NewID(letta.PrefixAgent), nil).expect(t, http.StatusNotFound)
}
