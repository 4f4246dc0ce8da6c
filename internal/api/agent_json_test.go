package api

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
)

// fullAgentJSON sets every field of an AgentState, with text that needs
// escaping, so that a field the agent writer forgets or writes differently
// shows up.
const fullAgentJSON = `{"id":"agent-1","name":"<b>&\"bot\"</b>","agent_type":"letta_v1_agent",
	"system":"line\nbreak \u2028 tab\t é ☃ \u0001","description":"d","metadata":{"z":1,"a":[true,null,"x"]},
	"llm_config":{"model":"m","model_endpoint_type":"openai","context_window":8,"handle":"openai/m","temperature":0.7},
	"embedding_config":{"embedding_endpoint_type":"openai","embedding_model":"e","embedding_dim":3},
	"model":"openai/m","embedding":"openai/e",
	"tool_rules":[{"type":"terminal","tool_name":"send_message","prompt_template":null}],
	"message_ids":["message-1","message-\"2\""],"tags":["a","<b>"],
	"tools":[{"id":"tool-full-1","tool_type":"custom","name":"f","json_schema":{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"string","description":"<x> & y"}}}},
		"tags":[],"return_char_limit":5,"metadata_":{},"created_at":"2026-01-02T03:04:05.123456Z","updated_at":"2026-01-02T03:04:05Z"}],
	"blocks":[{"id":"block-1","label":"human","value":"v\n","limit":10,"metadata":{},"tags":[],"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}],
	"memory":{"blocks":[{"id":"block-2","label":"persona","value":"p","limit":10,"tags":null}],"prompt_template":"{{x}} <y>","agent_type":"letta_v1_agent","file_blocks":[{"k":1}],"git_enabled":true},
	"sources":[{"id":"source-1"}],"identity_ids":["identity-1"],
	"identities":[{"id":"identity-1","identifier_key":"k","name":"n","identity_type":"user","agent_ids":[],"block_ids":null,"properties":[]}],
	"tool_exec_environment_variables":[{"id":"agent-env-1","key":"K","value":"V","agent_id":"agent-1"}],
	"secrets":[{"id":"agent-env-2","key":"S","value":"W","agent_id":"agent-1"}],
	"message_buffer_autoclear":true,"enable_sleeptime":false,"project_id":"p","template_id":"t","base_template_id":"bt",
	"deployment_id":"dep","entity_id":"ent","response_format":{"type":"json_object"},"timezone":"Europe/Paris",
	"max_files_open":3,"per_file_view_window_char_limit":4,"hidden":true,"multi_agent_group":{"id":"g"},
	"managed_group":[1,2],"pending_approval":"x","last_run_completion":"2026-01-02T03:04:05.5+02:00",
	"last_run_duration_ms":12,"last_stop_reason":"end_turn","model_settings":{"temperature":1.5},
	"compaction_settings":{"mode":"x"},"created_by_id":"user-1","last_updated_by_id":"user-2",
	"created_at":"2026-01-02T03:04:05.000001Z","updated_at":"2026-01-03T00:00:00Z"}`

func decodeAgent(t *testing.T, src string) *letta.Agent {
	t.Helper()
	var a letta.Agent
	if err := json.Unmarshal([]byte(src), &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// encodingJSON is what writeJSON (encoding/json) writes for v.
func encodingJSON(t *testing.T, v any) string {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := writeJSON(rec, 200, v); err != nil {
		t.Fatal(err)
	}
	return rec.Body.String()
}

func agentWriterJSON(t *testing.T, agents []*letta.Agent, array bool) string {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := writeAgentsJSON(rec, agents, array); err != nil {
		t.Fatal(err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	return rec.Body.String()
}

func TestFullAgentFixtureSetsEveryField(t *testing.T) {
	a := decodeAgent(t, fullAgentJSON)
	for _, v := range []reflect.Value{reflect.ValueOf(a).Elem(), reflect.ValueOf(a.Memory)} {
		for i := range v.NumField() {
			if v.Field(i).IsZero() {
				t.Errorf("fullAgentJSON leaves %s.%s unset", v.Type().Name(), v.Type().Field(i).Name)
			}
		}
	}
}

func TestAgentWriterWritesWhatEncodingJSONWrites(t *testing.T) {
	normalized := decodeAgent(t, fullAgentJSON)
	normalized.Normalize()
	tests := []struct {
		name  string
		agent *letta.Agent
	}{
		{"every field", decodeAgent(t, fullAgentJSON)},
		{"normalized", normalized},
		{"zero", &letta.Agent{}},
		{"empty lists", decodeAgent(t, `{"tools":[],"blocks":[],"tags":[],"message_ids":[],"memory":{"blocks":[]}}`)},
		{"invalid UTF-8", &letta.Agent{Name: "a\xffb", System: "\xc3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := encodingJSON(t, tt.agent)
			if diff := cmp.Diff(want, agentWriterJSON(t, []*letta.Agent{tt.agent}, false)); diff != "" {
				t.Errorf("one agent (-encoding/json +agent writer):\n%s", diff)
			}
			want = encodingJSON(t, []*letta.Agent{tt.agent, tt.agent})
			if diff := cmp.Diff(want, agentWriterJSON(t, []*letta.Agent{tt.agent, tt.agent}, true)); diff != "" {
				t.Errorf("array (-encoding/json +agent writer):\n%s", diff)
			}
		})
	}
	if got := agentWriterJSON(t, nil, true); got != "[]\n" {
		t.Errorf("no agents = %q, want []", got)
	}
}

// A tool changed under the same id (an update, or a caller's copy) is
// written as it is now, never from the cache.
func TestAgentWriterSeesChangedTools(t *testing.T) {
	a := decodeAgent(t, fullAgentJSON)
	a.Tools[0].ID = letta.NewID(letta.PrefixTool) // a cache entry of its own
	agentWriterJSON(t, []*letta.Agent{a}, false)  // cached
	props := a.Tools[0].JSONSchema["parameters"].(map[string]any)["properties"].(map[string]any)
	for _, change := range []func(){
		func() { props["x"].(map[string]any)["description"] = "changed in place" },
		func() { props["y"] = map[string]any{"type": "integer"} },
		func() { a.Tools[0].UpdatedAt = a.Tools[0].UpdatedAt.Add(1) },
		func() { a.Tools[0].Tags = nil },
	} {
		change()
		if diff := cmp.Diff(encodingJSON(t, a), agentWriterJSON(t, []*letta.Agent{a}, false)); diff != "" {
			t.Errorf("after a change (-encoding/json +agent writer):\n%s", diff)
		}
	}
}

func TestAgentWriterReportsEncodingErrors(t *testing.T) {
	a := &letta.Agent{Metadata: map[string]any{"f": func() {}}}
	rec := httptest.NewRecorder()
	if err := writeAgentsJSON(rec, []*letta.Agent{a}, false); err == nil {
		t.Fatal("no error for an unencodable value")
	}
	if rec.Body.Len() != 0 {
		t.Errorf("wrote %q before failing", rec.Body)
	}
}
