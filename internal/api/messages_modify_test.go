package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// historyByType returns the agent's history items keyed by message type
// (the last of each type).
func (e *env) historyByType(agentID string) map[string]map[string]any {
	e.t.Helper()
	var items []map[string]any
	e.ok("GET", "/v1/agents/"+agentID+"/messages?limit=100", nil, &items)
	out := map[string]map[string]any{}
	for _, it := range items {
		out[it["message_type"].(string)] = it
	}
	return out
}

func TestModifyMessage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a letta.Agent
	e.ok("POST", "/v1/agents", map[string]any{
		"agent_type": "memgpt_agent", "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-ada-002",
	}, &a)
	r := llmtest.Call("send_message", `{"message": "Hello!", "request_heartbeat": false}`)
	r.Content = "Greet them."
	e.llm.Enqueue(r)
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "hi"}, nil)
	items := e.historyByType(a.ID)
	user, reply, thought := items["user_message"]["id"].(string), items["assistant_message"]["id"].(string), items["reasoning_message"]["id"].(string)
	path := func(id string) string { return "/v1/agents/" + a.ID + "/messages/" + id }

	var got map[string]any
	e.ok("PATCH", path(reply), map[string]any{"message_type": "assistant_message", "content": "Hi \"there\""}, &got)
	if got["message_type"] != "assistant_message" || got["content"] != "Hi \"there\"" || got["id"] != reply {
		t.Errorf("assistant update answered %v", got)
	}
	e.ok("PATCH", path(thought), map[string]any{"message_type": "reasoning_message", "reasoning": "Be warm."}, &got)
	if got["reasoning"] != "Be warm." {
		t.Errorf("reasoning update answered %v", got)
	}
	e.ok("PATCH", path(user), map[string]any{"message_type": "user_message", "content": []any{map[string]any{"type": "text", "text": "hello"}}}, &got)
	if got["content"] != "hello" && !strings.Contains(toJSON(t, got["content"]), "hello") {
		t.Errorf("user update answered %v", got)
	}
	after := e.historyByType(a.ID)
	if after["assistant_message"]["content"] != "Hi \"there\"" || after["reasoning_message"]["reasoning"] != "Be warm." {
		t.Errorf("history after updates: %v", after)
	}
	// The send_message call now carries the new text.
	var raw []map[string]any
	e.ok("GET", "/v1/agents/"+a.ID+"/messages?use_assistant_message=false", nil, &raw)
	found := false
	for _, it := range raw {
		if tc, ok := it["tool_call"].(map[string]any); ok && tc["name"] == "send_message" {
			found = strings.Contains(tc["arguments"].(string), `Hi \"there\"`)
		}
	}
	if !found {
		t.Errorf("send_message arguments not updated: %v", raw)
	}
	var sys []map[string]any
	e.ok("GET", "/v1/agents/"+a.ID+"/messages?include_return_message_types=system_message", nil, &sys)
	if len(sys) != 1 {
		t.Fatalf("system messages = %v", sys)
	}
	e.ok("PATCH", path(sys[0]["id"].(string)), map[string]any{"message_type": "system_message", "content": "You are terse."}, &got)
	if got["content"] != "You are terse." {
		t.Errorf("system update answered %v", got)
	}

	// Errors: wrong type for the message, unknown message, another agent's.
	before := e.historyByType(a.ID)
	e.do("PATCH", path(user), map[string]any{"message_type": "assistant_message", "content": "x"}).expect(t, http.StatusUnprocessableEntity)
	e.do("PATCH", path(reply), map[string]any{"message_type": "bogus"}).expect(t, http.StatusUnprocessableEntity)
	e.do("PATCH", path(user), map[string]any{"message_type": "user_message"}).expect(t, http.StatusUnprocessableEntity)
	e.do("PATCH", path("message-00000000-0000-4000-8000-000000000000"), map[string]any{"message_type": "user_message", "content": "x"}).expect(t, http.StatusNotFound)
	other := e.liveAgent()
	e.do("PATCH", "/v1/agents/"+other.ID+"/messages/"+user, map[string]any{"message_type": "user_message", "content": "x"}).expect(t, http.StatusNotFound)
	if diff := toJSON(t, e.historyByType(a.ID)); diff != toJSON(t, before) {
		t.Errorf("a rejected update changed history")
	}
}

func TestContextWindowOverview(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.liveAgent()
	e.llm.Enqueue(llmtest.Text("Hello."))
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "hi"}, nil)
	var o map[string]any
	e.ok("GET", "/v1/agents/"+a.ID+"/context", nil, &o)
	num := func(k string) int { f, _ := o[k].(float64); return int(f) }
	if num("context_window_size_max") != a.LLMConfig.ContextWindow || num("num_messages") != 3 || num("num_recall_memory") < 3 {
		t.Errorf("counts: %v", o)
	}
	if !strings.Contains(o["core_memory"].(string), "name: Caren") || strings.Contains(o["system_prompt"].(string), "name: Caren") {
		t.Errorf("core memory not cut out of the system prompt: %q / %q", o["core_memory"], o["system_prompt"])
	}
	if !strings.Contains(o["external_memory_summary"].(string), "memory_metadata") {
		t.Errorf("external memory summary = %q", o["external_memory_summary"])
	}
	if got := (len([]rune(o["core_memory"].(string))) + 3) / 4; num("num_tokens_core_memory") != got {
		t.Errorf("core memory tokens %d, want chars/4 = %d", num("num_tokens_core_memory"), got)
	}
	sum := 0
	for _, k := range []string{"system", "core_memory", "external_memory_summary", "summary_memory", "functions_definitions", "messages"} {
		sum += num("num_tokens_" + k)
	}
	if sum == 0 || num("context_window_size_current") != sum {
		t.Errorf("current %d, sum of parts %d", num("context_window_size_current"), sum)
	}
	if defs, _ := o["functions_definitions"].([]any); len(defs) != len(a.Tools) {
		t.Errorf("%d function definitions for %d tools", len(defs), len(a.Tools))
	}
	if msgs, _ := o["messages"].([]any); len(msgs) != 2 {
		t.Errorf("messages = %v", o["messages"])
	}
	e.do("GET", "/v1/agents/agent-00000000-0000-4000-8000-000000000000/context", nil).expect(t, http.StatusNotFound)
}
