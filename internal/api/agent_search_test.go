package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
)

// searchResult is the body of POST /v1/agents/search.
type searchResult struct {
	Agents []struct {
		ID string `json:"id"`
	} `json:"agents"`
	NextCursor *string `json:"nextCursor"`
}

func (s searchResult) ids() []string {
	out := []string{}
	for _, a := range s.Agents {
		out = append(out, a.ID)
	}
	return out
}

func TestAgentSearch(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alpha := e.newAgent("alpha one", []string{"red", "big"})
	beta := e.newAgent("beta", []string{"red"})
	gamma := e.newAgent("Gamma ONE", []string{"big"})
	e.newIdentity(map[string]any{"identifier_key": "user-9", "name": "n", "identity_type": "user", "agent_ids": []string{beta.ID, gamma.ID}})
	proj := e.newAgent("in project", nil)
	e.ok("PATCH", "/v1/agents/"+proj.ID, map[string]any{"project_id": "p1"}, nil)

	search := func(body any, headers ...string) searchResult {
		t.Helper()
		r := e.do("POST", "/v1/agents/search", body, headers...)
		r.expect(t, http.StatusOK)
		var out searchResult
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
		return out
	}
	cond := func(field, op string, value any) map[string]any {
		return map[string]any{"field": field, "operator": op, "value": value}
	}
	for _, tt := range []struct {
		name string
		body map[string]any
		want []string
	}{
		{"everything, newest first", map[string]any{}, []string{proj.ID, gamma.ID, beta.ID, alpha.ID}},
		{"ascending", map[string]any{"ascending": true}, []string{alpha.ID, beta.ID, gamma.ID, proj.ID}},
		{"name eq", map[string]any{"search": []any{cond("name", "eq", "beta")}}, []string{beta.ID}},
		{"name contains, any case", map[string]any{"search": []any{cond("name", "contains", "one")}}, []string{gamma.ID, alpha.ID}},
		{"tags contains all", map[string]any{"search": []any{cond("tags", "contains", []string{"red", "big"})}}, []string{alpha.ID}},
		{"identity by key", map[string]any{"search": []any{cond("identity", "eq", "user-9")}}, []string{gamma.ID, beta.ID}},
		{"AND", map[string]any{"combinator": "AND", "search": []any{cond("identity", "eq", "user-9"), cond("tags", "contains", []string{"red"})}}, []string{beta.ID}},
		{"agentId", map[string]any{"search": []any{cond("agentId", "eq", alpha.ID)}}, []string{alpha.ID}},
		{"version latest", map[string]any{"search": []any{map[string]any{"field": "version", "value": "latest"}}, "ascending": true}, []string{alpha.ID, beta.ID, gamma.ID, proj.ID}},
		{"version other", map[string]any{"search": []any{map[string]any{"field": "version", "value": "3"}}}, []string{}},
		{"templateName", map[string]any{"search": []any{cond("templateName", "eq", "t")}}, []string{}},
		{"project", map[string]any{"project_id": "p1"}, []string{proj.ID}},
	} {
		if diff := cmp.Diff(tt.want, search(tt.body).ids()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if got := search(map[string]any{}, "X-Project", "p1").ids(); !cmp.Equal(got, []string{proj.ID}) {
		t.Errorf("X-Project header = %v", got)
	}

	// Walk with limit and after until nextCursor is null.
	var walked []string
	body := map[string]any{"limit": 3, "ascending": true}
	for range 5 {
		page := search(body)
		walked = append(walked, page.ids()...)
		if page.NextCursor == nil {
			break
		}
		body["after"] = *page.NextCursor
	}
	if diff := cmp.Diff([]string{alpha.ID, beta.ID, gamma.ID, proj.ID}, walked); diff != "" {
		t.Errorf("walk (-want +got):\n%s", diff)
	}
	last := search(map[string]any{"limit": 4})
	if last.NextCursor != nil || len(last.Agents) != 4 {
		t.Errorf("a full page with nothing after it: cursor %v, %d agents", last.NextCursor, len(last.Agents))
	}

	// Sorting by updated_at puts the just-updated agent last (ascending).
	e.ok("PATCH", "/v1/agents/"+alpha.ID, map[string]any{"description": "touched"}, nil)
	got := search(map[string]any{"sortBy": "updated_at", "ascending": true}).ids()
	if len(got) != 4 || got[3] != alpha.ID {
		t.Errorf("sorted by updated_at = %v, want %s last", got, alpha.ID)
	}

	for _, bad := range []any{
		map[string]any{"search": []any{cond("color", "eq", "x")}},
		map[string]any{"search": []any{cond("name", "startswith", "x")}},
		map[string]any{"search": []any{cond("tags", "contains", "red")}},
		map[string]any{"search": []any{cond("name", "eq", 3)}},
		map[string]any{"combinator": "OR"},
		map[string]any{"limit": 0},
		map[string]any{"limit": 1.5},
		map[string]any{"sortBy": "name"},
	} {
		r := e.do("POST", "/v1/agents/search", bad)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("search %v: status %d, want 422: %s", bad, r.status, r.body)
		}
	}
	e.do("POST", "/v1/agents/search", map[string]any{"after": letta.NewID(letta.PrefixAgent)}).expect(t, http.StatusNotFound)
}
