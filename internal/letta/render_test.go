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
