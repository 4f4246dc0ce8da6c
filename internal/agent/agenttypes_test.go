package agent

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

func TestAgentTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ        letta.AgentType
		wantSent   string // tools / tool_choice of the first call
		memory     bool   // <memory_blocks> in the system prompt
		heartbeat  bool   // request_heartbeat offered on non-terminal tools
		wantRoles  string // context after one send
		wantReply  string
		autoclear  bool
		replyTypes []string
	}{
		{letta.AgentTypeMemGPT, "conversation_search,core_memory_append,core_memory_replace,send_message / required", true, true,
			"system,assistant,tool,user,user,assistant,tool", "Echo: hi", false, []string{letta.MsgAssistant}},
		{letta.AgentTypeMemGPTV2, allV2 + " / required", true, true,
			"system,assistant,tool,user,user,assistant,tool", "Echo: hi", false, []string{letta.MsgAssistant}},
		{letta.AgentTypeLettaV1, "conversation_search,memory_insert,memory_replace / auto", true, false,
			"system,user,assistant", "Echo: hi", false, []string{letta.MsgAssistant}},
		{letta.AgentTypeReact, " / ", false, false,
			"system,assistant,tool,user,user,assistant", "Echo: hi", false, []string{letta.MsgAssistant}},
		{letta.AgentTypeWorkflow, " / ", false, false,
			"system", "Echo: hi", true, []string{letta.MsgAssistant}},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			a := f.createAgent(t, tt.typ)
			if a.MessageBufferAutoclear != tt.autoclear {
				t.Errorf("message_buffer_autoclear = %v", a.MessageBufferAutoclear)
			}
			resp := f.send(t, a.ID, "hi")
			r := f.llm.Requests()[0]
			if got := sent(r); got != tt.wantSent {
				t.Errorf("sent %q, want %q", got, tt.wantSent)
			}
			sys := r.SystemPrompt()
			if strings.Contains(sys, "<memory_blocks>") != tt.memory {
				t.Errorf("memory blocks in system prompt = %v, want %v", !tt.memory, tt.memory)
			}
			for name, schema := range offered(r) {
				props, _ := schema["properties"].(map[string]any)
				_, has := props["request_heartbeat"]
				if want := tt.heartbeat && name != "send_message"; has != want {
					t.Errorf("%s request_heartbeat offered = %v, want %v", name, has, want)
				}
			}
			if got := roles(f.context(t, a.ID)); got != tt.wantRoles {
				t.Errorf("context = %s, want %s", got, tt.wantRoles)
			}
			if got := messageTypes(resp.Messages); strings.Join(got, ",") != strings.Join(tt.replyTypes, ",") {
				t.Errorf("response types = %v, want %v", got, tt.replyTypes)
			}
			var text string
			for _, m := range resp.Messages {
				if s, ok := m.Content.(string); ok {
					text = s
				} else if m.Reasoning != "" {
					text = m.Reasoning
				}
			}
			if text != tt.wantReply {
				t.Errorf("reply = %q, want %q", text, tt.wantReply)
			}
		})
	}
}

// A model that fails mid-step (malformed JSON, 500, dropped connection)
// leaves no half step behind; the next message is answered.
func TestSendInvalidResponseThenRecovers(t *testing.T) {
	t.Parallel()
	for _, reply := range []llmtest.Reply{llmtest.Malformed(), llmtest.Error(500, ""), llmtest.Dropped(0)} {
		f := setup(t)
		a := f.createAgent(t, letta.AgentTypeMemGPTV2)
		// A tool step succeeds, then the model fails on the continuation.
		f.llm.Enqueue(llmtest.Call("memory_insert", `{"label": "human", "new_str": "x", "request_heartbeat": true}`), reply)
		_, err := f.engine.Send(context.Background(), a.ID, userInput("first"), nil)
		var te *TurnError
		if !errors.As(err, &te) {
			t.Fatalf("err = %v, want *TurnError", err)
		}
		resp := f.send(t, a.ID, "second")
		if resp.StopReason.StopReason != letta.StopEndTurn {
			t.Errorf("next send stop = %s", resp.StopReason.StopReason)
		}
		calls := map[string]bool{}
		answered := map[string]bool{}
		for _, m := range f.context(t, a.ID) {
			for _, c := range m.ToolCalls {
				calls[c.ID] = true
			}
			if m.Role == letta.RoleTool {
				answered[letta.Deref(m.ToolCallID)] = true
			}
		}
		for id := range calls {
			if !answered[id] {
				t.Errorf("tool call %s without a return in context", id)
			}
		}
		for id := range answered {
			if !calls[id] {
				t.Errorf("tool return %s without its call", id)
			}
		}
	}
}

func TestSendInputForms(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1)
	f.llm.Enqueue(llmtest.Text("ok"))
	p := SendParams{UseAssistantMessage: true, Messages: []MessageInput{
		{Role: letta.RoleSystem, Content: []letta.Content{{Type: letta.ContentText, Text: "Be brief."}}},
		{Role: letta.RoleUser, Name: letta.Ptr("ann"), Otid: letta.Ptr("otid-1"), SenderID: letta.Ptr("identity-1"),
			Content: []letta.Content{{Type: letta.ContentText, Text: "part one"}, {Type: letta.ContentText, Text: "part two"}}},
	}}
	if _, err := f.engine.Send(context.Background(), a.ID, p, nil); err != nil {
		t.Fatal(err)
	}
	r, _ := f.llm.LastRequest()
	msgs := r.Chat.Messages
	if n := len(msgs); n < 3 || msgs[n-2].Role != "system" || string(msgs[n-2].Content) != "Be brief." {
		t.Fatalf("system input sent as %+v", msgs)
	}
	last := msgs[len(msgs)-1]
	if last.Role != "user" || string(last.Content) != "part one\npart two" || last.Name != "ann" {
		t.Errorf("user input sent as %s %q name %q", last.Role, last.Content, last.Name)
	}
	stored := f.context(t, a.ID)
	sys, user := stored[1], stored[2]
	if sys.Role != letta.RoleSystem || sys.Text() != "Be brief." {
		t.Errorf("system input stored as %s %q (unwrapped, as Letta's newer loops)", sys.Role, sys.Text())
	}
	if letta.Deref(user.Otid) != "otid-1" || letta.Deref(user.SenderID) != "identity-1" || letta.Deref(user.Name) != "ann" || len(user.Content) != 2 {
		t.Errorf("user input stored as %+v", user)
	}
	items := letta.ToLettaMessages(stored[1:3], letta.RenderOptions{UseAssistantMessage: true})
	if items[0].MessageType != letta.MsgSystem || items[1].MessageType != letta.MsgUser || letta.Deref(items[1].Otid) != "otid-1" {
		t.Errorf("rendered %+v", items)
	}

	// A one-part string input is returned flat.
	f.llm.Enqueue(llmtest.Text("ok"))
	f.send(t, a.ID, "flat")
	stored = f.context(t, a.ID)
	items = letta.ToLettaMessages(stored[len(stored)-2:len(stored)-1], letta.RenderOptions{})
	if items[0].Content != "flat" {
		t.Errorf("user content = %#v, want the flat string", items[0].Content)
	}
}
