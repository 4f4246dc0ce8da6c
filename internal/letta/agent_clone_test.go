package letta

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fullAgentJSON sets every field of an agent and of the letta structs in it.
const fullAgentJSON = `{"id":"agent-1","name":"n","agent_type":"letta_v1_agent","system":"s","description":"d",
	"metadata":{"k":[1,{"x":"y"}]},
	"llm_config":{"model":"m","model_endpoint_type":"openai","model_endpoint":"http://x","model_wrapper":"w",
		"context_window":8,"put_inner_thoughts_in_kwargs":true,"handle":"openai/m","temperature":0.7,"max_tokens":9,
		"enable_reasoner":true,"max_reasoning_tokens":3,"reasoning_effort":"low","frequency_penalty":0.5,
		"display_name":"M","provider_name":"openai","provider_category":"base","parallel_tool_calls":true,"strict":true,
		"tier":"t","verbosity":"v","response_format":{"type":"json_object"}},
	"embedding_config":{"embedding_endpoint_type":"openai","embedding_endpoint":"http://e","embedding_model":"e",
		"embedding_dim":3,"embedding_chunk_size":300,"handle":"openai/e","batch_size":32,"azure_endpoint":"a",
		"azure_version":"v","azure_deployment":"d"},
	"model":"openai/m","embedding":"openai/e",
	"tool_rules":[{"type":"conditional","tool_name":"f","prompt_template":"p","children":["g"],
		"child_output_mapping":{"a":"g"},"default_child":"g","require_output_mapping":true,"max_count_limit":2,
		"args":{"a":[1]},"extra":{"kept":true}}],
	"message_ids":["message-1"],"tags":["a"],
	"tools":[{"id":"tool-1","tool_type":"custom","name":"f","description":"d","source_type":"python","source_code":"def f(): pass",
		"json_schema":{"name":"f","parameters":{"type":"object"}},"args_json_schema":{"type":"object"},"tags":["t"],
		"return_char_limit":5,"pip_requirements":[{"name":"requests"}],"npm_requirements":[{"name":"x"}],
		"default_requires_approval":true,"enable_parallel_execution":false,"metadata_":{"k":[1]},
		"project_id":"p","created_by_id":"u","last_updated_by_id":"v",
		"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:06Z"}],
	"blocks":[{"id":"block-1","label":"human","value":"v","limit":10,"description":"d","metadata":{"k":{"x":1}},
		"is_template":true,"template_name":"tn","name":"bn","read_only":true,"hidden":false,"preserve_on_migration":true,
		"project_id":"p","template_id":"t","base_template_id":"bt","deployment_id":"dep","entity_id":"e","tags":["x"],
		"created_by_id":"u","last_updated_by_id":"v","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}],
	"memory":{"blocks":[{"id":"block-2","label":"persona","value":"p","limit":10,"description":"d","metadata":{"k":{"x":1}},
		"is_template":true,"template_name":"tn","name":"bn","read_only":true,"hidden":false,"preserve_on_migration":true,
		"project_id":"p","template_id":"t","base_template_id":"bt","deployment_id":"dep","entity_id":"e","tags":["x"],
		"created_by_id":"u","last_updated_by_id":"v","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}],
		"prompt_template":"{{x}}","agent_type":"letta_v1_agent","file_blocks":[{"k":[1]}],"git_enabled":true},
	"sources":[{"id":"source-1","k":[1]}],"identity_ids":["identity-1"],
	"identities":[{"id":"identity-1","identifier_key":"k","name":"n","identity_type":"user","project_id":"p",
		"agent_ids":["agent-1"],"block_ids":["block-1"],"properties":[{"key":"k","value":{"x":[1]},"type":"json"}],
		"created_by_id":"u","last_updated_by_id":"v","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}],
	"tool_exec_environment_variables":[{"id":"agent-env-1","key":"K","value":"V","description":"d","agent_id":"agent-1"}],
	"secrets":[{"id":"agent-env-2","key":"S","value":"W","description":"d","agent_id":"agent-1"}],
	"message_buffer_autoclear":true,"enable_sleeptime":false,"project_id":"p","template_id":"t","base_template_id":"bt",
	"deployment_id":"dep","entity_id":"ent","response_format":{"type":"json_object"},"timezone":"UTC",
	"max_files_open":3,"per_file_view_window_char_limit":4,"hidden":true,"multi_agent_group":{"id":["g"]},
	"managed_group":[{"x":1}],"pending_approval":{"id":["x"]},"last_run_completion":"2026-01-02T03:04:05Z",
	"last_run_duration_ms":12,"last_stop_reason":"end_turn","model_settings":{"t":[1.5]},
	"compaction_settings":{"mode":["x"]},"created_by_id":"user-1","last_updated_by_id":"user-2",
	"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-03T00:00:00Z"}`

