package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
)

func TestToolsReadOnly(t *testing.T) {
	t.Parallel()
	e := setup(t)
	now := letta.Now()
	tool := &letta.Tool{ID: letta.NewID(letta.PrefixTool), ToolType: letta.ToolTypeCustom, Name: "roll_dice",
		JSONSchema: map[string]any{"name": "roll_dice"}, ReturnCharLimit: letta.DefaultReturnCharLimit, CreatedAt: now, UpdatedAt: now}
	if err := e.store.CreateTool(t.Context(), tool); err != nil {
		t.Fatal(err)
	}
	var got letta.Tool
	e.ok("GET", "/v1/tools/"+tool.ID+"/", nil, &got)
	if got.Name != "roll_dice" || got.Tags == nil {
		t.Errorf("tool = %+v", got)
	}
	for path, want := range map[string]int{
		"/v1/tools/?name=roll_dice":          1,
		"/v1/tools/?name=nope":               0,
		"/v1/tools?names=nope,roll_dice":     1,
		"/v1/tools?names=nope&names=nothing": 0,
	} {
		r := e.do("GET", path, nil)
		r.expect(t, http.StatusOK)
		if n := len(ids(t, r.body)); n != want {
			t.Errorf("GET %s: %d tools, want %d", path, n, want)
		}
	}
	a := e.newAgent("tooly", nil)
	if err := e.store.AttachTool(t.Context(), a.ID, tool.ID); err != nil {
		t.Fatal(err)
	}
	if got := walk(t, e, "/v1/agents/"+a.ID+"/tools?limit=1"); len(got) != 1 || got[0] != tool.ID {
		t.Errorf("agent tools = %v", got)
	}
}

func TestSteps(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newAgent("stepper", nil)
	var want []string
	for range 3 {
		now := letta.Now()
		st := &letta.Step{ID: letta.NewID(letta.PrefixStep), AgentID: a.ID, Model: letta.Ptr("gpt-4o-mini"), Status: letta.StepSuccess, CreatedAt: now, UpdatedAt: now}
		if err := e.store.CreateStep(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		want = append(want, st.ID)
	}
	r := e.do("GET", "/v1/steps/"+want[0], nil)
	r.expect(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"tags":[]`) || !strings.Contains(string(r.body), `"messages":[]`) {
		t.Errorf("step JSON %s", r.body)
	}
	got := walk(t, e, "/v1/steps?order=asc&limit=2&agent_id="+a.ID)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("steps walk = %v, want %v", got, want)
	}
	r = e.do("GET", "/v1/steps?model=other", nil)
	r.expect(t, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("model filter: %s", r.body)
	}
	e.do("GET", "/v1/steps?start_date=yesterday", nil).expect(t, http.StatusUnprocessableEntity)
	e.ok("GET", "/v1/steps?start_date=2020-01-01&end_date=2100-01-01T00:00:00Z", nil, nil)
}

func TestModels(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var models []map[string]any
	e.ok("GET", "/v1/models/", nil, &models)
	if len(models) == 0 {
		t.Fatal("no models listed")
	}
	for _, m := range models {
		for _, k := range []string{"handle", "name", "display_name", "provider_type", "provider_name", "model", "model_endpoint_type", "context_window", "max_context_window"} {
			if m[k] == nil || m[k] == "" {
				t.Errorf("model %v lacks %s", m["handle"], k)
			}
		}
		if m["model_type"] != "llm" {
			t.Errorf("model_type = %v", m["model_type"])
		}
	}
	var embeddings []map[string]any
	e.ok("GET", "/v1/models/embedding", nil, &embeddings)
	for _, m := range embeddings {
		for _, k := range []string{"handle", "name", "embedding_model", "embedding_dim", "embedding_endpoint_type", "provider_type"} {
			if m[k] == nil || m[k] == "" {
				t.Errorf("embedding model %v lacks %s", m["handle"], k)
			}
		}
		if m["model_type"] != "embedding" {
			t.Errorf("model_type = %v", m["model_type"])
		}
	}
}
