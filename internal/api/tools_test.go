package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

const diceSource = `def roll_dice(sides: int, secret_name: str = "DICE_SEED") -> str:
    """Roll a die and report an environment variable.

    Args:
        sides: Number of sides.
        secret_name: Which variable to report.
    """
    import os
    print("rolling")
    return f"rolled {sides} with {os.environ.get(secret_name)}"
`

type wireTool struct {
	ID              string         `json:"id"`
	Name            string         `json:"name"`
	ToolType        string         `json:"tool_type"`
	Description     string         `json:"description"`
	SourceCode      string         `json:"source_code"`
	JSONSchema      map[string]any `json:"json_schema"`
	ReturnCharLimit int            `json:"return_char_limit"`
	Tags            []string       `json:"tags"`
}

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
}

func TestToolsCRUD(t *testing.T) {
	t.Parallel()
	needPython(t)
	e := setup(t)
	var created wireTool
	e.ok("POST", "/v1/tools/", map[string]any{"source_code": diceSource, "tags": []string{"dice"}}, &created)
	if created.Name != "roll_dice" || created.ToolType != "custom" || created.ReturnCharLimit != 50000 {
		t.Fatalf("created = %+v", created)
	}
	if created.Description != "Roll a die and report an environment variable." {
		t.Errorf("description = %q", created.Description)
	}
	params := created.JSONSchema["parameters"].(map[string]any)
	if req := params["required"].([]any); len(req) != 1 || req[0] != "sides" {
		t.Errorf("required = %v", req)
	}

	// The same name again is Letta's 409; bad source is a 400 naming the problem.
	dup := e.do("POST", "/v1/tools/", map[string]any{"source_code": diceSource})
	dup.expect(t, http.StatusConflict)
	if !strings.Contains(dup.detail(t), "already exists") {
		t.Errorf("409 detail = %q", dup.detail(t))
	}
	bad := e.do("POST", "/v1/tools/", map[string]any{"source_code": "def f(x: int):\n    return x\n"})
	bad.expect(t, http.StatusBadRequest)
	if !strings.Contains(bad.detail(t), "no docstring") {
		t.Errorf("400 detail = %q", bad.detail(t))
	}
	e.do("POST", "/v1/tools/", map[string]any{"source_code": "def f(:"}).expect(t, http.StatusBadRequest)
	e.do("POST", "/v1/tools/", map[string]any{"source_code": diceSource, "return_char_limit": 0}).expect(t, http.StatusUnprocessableEntity)
	e.do("POST", "/v1/tools/", map[string]any{}).expect(t, http.StatusUnprocessableEntity)

	// List by name, search, type; count.
	var byName []wireTool
	e.ok("GET", "/v1/tools/?name=roll_dice", nil, &byName)
	if len(byName) != 1 || byName[0].ID != created.ID {
		t.Fatalf("list by name = %+v", byName)
	}
	var custom []wireTool
	e.ok("GET", "/v1/tools/?tool_types=custom", nil, &custom)
	if len(custom) != 1 {
		t.Errorf("custom tools = %d", len(custom))
	}
	var searched []wireTool
	e.ok("GET", "/v1/tools/?search=DICE", nil, &searched)
	if len(searched) != 1 {
		t.Errorf("search = %d", len(searched))
	}
	var count int
	e.ok("GET", "/v1/tools/count?name=roll_dice", nil, &count)
	if count != 1 {
		t.Errorf("count = %d", count)
	}

	// Modify: a new source derives the schema again.
	var updated wireTool
	newSource := strings.Replace(diceSource, "Roll a die and", "Throw a die and", 1)
	e.ok("PATCH", "/v1/tools/"+created.ID, map[string]any{"source_code": newSource, "return_char_limit": 10}, &updated)
	if updated.Description != "Throw a die and report an environment variable." || updated.ReturnCharLimit != 10 || updated.SourceCode != newSource {
		t.Errorf("updated = %+v", updated)
	}
	// Upsert by derived name updates the same tool.
	var upserted wireTool
	e.ok("PUT", "/v1/tools/", map[string]any{"source_code": diceSource}, &upserted)
	if upserted.ID != created.ID || upserted.Description != "Roll a die and report an environment variable." {
		t.Errorf("upserted = %+v", upserted)
	}

	// Delete answers null; the tool is gone.
	r := e.do("DELETE", "/v1/tools/"+created.ID, nil)
	r.expect(t, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != "null" {
		t.Errorf("delete body = %s", r.body)
	}
	e.do("GET", "/v1/tools/"+created.ID, nil).expect(t, http.StatusNotFound)

	// add-base-tools brings back a deleted base tool.
	var all []wireTool
	e.ok("GET", "/v1/tools/?name=memory_insert", nil, &all)
	if len(all) != 1 {
		t.Fatalf("memory_insert missing: %+v", all)
	}
	e.do("DELETE", "/v1/tools/"+all[0].ID, nil).expect(t, http.StatusOK)
	var base []wireTool
	e.ok("POST", "/v1/tools/add-base-tools", nil, &base)
	found := false
	for _, b := range base {
		found = found || b.Name == "memory_insert"
	}
	if !found {
		t.Errorf("add-base-tools did not restore memory_insert: %+v", base)
	}
}

func TestRunToolFromSource(t *testing.T) {
	t.Parallel()
	needPython(t)
	e := setup(t)
	var msg struct {
		MessageType string   `json:"message_type"`
		ToolReturn  string   `json:"tool_return"`
		Status      string   `json:"status"`
		Stdout      []string `json:"stdout"`
	}
	e.ok("POST", "/v1/tools/run", map[string]any{
		"source_code": diceSource, "args": map[string]any{"sides": 6}, "env_vars": map[string]string{"DICE_SEED": "42"},
	}, &msg)
	if msg.MessageType != "tool_return_message" || msg.Status != "success" || msg.ToolReturn != "rolled 6 with 42" {
		t.Fatalf("run = %+v", msg)
	}
	if len(msg.Stdout) != 1 || strings.TrimSpace(msg.Stdout[0]) != "rolling" {
		t.Errorf("stdout = %q", msg.Stdout)
	}
	e.ok("POST", "/v1/tools/run", map[string]any{
		"source_code": "def boom() -> str:\n    \"\"\"Fail.\"\"\"\n    raise KeyError('nope')\n", "args": map[string]any{},
	}, &msg)
	if msg.Status != "error" || msg.ToolReturn != "Error executing function boom: KeyError: 'nope'" {
		t.Errorf("failing run = %+v", msg)
	}
}

// An agent calls a custom tool through the fake LLM: the tool runs in the
// sandbox with the agent's environment variables, and its packaged return
// is in the response and in what the model sees next.
func TestAgentCallsCustomTool(t *testing.T) {
	t.Parallel()
	needPython(t)
	e := setup(t)
	var tool wireTool
	e.ok("POST", "/v1/tools/", map[string]any{"source_code": diceSource}, &tool)
	var a struct {
		ID string `json:"id"`
	}
	e.ok("POST", "/v1/agents/", map[string]any{
		"model": "openai/gpt-4o-mini", "agent_type": "letta_v1_agent",
		"memory_blocks":                   []map[string]any{{"label": "human", "value": "name: Caren"}},
		"tool_exec_environment_variables": map[string]string{"DICE_SEED": "seven"},
	}, &a)
	var agentState struct {
		Tools []wireTool `json:"tools"`
	}
	e.ok("PATCH", "/v1/agents/"+a.ID+"/tools/attach/"+tool.ID, nil, &agentState)
	attached := false
	for _, at := range agentState.Tools {
		attached = attached || at.ID == tool.ID
	}
	if !attached {
		t.Fatalf("attach returned tools %+v", agentState.Tools)
	}

	e.llm.Enqueue(llmtest.Call("roll_dice", `{"sides": 20}`), llmtest.Text("You rolled."))
	var resp struct {
		Messages []struct {
			MessageType string   `json:"message_type"`
			ToolReturn  string   `json:"tool_return"`
			Status      string   `json:"status"`
			Stdout      []string `json:"stdout"`
		} `json:"messages"`
	}
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{
		"messages": []map[string]any{{"role": "user", "content": "roll a d20"}},
	}, &resp)
	var got string
	for _, m := range resp.Messages {
		if m.MessageType == "tool_return_message" {
			got = m.ToolReturn
			if m.Status != "success" || len(m.Stdout) != 1 {
				t.Errorf("tool return = %+v", m)
			}
		}
	}
	var packaged struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(got), &packaged); err != nil || packaged.Status != "OK" || packaged.Message != "rolled 20 with seven" {
		t.Fatalf("tool_return = %q", got)
	}
	reqs := e.llm.Requests()
	raw, _ := json.Marshal(reqs[len(reqs)-1].Raw)
	if len(reqs) != 2 || !strings.Contains(string(raw), "rolled 20 with seven") {
		t.Errorf("the model did not see the tool's return")
	}

	// Detach: the tool is no longer offered.
	e.ok("PATCH", "/v1/agents/"+a.ID+"/tools/detach/"+tool.ID, nil, &agentState)
	for _, at := range agentState.Tools {
		if at.ID == tool.ID {
			t.Fatalf("tool still attached after detach")
		}
	}
}

