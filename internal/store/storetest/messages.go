package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

func newMessage(c *clock, agentID, role, text string) *letta.Message {
	return &letta.Message{
		ID:        letta.NewID(letta.PrefixMessage),
		AgentID:   agentID,
		Role:      role,
		Content:   []letta.Content{{Type: letta.ContentText, Text: text}},
		CreatedAt: c.now(),
	}
}

// richMessages returns an assistant tool call and its tool return, using
// every content shape.
func richMessages(c *clock, agentID string) []*letta.Message {
	call := newMessage(c, agentID, letta.RoleAssistant, "")
	call.Content = []letta.Content{
		{Type: letta.ContentReasoning, Reasoning: "thinking…", IsNative: true, Signature: letta.Ptr("sig")},
		{Type: letta.ContentRedactedReasoning, Data: "opaque"},
		{Type: letta.ContentText, Text: "Calling the tool."},
		{Type: letta.ContentImage, Source: map[string]any{"type": "base64", "media_type": "image/png", "data": "iVBOR"}},
	}
	call.ToolCalls = []letta.ToolCall{{
		ID: "call_1", Type: "function",
		Function: letta.ToolCallFunction{Name: "send_message", Arguments: `{"message":"hi \"there\""}`},
	}}
	call.StepID = letta.Ptr("step-1")
	call.RunID = letta.Ptr("run-1")
	call.Otid = letta.Ptr("otid-1")
	call.Model = letta.Ptr("gpt-4o-mini")
	call.Name = letta.Ptr("bot")

	ret := newMessage(c, agentID, letta.RoleTool, `{"status":"OK","message":"None"}`)
	ret.ToolCallID = letta.Ptr("call_1")
	ret.ToolReturns = []letta.ToolReturn{{ToolCallID: "call_1", Status: "success", Stdout: []string{"out"}, Stderr: []string{}}}
	ret.StepID = letta.Ptr("step-1")
	ret.RunID = letta.Ptr("run-1")
	ret.IsErr = true
	ret.SenderID = letta.Ptr("agent-x")
	ret.GroupID = letta.Ptr("group-1")
	return []*letta.Message{call, ret}
}