func fullAgent(t *testing.T) Agent {
	t.Helper()
	var a Agent
	if err := json.Unmarshal([]byte(fullAgentJSON), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestFullAgentSetsEveryField(t *testing.T) {
	a := fullAgent(t)
	for _, unset := range unsetFields(reflect.ValueOf(a), "Agent") {
		t.Errorf("fullAgentJSON leaves %s unset", unset)
	}
}

// unsetFields lists the zero fields of v and of the letta structs in it.
func unsetFields(v reflect.Value, path string) []string {
	var out []string
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			out = unsetFields(v.Elem(), path)
		}
	case reflect.Slice:
		for i := range v.Len() {
			out = append(out, unsetFields(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Struct:
		if !strings.HasSuffix(v.Type().PkgPath(), "/letta") {
			break // time.Time
		}
		for i := range v.NumField() {
			p := path + "." + v.Type().Field(i).Name
			if v.Field(i).IsZero() {
				out = append(out, p)
				continue
			}
			out = append(out, unsetFields(v.Field(i), p)...)
		}
	}
	return out
}

func TestAgentCloneSharesNothing(t *testing.T) {
	tests := []struct {
		name  string
		agent func() Agent
	}{
		{"every field", func() Agent { return fullAgent(t) }},
		{"normalized", func() Agent { a := fullAgent(t); a.Normalize(); return a }},
		{"zero", func() Agent { return Agent{} }},
		{"empty lists", func() Agent { a := Agent{}; a.Normalize(); return a }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := tt.agent()
			c := orig.Clone()
			if !reflect.DeepEqual(c, orig) {
				t.Fatalf("clone differs:\n%+v\n%+v", c, orig)
			}
			shared := map[uintptr]string{}
			references(reflect.ValueOf(&orig).Elem(), "agent", func(p uintptr, path string) { shared[p] = path })
			references(reflect.ValueOf(&c).Elem(), "clone", func(p uintptr, path string) {
				if at, ok := shared[p]; ok {
					t.Errorf("%s shares memory with %s", path, at)
				}
			})
		})
	}
	a := fullAgent(t)
	a.Normalize()
	c := a.Clone()
	if !sameSlice(c.Memory.Blocks, c.Blocks) || !sameSlice(c.Secrets, c.ToolExecEnvVars) {
		t.Error("the clone does not keep Normalize's sharing of blocks and secrets")
	}
}

// references calls found with the address of every pointer, map and slice
// array reachable from v (unexported fields included).
func references(v reflect.Value, path string, found func(uintptr, string)) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		return // its *Location is immutable
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			found(v.Pointer(), path)
			references(v.Elem(), "*"+path, found)
		}
	case reflect.Interface:
		if !v.IsNil() {
			references(v.Elem(), path, found)
		}
	case reflect.Map:
		if !v.IsNil() {
			found(v.Pointer(), path)
			for it := v.MapRange(); it.Next(); {
				references(it.Value(), fmt.Sprintf("%s[%v]", path, it.Key()), found)
			}
		}
	case reflect.Slice:
		if v.Cap() > 0 {
			found(v.Pointer(), path)
		}
		for i := range v.Len() {
			references(v.Index(i), fmt.Sprintf("%s[%d]", path, i), found)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			references(v.Field(i), path+"."+v.Type().Field(i).Name, found)
		}
	}
}
