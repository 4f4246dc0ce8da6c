package agent

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/store"
)

type collectSink struct {
	mu   sync.Mutex
	msgs []letta.LettaMessage
}

func (s *collectSink) Message(m letta.LettaMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	return nil
}

func TestSendMemGPTReply(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeMemGPT)
	sink := &collectSink{}
	resp, err := f.engine.Send(context.Background(), a.ID, userInput("hello"), sink)
	if err != nil {
		t.Fatal(err)
	}

	// What was sent to the model.
	reqs := f.llm.Requests()
	if len(reqs) != 1 {
		t.Fatalf("model calls = %d, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Chat.ToolChoice != "required" {
		t.Errorf("tool_choice = %v, want required", r.Chat.ToolChoice)
	}
	tools := offered(r)
	if _, ok := tools["send_message"]["properties"].(map[string]any)["request_heartbeat"]; ok {
		t.Error("send_message (terminal) was offered request_heartbeat")
	}
	for _, name := range []string{"conversation_search", "core_memory_append", "core_memory_replace"} {
		props, _ := tools[name]["properties"].(map[string]any)
		if _, ok := props["request_heartbeat"]; !ok {
			t.Errorf("%s lacks request_heartbeat", name)
		}
		req, _ := tools[name]["required"].([]any)
		if len(req) == 0 || req[len(req)-1] != "request_heartbeat" {
			t.Errorf("%s required = %v, want request_heartbeat last", name, req)
		}
	}
	if sys := r.SystemPrompt(); !strings.Contains(sys, "<value>\nThe user is Ann.\n</value>") {
		t.Errorf("system prompt lacks the human block:\n%s", sys)
	}
	last := r.Chat.Messages[len(r.Chat.Messages)-1]
	if last.Role != "user" || string(last.Content) != "hello" {
		t.Errorf("last message = %s %q, want raw user text", last.Role, last.Content)
	}

	// What came back.
	if diff := cmp.Diff([]string{letta.MsgAssistant}, messageTypes(resp.Messages)); diff != "" {
		t.Errorf("response types (-want +got):\n%s", diff)
	}
	if got := resp.Messages[0].Content; got != "Echo: hello" {
		t.Errorf("assistant content = %v", got)
	}
	if resp.StopReason.StopReason != letta.StopEndTurn {
		t.Errorf("stop = %s", resp.StopReason.StopReason)
	}
	if resp.Usage.StepCount != 1 || resp.Usage.TotalTokens == 0 || resp.Usage.PromptTokens == 0 {
		t.Errorf("usage = %+v", resp.Usage)
	}
	if len(sink.msgs) != 1 || sink.msgs[0].ID != resp.Messages[0].ID {
		t.Errorf("sink got %d messages", len(sink.msgs))
	}

	// What was stored.
	msgs := f.context(t, a.ID)
	if got := roles(msgs); got != "system,assistant,tool,user,user,assistant,tool" {
		t.Errorf("context roles = %s", got)
	}
	steps, err := f.store.ListSteps(context.Background(), store.ListStepsParams{AgentID: a.ID})
	if err != nil || len(steps) != 1 {
		t.Fatalf("steps = %d, %v", len(steps), err)
	}
	st := steps[0]
	if st.Status != letta.StepSuccess || letta.Deref(st.StopReason) != letta.StopEndTurn || st.TotalTokens == 0 || letta.Deref(st.Model) != "gpt-4o-mini" {
		t.Errorf("step = %+v", st)
	}
	for _, m := range msgs[4:] {
		if letta.Deref(m.StepID) != st.ID {
			t.Errorf("message %s step_id = %v, want %s", m.Role, m.StepID, st.ID)
		}
	}
	if !strings.Contains(msgs[6].Text(), `"status": "OK"`) || !strings.Contains(msgs[6].Text(), `"message": "Sent message successfully."`) {
		t.Errorf("tool return = %s", msgs[6].Text())
	}
}

