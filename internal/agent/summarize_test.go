package agent

import (
	"context"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/store"
)

// withUsage is r reporting total tokens (the fake's count for the step).
func withUsage(r llmtest.Reply, total int) llmtest.Reply {
	r.Usage = &llmtest.Usage{PromptTokens: total - 10, CompletionTokens: 10, TotalTokens: total}
	return r
}

// fillWindow gives a letta_v1 agent with a 2000-token window four turns,
// the second with a tool call, the last one reporting 1900 tokens.
func fillWindow(t *testing.T, f fixture, summarizer llmtest.Reply) *letta.Agent {
	t.Helper()
	a := f.createAgent(t, letta.AgentTypeLettaV1, func(p *CreateAgentParams) { p.ContextWindowLimit = letta.Ptr(2000) })
	f.llm.Enqueue(
		withUsage(llmtest.Text("Hello Ann."), 400),
		withUsage(llmtest.Call("memory_insert", `{"label": "human", "new_str": "Has a cat named Miso."}`), 600),
		withUsage(llmtest.Text("Noted the cat."), 700),
		withUsage(llmtest.Text("Cats are great."), 900),
		withUsage(llmtest.Text("Here is a long answer."), 1900),
		summarizer,
	)
	for _, text := range []string{"hi, I am Ann", "I have a cat named Miso", "do you like cats?", "tell me everything"} {
		f.send(t, a.ID, text)
	}
	if n := f.llm.Pending(); n != 0 {
		t.Fatalf("%d scripted replies unused", n)
	}
	return a
}

func checkCompacted(t *testing.T, f fixture, agentID string, wantSummary string) []*letta.Message {
	t.Helper()
	msgs := f.context(t, agentID)
	if len(msgs) < 3 {
		t.Fatalf("context = %s", roles(msgs))
	}
	if msgs[0].Role != letta.RoleSystem {
		t.Errorf("context[0] = %s", msgs[0].Role)
	}
	sum := msgs[1]
	text := sum.Text()
	if sum.Role != letta.RoleUser || !strings.Contains(text, `"type": "system_alert"`) ||
		!strings.Contains(text, "messages from the beginning of the conversation have been hidden from view due to memory constraints.") {
		t.Errorf("summary message = %s %s", sum.Role, text)
	}
	if wantSummary != "" && !strings.Contains(text, `The following is a summary of the previous messages:\n `+wantSummary) {
		t.Errorf("summary text lacks %q: %s", wantSummary, text)
	}
	if wantSummary == "" && strings.Contains(text, "The following is a summary") {
		t.Errorf("fallback summary claims a summary: %s", text)
	}
	if first := msgs[2]; first.Role != letta.RoleUser && first.Role != letta.RoleAssistant {
		t.Errorf("kept tail starts with %s: %s", first.Role, roles(msgs))
	}
	// Every tool return in context follows its call.
	calls := map[string]bool{}
	for _, m := range msgs {
		for _, tc := range m.ToolCalls {
			calls[tc.ID] = true
		}
		if m.Role == letta.RoleTool && !calls[letta.Deref(m.ToolCallID)] {
			t.Errorf("orphan tool return %s in %s", letta.Deref(m.ToolCallID), roles(msgs))
		}
	}
	// Evicted messages stay stored and searchable.
	hits, err := f.store.ListMessages(context.Background(), store.ListMessagesParams{AgentID: agentID, Query: "hi, I am Ann"})
	if err != nil || len(hits) != 1 {
		t.Errorf("evicted message search = %d, %v", len(hits), err)
	}
	for _, m := range msgs {
		if m.ID == hits[0].ID {
			t.Errorf("first message still in context")
		}
	}
	return msgs
}

func TestCompactionSummarizes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := fillWindow(t, f, llmtest.Text("Ann told me about her cat Miso."))

	reqs := f.llm.Requests()
	summReq := reqs[len(reqs)-1]
	if len(summReq.Chat.Tools) != 0 || !strings.Contains(summReq.SystemPrompt(), "summary") {
		t.Errorf("summarizer request: %d tools, system %q", len(summReq.Chat.Tools), summReq.SystemPrompt())
	}
	last := summReq.Chat.Messages[len(summReq.Chat.Messages)-1]
	if !strings.Contains(string(last.Content), "hi, I am Ann") {
		t.Errorf("transcript lacks the first message: %s", last.Content)
	}
	before := checkCompacted(t, f, a.ID, "Ann told me about her cat Miso.")

	// The agent takes the next message, with the summary in its context.
	resp := f.send(t, a.ID, "what is my cat called?")
	if resp.StopReason.StopReason != letta.StopEndTurn || resp.Messages[0].Content != "Echo: what is my cat called?" {
		t.Errorf("next turn: %s %+v", resp.StopReason.StopReason, resp.Messages)
	}
	next, _ := f.llm.LastRequest()
	if got := string(next.Chat.Messages[1].Content); !strings.Contains(got, "Ann told me about her cat Miso.") {
		t.Errorf("next request's second message = %q", got)
	}
	if got := len(next.Chat.Messages); got != len(before)+1 {
		t.Errorf("next request has %d messages, want %d", got, len(before)+1)
	}
}

func TestCompactionSummarizerFails(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := fillWindow(t, f, llmtest.Error(500, ""))
	checkCompacted(t, f, a.ID, "")
	f.send(t, a.ID, "still there?")
}

func TestCompactionOnContextOverflowError(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1, func(p *CreateAgentParams) { p.ContextWindowLimit = letta.Ptr(2000) })
	for _, text := range []string{"hi, I am Ann", "second", "third", "fourth"} {
		f.llm.Enqueue(withUsage(llmtest.Text("ok"), 300))
		f.send(t, a.ID, text)
	}
	overflow := `{"error": {"message": "This model's maximum context length is 2000 tokens.", "type": "invalid_request_error", "code": "context_length_exceeded"}}`
	f.llm.Enqueue(
		llmtest.Error(400, overflow),
		llmtest.Text("Ann said hi."), // the summary
		llmtest.Text("Retried fine."),
	)
	resp := f.send(t, a.ID, "fifth")
	if resp.StopReason.StopReason != letta.StopEndTurn || resp.Messages[0].Content != "Retried fine." {
		t.Fatalf("after overflow: %s %+v", resp.StopReason.StopReason, resp.Messages)
	}
	msgs := checkCompacted(t, f, a.ID, "Ann said hi.")
	if got := msgs[len(msgs)-2].Text(); got != "fifth" {
		t.Errorf("input after compaction = %q, want fifth", got)
	}
}