func testMessages(t *testing.T, newStore newStoreFunc) {
	t.Run("CreateAndGet", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		first := newMessage(c, a.ID, letta.RoleSystem, "system prompt")
		must(t, "CreateMessages one", s.CreateMessages(ctx, []*letta.Message{first}))
		msgs := richMessages(c, a.ID)
		msgs = append(msgs, newMessage(c, a.ID, letta.RoleUser, "ünïcode ✓"))
		must(t, "CreateMessages", s.CreateMessages(ctx, msgs))
		must(t, "CreateMessages empty", s.CreateMessages(ctx, nil))

		all := append([]*letta.Message{first}, msgs...)
		for i, m := range all {
			if m.Seq <= 0 {
				t.Errorf("message %d: Seq = %d, want > 0", i, m.Seq)
			}
			if i > 0 && m.Seq <= all[i-1].Seq {
				t.Errorf("message %d: Seq %d not above %d", i, m.Seq, all[i-1].Seq)
			}
			got, err := s.GetMessage(ctx, m.ID)
			must(t, "GetMessage", err)
			if diff := cmp.Diff(m, got, cmpOpts); diff != "" {
				t.Errorf("message %d mismatch (-want +got):\n%s", i, diff)
			}
		}
		wantErr(t, "CreateMessages with a taken id",
			s.CreateMessages(ctx, []*letta.Message{newMessage(c, a.ID, letta.RoleUser, "x"), first}), store.ErrConflict)
		n, err := s.CountMessages(ctx, a.ID)
		must(t, "CountMessages", err)
		if n != len(all) {
			t.Errorf("CountMessages after refused batch = %d, want %d (the batch is all or nothing)", n, len(all))
		}

		order := []string{all[3].ID, letta.NewID(letta.PrefixMessage), all[0].ID, all[2].ID}
		got, err := s.GetMessages(ctx, order)
		must(t, "GetMessages", err)
		if diff := cmp.Diff([]*letta.Message{all[3], all[0], all[2]}, got, cmpOpts); diff != "" {
			t.Errorf("GetMessages (-want +got):\n%s", diff)
		}
		got, err = s.GetMessages(ctx, nil)
		must(t, "GetMessages none", err)
		if got == nil || len(got) != 0 {
			t.Errorf("GetMessages(nil) = %#v, want []", got)
		}
	})

	t.Run("UpdateDeleteCount", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		b := plainAgent(ctx, t, s, c, "b")
		msgs := []*letta.Message{
			newMessage(c, a.ID, letta.RoleUser, "one"),
			newMessage(c, a.ID, letta.RoleAssistant, "two"),
			newMessage(c, b.ID, letta.RoleUser, "three"),
		}
		must(t, "CreateMessages", s.CreateMessages(ctx, msgs))

		upd := *msgs[1]
		upd.Content = []letta.Content{{Type: letta.ContentText, Text: "rewritten needle"}}
		upd.ToolCalls = []letta.ToolCall{{ID: "c", Type: "function", Function: letta.ToolCallFunction{Name: "f", Arguments: "{}"}}}
		upd.IsErr = true
		must(t, "UpdateMessage", s.UpdateMessage(ctx, &upd))
		got, err := s.GetMessage(ctx, upd.ID)
		must(t, "GetMessage", err)
		if diff := cmp.Diff(&upd, got, cmpOpts); diff != "" {
			t.Errorf("after UpdateMessage (-want +got):\n%s", diff)
		}
		found, err := s.ListMessages(ctx, store.ListMessagesParams{AgentID: a.ID, Query: "NEEDLE"})
		must(t, "ListMessages by new text", err)
		if diff := cmp.Diff([]string{upd.ID}, ids(found, messageID)); diff != "" {
			t.Errorf("search after update (-want +got):\n%s", diff)
		}

		for id, n := range map[string]int{a.ID: 2, b.ID: 1, letta.NewID(letta.PrefixAgent): 0} {
			got, err := s.CountMessages(ctx, id)
			must(t, "CountMessages", err)
			if got != n {
				t.Errorf("CountMessages(%s) = %d, want %d", id, got, n)
			}
		}
		must(t, "DeleteAgentMessages", s.DeleteAgentMessages(ctx, a.ID))
		must(t, "DeleteAgentMessages again", s.DeleteAgentMessages(ctx, a.ID))
		if n, err := s.CountMessages(ctx, a.ID); err != nil || n != 0 {
			t.Errorf("CountMessages after delete = %d, %v; want 0", n, err)
		}
		if n, err := s.CountMessages(ctx, b.ID); err != nil || n != 1 {
			t.Errorf("other agent's count = %d, %v; want 1", n, err)
		}
		_, err = s.GetMessage(ctx, msgs[0].ID)
		wantErr(t, "GetMessage after delete", err, store.ErrNotFound)

		// Seq keeps growing after deletes.
		next := newMessage(c, a.ID, letta.RoleUser, "again")
		must(t, "CreateMessages after delete", s.CreateMessages(ctx, []*letta.Message{next}))
		if next.Seq <= msgs[2].Seq {
			t.Errorf("Seq after delete = %d, want > %d", next.Seq, msgs[2].Seq)
		}
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		b := plainAgent(ctx, t, s, c, "b")

		sys := newMessage(c, a.ID, letta.RoleSystem, "You are helpful")
		u1 := newMessage(c, a.ID, letta.RoleUser, "Tell me about Paris")
		u1.RunID, u1.StepID = letta.Ptr("run-1"), letta.Ptr("step-1")
		rich := richMessages(c, a.ID) // run-1 / step-1
		other := newMessage(c, b.ID, letta.RoleUser, "paris for b")
		mid := c.now()
		u2 := newMessage(c, a.ID, letta.RoleUser, "and london?")
		u2.RunID, u2.StepID = letta.Ptr("run-2"), letta.Ptr("step-2")
		as2 := newMessage(c, a.ID, letta.RoleAssistant, "London is big, Paris is pretty")
		as2.RunID, as2.StepID = letta.Ptr("run-2"), letta.Ptr("step-3")
		must(t, "CreateMessages", s.CreateMessages(ctx, []*letta.Message{sys, u1}))
		must(t, "CreateMessages", s.CreateMessages(ctx, rich))
		must(t, "CreateMessages", s.CreateMessages(ctx, []*letta.Message{other, u2, as2}))
		call, ret := rich[0], rich[1]
		before := sys.CreatedAt.Add(-time.Microsecond)
		after := as2.CreatedAt.Add(time.Microsecond)

		cases := []struct {
			name string
			p    store.ListMessagesParams
			want []*letta.Message
		}{
			{"agent", store.ListMessagesParams{AgentID: a.ID}, []*letta.Message{sys, u1, call, ret, u2, as2}},
			{"all agents", store.ListMessagesParams{}, []*letta.Message{sys, u1, call, ret, other, u2, as2}},
			{"run", store.ListMessagesParams{AgentID: a.ID, RunID: "run-1"}, []*letta.Message{u1, call, ret}},
			{"step", store.ListMessagesParams{StepID: "step-3"}, []*letta.Message{as2}},
			{"roles", store.ListMessagesParams{AgentID: a.ID, Roles: []string{letta.RoleUser, letta.RoleTool}}, []*letta.Message{u1, ret, u2}},
			{"query", store.ListMessagesParams{AgentID: a.ID, Query: "paris"}, []*letta.Message{u1, as2}},
			{"query all agents", store.ListMessagesParams{Query: "PARIS"}, []*letta.Message{u1, other, as2}},
			{"start date", store.ListMessagesParams{AgentID: a.ID, StartDate: &mid}, []*letta.Message{u2, as2}},
			{"end date", store.ListMessagesParams{AgentID: a.ID, EndDate: &mid}, []*letta.Message{sys, u1, call, ret}},
			{"date range", store.ListMessagesParams{AgentID: a.ID, StartDate: &before, EndDate: &after}, []*letta.Message{sys, u1, call, ret, u2, as2}},
			{"combined", store.ListMessagesParams{AgentID: a.ID, Roles: []string{letta.RoleUser}, Query: "london", StartDate: &mid}, []*letta.Message{u2}},
			{"nothing", store.ListMessagesParams{AgentID: a.ID, RunID: "run-9"}, nil},
		}
		for _, tc := range cases {
			tc.p.Page.Ascending = true
			got, err := s.ListMessages(ctx, tc.p)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if got == nil {
				t.Errorf("%s: nil slice, want non-nil", tc.name)
			}
			if diff := cmp.Diff(ids(tc.want, messageID), ids(got, messageID), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: ids mismatch (-want +got):\n%s", tc.name, diff)
			}
		}
		got, err := s.ListMessages(ctx, store.ListMessagesParams{AgentID: a.ID, RunID: "run-1", Page: store.Page{Ascending: true}})
		must(t, "ListMessages", err)
		if diff := cmp.Diff([]*letta.Message{u1, call, ret}, got, cmpOpts); diff != "" {
			t.Errorf("listed messages mismatch (-want +got):\n%s", diff)
		}

		// Paging is by Seq, not by created_at: give the messages of c
		// creation times out of insertion order.
		cagent := plainAgent(ctx, t, s, c, "c")
		base := c.now()
		var paged []*letta.Message
		for i := range 5 {
			m := newMessage(c, cagent.ID, letta.RoleUser, "m")
			m.CreatedAt = base.Add(time.Duration(5-i) * time.Second)
			paged = append(paged, m)
		}
		must(t, "CreateMessages", s.CreateMessages(ctx, paged))
		checkPaging(t, ids(paged, messageID), func(p store.Page) ([]string, error) {
			got, err := s.ListMessages(ctx, store.ListMessagesParams{AgentID: cagent.ID, Page: p})
			return ids(got, messageID), err
		})
	})
}