func TestSendMemoryEdit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       string
		wantValue  string
		wantStatus string
		wantInTool string
	}{
		{"append", `{"label": "human", "content": "Likes tea.", "request_heartbeat": true}`, "The user is Ann.\nLikes tea.", "success", "Likes tea."},
		{"over limit", `{"label": "human", "content": "` + strings.Repeat("x", 40) + `", "request_heartbeat": true}`, "The user is Ann.", "error", "Edit failed: Exceeds 30 character limit (requested 57)"},
		{"unknown label", `{"label": "nope", "content": "x"}`, "The user is Ann.", "error", "Block field nope does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			a := f.createAgent(t, letta.AgentTypeMemGPT, func(p *CreateAgentParams) {
				p.MemoryBlocks[1].Limit = letta.Ptr(30)
			})
			f.llm.Enqueue(llmtest.Call("core_memory_append", tt.args))
			resp := f.send(t, a.ID, "remember this")

			if resp.Usage.StepCount != 2 || resp.StopReason.StopReason != letta.StopEndTurn {
				t.Errorf("steps = %d stop = %s, want 2 end_turn", resp.Usage.StepCount, resp.StopReason.StopReason)
			}
			want := []string{letta.MsgToolCall, letta.MsgToolReturn, letta.MsgAssistant}
			if diff := cmp.Diff(want, messageTypes(resp.Messages)); diff != "" {
				t.Fatalf("response types (-want +got):\n%s", diff)
			}
			ret := resp.Messages[1]
			if ret.Status != tt.wantStatus || !strings.Contains(ret.ToolReturn, tt.wantInTool) {
				t.Errorf("tool return %s: %s", ret.Status, ret.ToolReturn)
			}
			var human string
			got, _ := f.store.GetAgent(context.Background(), a.ID)
			for _, b := range got.Blocks {
				if b.Label == "human" {
					human = b.Value
				}
			}
			if human != tt.wantValue {
				t.Errorf("human block = %q, want %q", human, tt.wantValue)
			}

			// The second call continued with a heartbeat and saw the new memory.
			reqs := f.llm.Requests()
			if len(reqs) != 2 {
				t.Fatalf("model calls = %d", len(reqs))
			}
			msgs := reqs[1].Chat.Messages
			hb := msgs[len(msgs)-1]
			if hb.Role != "user" || !strings.Contains(string(hb.Content), `"type": "heartbeat"`) {
				t.Errorf("second call ends with %s %q, want a heartbeat", hb.Role, hb.Content)
			}
			if !strings.Contains(reqs[1].SystemPrompt(), "<value>\n"+tt.wantValue+"\n</value>") {
				t.Errorf("second call's system prompt lacks the current block:\n%s", reqs[1].SystemPrompt())
			}
			stored := f.context(t, a.ID)
			if got := roles(stored[4:]); got != "user,assistant,tool,user,assistant,tool" {
				t.Errorf("stored roles = %s", got)
			}
			// The stored call records the final heartbeat decision.
			if args := stored[5].ToolCalls[0].Function.Arguments; !strings.Contains(args, `"request_heartbeat": true`) {
				t.Errorf("stored arguments = %s", args)
			}
		})
	}
}

func TestSendLettaV1Text(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1)
	f.llm.Enqueue(llmtest.Text("Hi there"))
	resp := f.send(t, a.ID, "hello")
	if diff := cmp.Diff([]string{letta.MsgAssistant}, messageTypes(resp.Messages)); diff != "" {
		t.Fatalf("types: %s", diff)
	}
	if resp.Messages[0].Content != "Hi there" || resp.StopReason.StopReason != letta.StopEndTurn {
		t.Errorf("got %v / %s", resp.Messages[0].Content, resp.StopReason.StopReason)
	}
	r := f.llm.Requests()[0]
	if r.Chat.ToolChoice != "auto" {
		t.Errorf("tool_choice = %v, want auto", r.Chat.ToolChoice)
	}
	for name, schema := range offered(r) {
		if props, _ := schema["properties"].(map[string]any); props["request_heartbeat"] != nil {
			t.Errorf("%s offered request_heartbeat to a letta_v1 agent", name)
		}
	}
	if got := roles(f.context(t, a.ID)); got != "system,user,assistant" {
		t.Errorf("context = %s", got)
	}
}

func TestSendLettaV1ToolThenText(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1)
	f.llm.Enqueue(
		llmtest.Call("memory_insert", `{"label": "human", "new_str": "Has a cat."}`),
		llmtest.Text("Noted."),
	)
	resp := f.send(t, a.ID, "I have a cat")
	want := []string{letta.MsgToolCall, letta.MsgToolReturn, letta.MsgAssistant}
	if diff := cmp.Diff(want, messageTypes(resp.Messages)); diff != "" {
		t.Fatalf("types (-want +got):\n%s", diff)
	}
	if resp.Usage.StepCount != 2 {
		t.Errorf("steps = %d", resp.Usage.StepCount)
	}
	if got := roles(f.context(t, a.ID)); got != "system,user,assistant,tool,assistant" {
		t.Errorf("context = %s (no heartbeat for letta_v1)", got)
	}
}

func TestSendModelFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reply    llmtest.Reply
		stream   bool
		wantStop string
	}{
		{"500", llmtest.Error(500, ""), false, letta.StopLLMAPIError},
		{"dropped", llmtest.Dropped(0), false, letta.StopLLMAPIError},
		{"dropped stream", llmtest.Dropped(1), true, letta.StopLLMAPIError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			a := f.createAgent(t, letta.AgentTypeMemGPT)
			before := f.context(t, a.ID)
			f.llm.Enqueue(tt.reply)
			p := userInput("zebra")
			p.StreamTokens = tt.stream
			resp, err := f.engine.Send(context.Background(), a.ID, p, nil)
			var te *TurnError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want *TurnError", err)
			}
			if te.StopReason != tt.wantStop && te.StopReason != letta.StopError {
				t.Errorf("stop = %s", te.StopReason)
			}
			var apiErr *llm.APIError
			if tt.wantStop == letta.StopLLMAPIError && !errors.As(err, &apiErr) {
				t.Errorf("cause %v is not an *llm.APIError", err)
			}
			if resp == nil || resp.StopReason.StopReason != te.StopReason {
				t.Fatalf("response = %+v", resp)
			}
			if got := f.context(t, a.ID); len(got) != len(before) {
				t.Errorf("context grew to %s after a failed call", roles(got))
			}
			failed, _ := f.store.ListMessages(context.Background(), store.ListMessagesParams{AgentID: a.ID, Query: "zebra"})
			if len(failed) != 1 || !failed[0].IsErr {
				t.Errorf("failed input stored = %+v", failed)
			}

			resp = f.send(t, a.ID, "second")
			if resp.StopReason.StopReason != letta.StopEndTurn || resp.Messages[0].Content != "Echo: second" {
				t.Errorf("next send: %s %v", resp.StopReason.StopReason, resp.Messages)
			}
			reqs := f.llm.Requests()
			for _, m := range reqs[len(reqs)-1].Chat.Messages {
				if strings.Contains(string(m.Content), "zebra") {
					t.Errorf("failed input replayed to the model: %q", m.Content)
				}
			}
		})
	}
}

func TestSendAutoclear(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeMemGPT, func(p *CreateAgentParams) { p.MessageBufferAutoclear = true })
	f.send(t, a.ID, "one")
	f.send(t, a.ID, "two")
	reqs := f.llm.Requests()
	var got []string
	for _, m := range reqs[1].Chat.Messages {
		got = append(got, m.Role)
	}
	if diff := cmp.Diff([]string{"system", "user"}, got); diff != "" {
		t.Errorf("second request context (-want +got):\n%s", diff)
	}
	if n, _ := f.store.CountMessages(context.Background(), a.ID); n != 4+3+3 {
		t.Errorf("stored messages = %d, want 10", n)
	}
	if ids := f.context(t, a.ID); len(ids) > 4 {
		t.Errorf("message_ids grew to %d", len(ids))
	}
}

func TestSendConcurrent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeMemGPT)
	f.llm.Enqueue(llmtest.Delayed(300*time.Millisecond, llmtest.Call("send_message", `{"message": "slow"}`)))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.engine.Send(context.Background(), a.ID, userInput([]string{"alpha", "beta"}[i]), nil)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, ErrBusy) {
			t.Fatalf("send: %v", err)
		}
	}
	got := roles(f.context(t, a.ID)[4:])
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	want := strings.TrimSuffix(strings.Repeat("user,assistant,tool,", ok), ",")
	if got != want {
		t.Errorf("context after %d sends = %s, want %s (turns interleaved)", ok, got, want)
	}
}

func TestSendStreamTokens(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1)
	f.llm.Enqueue(llmtest.Text("streamed reply"))
	sink := &collectSink{}
	p := userInput("hi")
	p.StreamTokens = true
	resp, err := f.engine.Send(context.Background(), a.ID, p, sink)
	if err != nil {
		t.Fatal(err)
	}
	var text string
	for _, m := range sink.msgs {
		if m.MessageType != letta.MsgAssistant {
			t.Errorf("unexpected chunk %s", m.MessageType)
		}
		s, _ := m.Content.(string)
		text += s
	}
	if text != "streamed reply" || len(resp.Messages) != 1 || resp.Messages[0].Content != "streamed reply" {
		t.Errorf("chunks %q, response %+v", text, resp.Messages)
	}
}