func TestToolApprovalFlag(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a struct {
		ID string `json:"id"`
	}
	e.ok("POST", "/v1/agents/", map[string]any{"model": "openai/gpt-4o-mini", "agent_type": "letta_v1_agent"}, &a)
	type rules struct {
		ToolRules []struct {
			Type     string `json:"type"`
			ToolName string `json:"tool_name"`
		} `json:"tool_rules"`
	}
	has := func(r rules) bool {
		for _, x := range r.ToolRules {
			if x.Type == "requires_approval" && x.ToolName == "conversation_search" {
				return true
			}
		}
		return false
	}
	var got rules
	e.ok("PATCH", "/v1/agents/"+a.ID+"/tools/approval/conversation_search?requires_approval=true", nil, &got)
	if !has(got) {
		t.Fatalf("query form: rules = %+v", got)
	}
	e.ok("PATCH", "/v1/agents/"+a.ID+"/tools/approval/conversation_search", map[string]any{"requires_approval": false}, &got)
	if has(got) {
		t.Fatalf("body form: rule not removed: %+v", got)
	}
	e.do("PATCH", "/v1/agents/"+a.ID+"/tools/approval/no_such_tool?requires_approval=true", nil).expect(t, http.StatusNotFound)
	e.do("PATCH", "/v1/agents/"+a.ID+"/tools/approval/conversation_search", nil).expect(t, http.StatusUnprocessableEntity)
}

