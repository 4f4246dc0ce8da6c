package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// TestNULCharactersRejected: text with NUL is a 422 everywhere (Postgres
// cannot store it), so both stores answer alike and nothing is written.
func TestNULCharactersRejected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newAgent("nul", nil)
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/v1/blocks/", `{"label":"l\u0000","value":"v"}`},
		{"PATCH", "/v1/agents/" + a.ID, `{"tags":["a\u0000b"]}`},
		{"GET", "/v1/blocks/?label=a%00b", ""},
	} {
		var body any
		if tc.body != "" {
			body = tc.body
		}
		r := e.do(tc.method, tc.path, body)
		r.expect(t, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.body), "NUL") {
			t.Errorf("%s %s: body %s does not say why", tc.method, tc.path, r.body)
		}
	}
	// An escaped backslash followed by the text u0000 is not a NUL.
	r := e.do("POST", "/v1/blocks/", `{"label":"lit","value":"C:\\u0000"}`)
	r.expect(t, http.StatusOK)
	var got struct {
		Tags []string `json:"tags"`
	}
	e.ok("GET", "/v1/agents/"+a.ID, nil, &got)
	if len(got.Tags) != 0 {
		t.Errorf("the rejected tags were stored: %v", got.Tags)
	}
}

// TestLabelWithSlash: a label holding "/" is reachable with %2F.
func TestLabelWithSlash(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.newBlock("team/notes", "shared", 0)
	a := e.newAgent("slash", nil, b.ID)
	r := e.do("GET", "/v1/agents/"+a.ID+"/core-memory/blocks/"+url.PathEscape("team/notes"), nil)
	r.expect(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"label":"team/notes"`) {
		t.Fatalf("got %s", r.body)
	}
	r = e.do("GET", "/v1/agents/"+a.ID+"/core-memory/blocks/"+url.PathEscape("50%"), nil)
	r.expect(t, http.StatusNotFound)
	if !strings.Contains(string(r.body), "50%") {
		t.Errorf("404 should name the decoded label: %s", r.body)
	}
}

// TestBlockLabelsStayUnique: no path gives an agent two blocks with one
// label (they are addressed by label), and a refused request changes nothing.
func TestBlockLabelsStayUnique(t *testing.T) {
	t.Parallel()
	e := setup(t)
	dup := e.do("POST", "/v1/agents/", map[string]any{
		"model":         "openai/gpt-4o-mini",
		"memory_blocks": []map[string]any{{"label": "human", "value": "a"}, {"label": "human", "value": "b"}},
	})
	dup.expect(t, http.StatusUnprocessableEntity)

	global := e.newBlock("human", "global", 0)
	mixed := e.do("POST", "/v1/agents/", map[string]any{
		"model":         "openai/gpt-4o-mini",
		"memory_blocks": []map[string]any{{"label": "human", "value": "a"}},
		"block_ids":     []string{global.ID},
	})
	mixed.expect(t, http.StatusUnprocessableEntity)
	var agents []any
	e.ok("GET", "/v1/agents/", nil, &agents)
	if len(agents) != 0 {
		t.Fatalf("refused creates left %d agents behind", len(agents))
	}

	var a struct {
		ID string `json:"id"`
	}
	e.ok("POST", "/v1/agents/", map[string]any{
		"model": "openai/gpt-4o-mini",
		"memory_blocks": []map[string]any{
			{"label": "human", "value": "h"}, {"label": "persona", "value": "p"},
		},
	}, &a)
	rename := e.do("PATCH", "/v1/agents/"+a.ID+"/core-memory/blocks/persona", map[string]any{"label": "human"})
	rename.expect(t, http.StatusConflict)
	e.ok("GET", "/v1/agents/"+a.ID+"/core-memory/blocks/persona", nil, nil)

	swap := e.do("PATCH", "/v1/agents/"+a.ID, map[string]any{"block_ids": []string{global.ID, blockIDByLabel(t, e, a.ID, "human")}})
	swap.expect(t, http.StatusUnprocessableEntity)
}

func blockIDByLabel(t *testing.T, e *env, agentID, label string) string {
	t.Helper()
	var b struct {
		ID string `json:"id"`
	}
	e.ok("GET", "/v1/agents/"+agentID+"/core-memory/blocks/"+label, nil, &b)
	return b.ID
}

// TestIncompleteLLMConfigRejected: an llm_config the agent could not run
// with is a 422 on create and on modify, and the agent keeps its model.
func TestIncompleteLLMConfigRejected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, cfg := range []map[string]any{
		{"model": "x"},
		{"model": "x", "model_endpoint_type": "openai", "context_window": -5},
		{"model": "x", "model_endpoint_type": "anthropic", "context_window": 1000},
	} {
		r := e.do("POST", "/v1/agents/", map[string]any{"llm_config": cfg})
		r.expect(t, http.StatusUnprocessableEntity)
	}
	var a struct {
		ID        string `json:"id"`
		LLMConfig struct {
			Model         string `json:"model"`
			ContextWindow int    `json:"context_window"`
		} `json:"llm_config"`
	}
	e.ok("POST", "/v1/agents/", map[string]any{"model": "openai/gpt-4o-mini"}, &a)
	e.do("PATCH", "/v1/agents/"+a.ID, map[string]any{"llm_config": map[string]any{"model": "x"}}).expect(t, http.StatusUnprocessableEntity)
	before := a.LLMConfig
	e.ok("GET", "/v1/agents/"+a.ID, nil, &a)
	if a.LLMConfig != before || a.LLMConfig.Model != "gpt-4o-mini" {
		t.Fatalf("llm_config changed to %+v", a.LLMConfig)
	}
	var ok struct {
		LLMConfig struct {
			Model string `json:"model"`
		} `json:"llm_config"`
	}
	e.ok("POST", "/v1/agents/", map[string]any{"llm_config": map[string]any{
		"model": "gpt-4o", "model_endpoint_type": "openai", "context_window": 128000,
	}}, &ok)
	if ok.LLMConfig.Model != "gpt-4o" {
		t.Fatalf("a full llm_config was not kept: %+v", ok.LLMConfig)
	}
}

// TestIncludeErr: the input of a failed turn is stored with is_err but
// listed only with include_err=true.
func TestIncludeErr(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a struct {
		ID string `json:"id"`
	}
	e.ok("POST", "/v1/agents/", map[string]any{"model": "openai/gpt-4o-mini"}, &a)
	e.llm.Enqueue(llmtest.Error(400, ""))
	failed := e.do("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "this turn fails"})
	if failed.status < 400 {
		t.Fatalf("the failing turn answered %d", failed.status)
	}
	count := func(query string) int {
		var msgs []struct {
			Content any  `json:"content"`
			IsErr   bool `json:"is_err"`
		}
		e.ok("GET", "/v1/agents/"+a.ID+"/messages"+query, nil, &msgs)
		n := 0
		for _, m := range msgs {
			if m.Content == "this turn fails" {
				n++
				if !m.IsErr {
					t.Errorf("the failed input is listed without is_err")
				}
			}
		}
		return n
	}
	if n := count(""); n != 0 {
		t.Errorf("default listing shows the failed input %d times", n)
	}
	if n := count("?include_err=true"); n != 1 {
		t.Errorf("include_err=true shows the failed input %d times, want 1", n)
	}
}

// TestErrorsNameWhatIsWrong: a missing referenced id is named in the 404,
// and a type error's loc holds only wire names (no Go struct names).
func TestErrorsNameWhatIsWrong(t *testing.T) {
	t.Parallel()
	e := setup(t)
	missing := "block-00000000-0000-4000-8000-00000000beef"
	r := e.do("POST", "/v1/agents/", map[string]any{"model": "openai/gpt-4o-mini", "block_ids": []string{missing}})
	r.expect(t, http.StatusNotFound)
	if !strings.Contains(r.detail(t), missing) {
		t.Errorf("404 does not name %s: %s", missing, r.body)
	}
	a := e.newAgent("loc", nil)
	r = e.do("POST", "/v1/agents/"+a.ID+"/messages/async", `{"messages": "not a list"}`)
	r.expect(t, http.StatusUnprocessableEntity)
	if strings.Contains(string(r.body), "Request") || !strings.Contains(string(r.body), `"messages"`) {
		t.Errorf("loc should be [body, messages]: %s", r.body)
	}
}

// TestBadEmbeddingConfigRejected: an embedding_config archival memory could
// not use is a 422 on create and on modify.
func TestBadEmbeddingConfigRejected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	good := map[string]any{"embedding_endpoint_type": "openai", "embedding_model": "text-embedding-3-small", "embedding_dim": 1536}
	for name, change := range map[string]map[string]any{
		"zero dim":     {"embedding_dim": 0},
		"negative dim": {"embedding_dim": -5},
		"huge dim":     {"embedding_dim": 99999},
		"no model":     {"embedding_model": ""},
		"unknown type": {"embedding_endpoint_type": "bogus"},
	} {
		cfg := map[string]any{}
		for k, v := range good {
			cfg[k] = v
		}
		for k, v := range change {
			cfg[k] = v
		}
		r := e.do("POST", "/v1/agents/", map[string]any{"model": "openai/gpt-4o-mini", "embedding_config": cfg})
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422; body %s", name, r.status, r.body)
		}
	}
	var a struct {
		ID string `json:"id"`
	}
	e.ok("POST", "/v1/agents/", map[string]any{"model": "openai/gpt-4o-mini", "embedding_config": good}, &a)
	bad := map[string]any{"embedding_endpoint_type": "openai", "embedding_model": "x", "embedding_dim": 0}
	e.do("PATCH", "/v1/agents/"+a.ID, map[string]any{"embedding_config": bad}).expect(t, http.StatusUnprocessableEntity)
}

// TestBlocksByIdentity: GET /v1/blocks filters by identity_id and
// identifier_keys and pages the filtered list to its end.
func TestBlocksByIdentity(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var linked []string
	for i := 0; i < 3; i++ {
		linked = append(linked, e.newBlock("linked", "v", 0).ID)
	}
	e.newBlock("other", "v", 0)
	var ident struct {
		ID string `json:"id"`
	}
	e.ok("POST", "/v1/identities/", map[string]any{
		"identifier_key": "user-42", "name": "Caren", "identity_type": "user", "block_ids": linked,
	}, &ident)

	var all []string
	after := ""
	for range 5 {
		r := e.do("GET", "/v1/blocks/?limit=2&identity_id="+ident.ID+after, nil)
		r.expect(t, http.StatusOK)
		page := ids(t, r.body)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = "&after=" + page[len(page)-1]
	}
	if strings.Join(all, ",") != strings.Join(linked, ",") {
		t.Errorf("paged by identity_id: %v, want %v", all, linked)
	}
	r := e.do("GET", "/v1/blocks/?identifier_keys=user-42", nil)
	r.expect(t, http.StatusOK)
	if got := ids(t, r.body); len(got) != 3 {
		t.Errorf("by identifier_keys: %v, want the 3 linked blocks", got)
	}
	e.do("GET", "/v1/blocks/?identity_id=identity-00000000-0000-4000-8000-000000000000", nil).expect(t, http.StatusNotFound)
}

// TestSendToUnknownAgent: a send to an agent that does not exist is a 404
// naming it, and leaves no run behind.
func TestSendToUnknownAgent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	missing := "agent-00000000-0000-4000-8000-00000000dead"
	r := e.do("POST", "/v1/agents/"+missing+"/messages", map[string]any{"input": "hello?"})
	r.expect(t, http.StatusNotFound)
	if !strings.Contains(r.detail(t), missing) {
		t.Errorf("404 does not name the agent: %s", r.body)
	}
	var runs []any
	e.ok("GET", "/v1/runs/", nil, &runs)
	if len(runs) != 0 {
		t.Errorf("a refused send left %d runs", len(runs))
	}
}
