package letta

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestToLettaMessages(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 28, 17, 4, 11, 0, time.UTC)
	text := func(s string) []Content { return []Content{{Type: ContentText, Text: s}} }
	user := &Message{ID: "message-00000000-0000-4000-8000-000000000001", Role: RoleUser, Content: text("hi"), Otid: Ptr("client-otid"), CreatedAt: at}
	asst := &Message{ID: "message-00000000-0000-4000-8000-000000000002", Role: RoleAssistant, Content: text("greet"), CreatedAt: at,
		ToolCalls: []ToolCall{{ID: "call_1", Type: "function", Function: ToolCallFunction{Name: "send_message", Arguments: `{"message": "Hello!"}`}}}}
	ret := &Message{ID: "message-00000000-0000-4000-8000-000000000003", Role: RoleTool, Content: text(`{"status": "OK"}`), Name: Ptr("send_message"), ToolCallID: Ptr("call_1"), CreatedAt: at,
		ToolReturns: []ToolReturn{{ToolCallID: "call_1", Status: "success"}}}
	plain := &Message{ID: "message-00000000-0000-4000-8000-000000000004", Role: RoleAssistant, Content: text("Plain reply"), CreatedAt: at}
	msgs := []*Message{user, asst, ret, plain}

	tests := []struct {
		name  string
		opts  RenderOptions
		types []string
	}{
		{"assistant messages", RenderOptions{UseAssistantMessage: true}, []string{MsgUser, MsgReasoning, MsgAssistant, MsgAssistant}},
		{"raw tool calls", RenderOptions{}, []string{MsgUser, MsgReasoning, MsgToolCall, MsgToolReturn, MsgAssistant}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ToLettaMessages(msgs, tt.opts)
			var types []string
			for _, m := range got {
				types = append(types, m.MessageType)
			}
			if diff := cmp.Diff(tt.types, types); diff != "" {
				t.Fatalf("types (-want +got):\n%s", diff)
			}
			if got[0].Content != "hi" || Deref(got[0].Otid) != "client-otid" {
				t.Errorf("user item = %+v", got[0])
			}
			if got[1].Reasoning != "greet" || got[1].ID != asst.ID || Deref(got[1].Otid) != "00000000-0000-4000-8000-000000000000" {
				t.Errorf("reasoning item = %+v otid %v", got[1], Deref(got[1].Otid))
			}
			if Deref(got[2].Otid) != "00000000-0000-4000-8000-000000000001" {
				t.Errorf("second item otid = %v", Deref(got[2].Otid))
			}
		})
	}
	got := ToLettaMessages(msgs, RenderOptions{UseAssistantMessage: true})
	if got[2].Content != "Hello!" {
		t.Errorf("assistant content = %v", got[2].Content)
	}
	b, err := json.Marshal(ToLettaMessages([]*Message{ret}, RenderOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	var wire []map[string]any
	_ = json.Unmarshal(b, &wire)
	if wire[0]["tool_return"] != `{"status": "OK"}` || wire[0]["status"] != "success" || wire[0]["tool_call_id"] != "call_1" || len(wire[0]["tool_returns"].([]any)) != 1 {
		t.Errorf("tool return wire = %s", b)
	}
	if b, _ := json.Marshal(ToLettaMessages(nil, RenderOptions{})); string(b) != "[]" {
		t.Errorf("empty list = %s", b)
	}
}

func TestApprovalItems(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 28, 17, 4, 11, 0, time.UTC)
	req := &Message{ID: "message-00000000-0000-4000-8000-000000000010", Role: RoleApproval, CreatedAt: at,
		Content:   []Content{{Type: ContentText, Text: "I should delete it."}},
		ToolCalls: []ToolCall{{ID: "call_9", Type: "function", Function: ToolCallFunction{Name: "delete_file", Arguments: `{"path": "a"}`}}}}
	resp := &Message{ID: "message-00000000-0000-4000-8000-000000000011", Role: RoleApproval, CreatedAt: at,
		ApprovalRequestID: Ptr(req.ID),
		Approvals:         []Approval{{Type: "approval", ToolCallID: "call_9", Approve: false, Reason: Ptr("not now")}}}
	got := ToLettaMessages([]*Message{req, resp}, RenderOptions{UseAssistantMessage: true})
	var types []string
	for _, m := range got {
		types = append(types, m.MessageType)
	}
	if diff := cmp.Diff([]string{MsgReasoning, MsgApprovalRequest, MsgApprovalResponse}, types); diff != "" {
		t.Fatalf("types (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(got[1])
	if err != nil {
		t.Fatal(err)
	}
	var item map[string]any
	_ = json.Unmarshal(b, &item)
	call, _ := item["tool_call"].(map[string]any)
	if call["name"] != "delete_file" || call["tool_call_id"] != "call_9" || call["arguments"] != `{"path": "a"}` {
		t.Errorf("approval request = %s", b)
	}
	if calls, _ := item["tool_calls"].([]any); len(calls) != 1 {
		t.Errorf("tool_calls = %v", item["tool_calls"])
	}
	b, err = json.Marshal(got[2])
	if err != nil {
		t.Fatal(err)
	}
	item = map[string]any{}
	_ = json.Unmarshal(b, &item)
	approvals, _ := item["approvals"].([]any)
	if item["approve"] != false || item["reason"] != "not now" || item["approval_request_id"] != req.ID || len(approvals) != 1 {
		t.Errorf("approval response = %s", b)
	}
	if a, _ := approvals[0].(map[string]any); a["tool_call_id"] != "call_9" || a["type"] != "approval" {
		t.Errorf("approvals[0] = %v", approvals[0])
	}
}