// A client-side tool (Mar-2026 client_tools) pauses the turn like an
// approval; the client's tool_return resumes it, packaged like any return.
func TestClientSideTool(t *testing.T) {
	t.Parallel()
	for _, form := range []string{"tool_return", "approvals"} {
		t.Run(form, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var a struct {
				ID string `json:"id"`
			}
			e.ok("POST", "/v1/agents/", map[string]any{"model": "openai/gpt-4o-mini", "agent_type": "letta_v1_agent"}, &a)
			clientTools := []map[string]any{{
				"name": "get_location", "description": "Where the user is.",
				"parameters": map[string]any{"type": "object", "properties": map[string]any{}},
			}}
			e.llm.Enqueue(llmtest.Call("get_location", `{}`))
			var first struct {
				Messages []struct {
					MessageType string `json:"message_type"`
					ToolCall    struct {
						ToolCallID string `json:"tool_call_id"`
					} `json:"tool_call"`
				} `json:"messages"`
				StopReason struct {
					StopReason string `json:"stop_reason"`
				} `json:"stop_reason"`
			}
			e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{
				"messages":     []map[string]any{{"role": "user", "content": "where am I?"}},
				"client_tools": clientTools,
			}, &first)
			if first.StopReason.StopReason != "requires_approval" {
				t.Fatalf("stop_reason = %q", first.StopReason.StopReason)
			}
			offered := false
			for _, tl := range e.llm.Requests()[0].Chat.Tools {
				offered = offered || tl.Function.Name == "get_location"
			}
			if !offered {
				t.Fatalf("client tool not offered to the model")
			}
			callID := ""
			for _, m := range first.Messages {
				if m.MessageType == "approval_request_message" {
					callID = m.ToolCall.ToolCallID
				}
			}
			if callID == "" {
				t.Fatalf("no approval request: %+v", first.Messages)
			}
			ret := map[string]any{"type": "tool", "tool_call_id": callID, "status": "success", "tool_return": "Lisbon", "stdout": []string{"looked up"}}
			msg := map[string]any{"type": "tool_return", "tool_returns": []any{ret}}
			if form == "approvals" {
				msg = map[string]any{"type": "approval", "approvals": []any{ret}}
			}
			e.llm.Enqueue(llmtest.Text("You are in Lisbon."))
			var second struct {
				Messages []struct {
					MessageType string `json:"message_type"`
					ToolReturn  string `json:"tool_return"`
					Content     any    `json:"content"`
				} `json:"messages"`
			}
			e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"messages": []any{msg}}, &second)
			if len(second.Messages) < 2 || second.Messages[0].MessageType != "tool_return_message" || !strings.Contains(second.Messages[0].ToolReturn, `"message": "Lisbon"`) {
				t.Fatalf("resumed = %+v", second.Messages)
			}
			if last := second.Messages[len(second.Messages)-1]; last.MessageType != "assistant_message" {
				t.Errorf("last message = %+v", last)
			}
			// A bad tool_return item is a 422.
			e.do("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"messages": []any{
				map[string]any{"type": "tool_return", "tool_returns": []any{map[string]any{"tool_call_id": "x", "status": "maybe"}}},
			}}).expect(t, http.StatusUnprocessableEntity)
		})
	}
}

// TestToolUpsertConcurrent: simultaneous upserts of one tool name, on each
// store, all succeed and leave one tool.
func TestToolUpsertConcurrent(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, ss storeServer) {
		calls := make([]call, 8)
		for i := range calls {
			src := strings.Replace(diceSource, "Roll a die", fmt.Sprintf("Roll die %d", i), 1)
			raw, err := json.Marshal(map[string]any{"source_code": src})
			if err != nil {
				t.Fatal(err)
			}
			calls[i] = call{"PUT", ss.url + "/v1/tools/", string(raw)}
		}
		ids := map[string]bool{}
		for i, r := range sendAtOnce(t, calls) {
			if r.status != http.StatusOK {
				t.Errorf("upsert %d: %d %s", i, r.status, r.body)
				continue
			}
			var got wireTool
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatalf("upsert %d: decode %s: %v", i, r.body, err)
			}
			ids[got.ID] = true
		}
		if len(ids) > 1 {
			t.Errorf("upserts of one name returned %d tools: %v", len(ids), ids)
		}
		var list []wireTool
		ss.env(t).ok("GET", "/v1/tools?name=roll_dice", nil, &list)
		if len(list) != 1 {
			t.Fatalf("tools named roll_dice = %+v, want one", list)
		}
	})
}
