package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

func testAgents(t *testing.T, newStore newStoreFunc) {
	t.Run("CreateAndGet", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		b1 := createBlock(ctx, t, s, c, "persona", "I am a test.")
		b2 := createBlock(ctx, t, s, c, "human", "Name: Ada")
		b3 := createBlock(ctx, t, s, c, "notes", "")
		t1 := createTool(ctx, t, s, c, "send_message")
		t2 := createTool(ctx, t, s, c, "archival_memory_search")
		in := newAgentValue(t, c, "ada")
		// Links in a deliberately non-sorted order: blocks and tools keep it,
		// tags come back sorted.
		p := store.CreateAgentParams{
			Agent:    in,
			BlockIDs: []string{b3.ID, b1.ID, b2.ID},
			ToolIDs:  []string{t2.ID, t1.ID},
			Tags:     []string{"zeta", "alpha", "mid"},
		}
		created, err := s.CreateAgent(ctx, p)
		must(t, "CreateAgent", err)

		want := in
		want.Blocks = []letta.Block{*b3, *b1, *b2}
		want.Tools = []letta.Tool{*t2, *t1}
		want.Tags = []string{"alpha", "mid", "zeta"}
		if diff := cmp.Diff(normalized(&want), normalized(created), cmpOpts); diff != "" {
			t.Errorf("CreateAgent result mismatch (-want +got):\n%s", diff)
		}
		got, err := s.GetAgent(ctx, in.ID)
		must(t, "GetAgent", err)
		if diff := cmp.Diff(normalized(&want), normalized(got), cmpOpts); diff != "" {
			t.Errorf("GetAgent mismatch (-want +got):\n%s", diff)
		}
		// Tool rules come back byte-for-byte equivalent, unknown fields included.
		var wantRules, gotRules any
		wantRules = jsonValue(toolRules(t))
		gotRules = jsonValue(got.ToolRules)
		if diff := cmp.Diff(wantRules, gotRules); diff != "" {
			t.Errorf("tool rules JSON mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(in.MessageIDs, got.MessageIDs); diff != "" {
			t.Errorf("message ids mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("CreateWithMissingLinks", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		b := createBlock(ctx, t, s, c, "persona", "p")
		for name, p := range map[string]store.CreateAgentParams{
			"block": {Agent: newAgentValue(t, c, "x"), BlockIDs: []string{b.ID, letta.NewID(letta.PrefixBlock)}},
			"tool":  {Agent: newAgentValue(t, c, "y"), ToolIDs: []string{letta.NewID(letta.PrefixTool)}},
		} {
			_, err := s.CreateAgent(ctx, p)
			wantErr(t, "CreateAgent with a missing "+name, err, store.ErrNotFound)
			_, err = s.GetAgent(ctx, p.Agent.ID)
			wantErr(t, "GetAgent after a failed create", err, store.ErrNotFound)
		}
	})

	t.Run("DuplicateID", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		dup := newAgentValue(t, c, "b")
		dup.ID = a.ID
		_, err := s.CreateAgent(ctx, store.CreateAgentParams{Agent: dup})
		wantErr(t, "CreateAgent with a taken id", err, store.ErrConflict)
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		mk := func(name, project string, tags ...string) *letta.Agent {
			v := newAgentValue(t, c, name)
			if project != "" {
				v.ProjectID = letta.Ptr(project)
			}
			return createAgent(ctx, t, s, c, store.CreateAgentParams{Agent: v, Tags: tags})
		}
		a := mk("Alpha Bot", "p1", "red", "blue")
		b := mk("beta", "p1", "red")
		cc := mk("gamma-alpha", "p2", "blue", "green")
		d := mk("delta", "", "green", "red", "blue")
		e := mk("beta", "p2")

		cases := []struct {
			name string
			p    store.ListAgentsParams
			want []*letta.Agent
		}{
			{"all", store.ListAgentsParams{}, []*letta.Agent{a, b, cc, d, e}},
			{"name", store.ListAgentsParams{Name: "beta"}, []*letta.Agent{b, e}},
			{"name exact", store.ListAgentsParams{Name: "bet"}, nil},
			{"query text", store.ListAgentsParams{QueryText: "ALPHA"}, []*letta.Agent{a, cc}},
			{"tags any", store.ListAgentsParams{Tags: []string{"green", "blue"}}, []*letta.Agent{a, cc, d}},
			{"tags all", store.ListAgentsParams{Tags: []string{"red", "blue"}, MatchAllTags: true}, []*letta.Agent{a, d}},
			{"tags all one", store.ListAgentsParams{Tags: []string{"green"}, MatchAllTags: true}, []*letta.Agent{cc, d}},
			{"tags none match", store.ListAgentsParams{Tags: []string{"purple"}}, nil},
			{"project", store.ListAgentsParams{ProjectID: "p2"}, []*letta.Agent{cc, e}},
			{"combined", store.ListAgentsParams{ProjectID: "p1", Tags: []string{"blue"}}, []*letta.Agent{a}},
		}
		for _, tc := range cases {
			tc.p.Page.Ascending = true
			got, err := s.ListAgents(ctx, tc.p)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if got == nil {
				t.Errorf("%s: nil slice, want non-nil", tc.name)
			}
			if diff := cmp.Diff(ids(tc.want, agentID), ids(got, agentID), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: ids mismatch (-want +got):\n%s", tc.name, diff)
			}
		}
		// Listed agents carry their relations like GetAgent.
		got, err := s.ListAgents(ctx, store.ListAgentsParams{Name: "delta"})
		must(t, "ListAgents", err)
		if len(got) != 1 {
			t.Fatalf("ListAgents(delta) = %d agents, want 1", len(got))
		}
		if diff := cmp.Diff([]string{"blue", "green", "red"}, got[0].Tags); diff != "" {
			t.Errorf("listed agent tags (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(normalized(d), normalized(got[0]), cmpOpts); diff != "" {
			t.Errorf("listed agent mismatch (-want +got):\n%s", diff)
		}

		checkPaging(t, ids([]*letta.Agent{a, b, cc, d, e}, agentID), func(p store.Page) ([]string, error) {
			got, err := s.ListAgents(ctx, store.ListAgentsParams{Page: p})
			return ids(got, agentID), err
		})
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		b := createBlock(ctx, t, s, c, "persona", "p")
		x := createTool(ctx, t, s, c, "t")
		a := createAgent(ctx, t, s, c, store.CreateAgentParams{
			Agent: newAgentValue(t, c, "before"), BlockIDs: []string{b.ID}, ToolIDs: []string{x.ID}, Tags: []string{"k"},
		})
		upd := *a
		upd.Name = "after"
		upd.System = "new system"
		upd.Description = nil
		upd.Metadata = map[string]any{"changed": true}
		upd.LLMConfig.Model = "gpt-4.1"
		upd.LLMConfig.Temperature = 0.1
		upd.EmbeddingConfig = nil
		upd.ToolRules = toolRules(t)[:2]
		upd.MessageIDs = []string{letta.NewID(letta.PrefixMessage)}
		upd.ToolExecEnvVars = nil
		upd.LastStopReason = letta.Ptr("max_steps")
		upd.ProjectID = letta.Ptr("proj")
		// Links on the input are ignored by UpdateAgent.
		upd.Blocks = nil
		upd.Tools = nil
		upd.Tags = []string{"ignored"}

		must(t, "Lock", s.InTx(ctx, func(tx store.Store) error { return tx.Lock(ctx, store.AgentRow, a.ID) }))
		got, err := s.UpdateAgent(ctx, &upd)
		must(t, "UpdateAgent", err)
		want := upd
		want.Blocks = []letta.Block{*b}
		want.Tools = []letta.Tool{*x}
		want.Tags = []string{"k"}
		if diff := cmp.Diff(normalized(&want), normalized(got), cmpOpts, ignoreUpdatedAt); diff != "" {
			t.Errorf("UpdateAgent result mismatch (-want +got):\n%s", diff)
		}
		if got.UpdatedAt.Before(a.UpdatedAt) {
			t.Errorf("UpdatedAt went back: %v < %v", got.UpdatedAt, a.UpdatedAt)
		}
		reread, err := s.GetAgent(ctx, a.ID)
		must(t, "GetAgent", err)
		if diff := cmp.Diff(normalized(got), normalized(reread), cmpOpts); diff != "" {
			t.Errorf("GetAgent after update mismatch (-want +got):\n%s", diff)
		}
		if !reread.CreatedAt.Equal(a.CreatedAt) {
			t.Errorf("CreatedAt changed: %v, want %v", reread.CreatedAt, a.CreatedAt)
		}
	})

	t.Run("SetMessageIDs", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		want := []string{"message-3", "message-1", "message-2"}
		must(t, "SetAgentMessageIDs", s.SetAgentMessageIDs(ctx, a.ID, want))
		got, err := s.GetAgent(ctx, a.ID)
		must(t, "GetAgent", err)
		if diff := cmp.Diff(want, got.MessageIDs); diff != "" {
			t.Errorf("message ids (-want +got):\n%s", diff)
		}
		if got.Name != a.Name || got.System != a.System {
			t.Errorf("SetAgentMessageIDs changed other fields: %q %q", got.Name, got.System)
		}
	})

	t.Run("Links", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		b1 := createBlock(ctx, t, s, c, "persona", "p")
		b2 := createBlock(ctx, t, s, c, "human", "h")
		b3 := createBlock(ctx, t, s, c, "notes", "n")
		x1 := createTool(ctx, t, s, c, "one")
		x2 := createTool(ctx, t, s, c, "two")
		x3 := createTool(ctx, t, s, c, "three")
		a := createAgent(ctx, t, s, c, store.CreateAgentParams{
			Agent: newAgentValue(t, c, "a"), BlockIDs: []string{b1.ID}, ToolIDs: []string{x1.ID}, Tags: []string{"a"},
		})
		check := func(step string, blocks, tools, tags []string) {
			t.Helper()
			got, err := s.GetAgent(ctx, a.ID)
			must(t, step+": GetAgent", err)
			gb := make([]string, 0, len(got.Blocks))
			for _, b := range got.Blocks {
				gb = append(gb, b.ID)
			}
			gt := make([]string, 0, len(got.Tools))
			for _, x := range got.Tools {
				gt = append(gt, x.ID)
			}
			if diff := cmp.Diff(blocks, gb, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: block ids (-want +got):\n%s", step, diff)
			}
			if diff := cmp.Diff(tools, gt, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: tool ids (-want +got):\n%s", step, diff)
			}
			if diff := cmp.Diff(tags, got.Tags, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: tags (-want +got):\n%s", step, diff)
			}
		}
		must(t, "SetAgentBlocks", s.SetAgentBlocks(ctx, a.ID, []string{b3.ID, b1.ID}))
		must(t, "SetAgentTools", s.SetAgentTools(ctx, a.ID, []string{x3.ID, x1.ID, x2.ID}))
		must(t, "SetAgentTags", s.SetAgentTags(ctx, a.ID, []string{"y", "x"}))
		check("after set", []string{b3.ID, b1.ID}, []string{x3.ID, x1.ID, x2.ID}, []string{"x", "y"})

		must(t, "AttachBlock", s.AttachBlock(ctx, a.ID, b2.ID))
		must(t, "AttachBlock again", s.AttachBlock(ctx, a.ID, b2.ID))
		must(t, "DetachBlock", s.DetachBlock(ctx, a.ID, b3.ID))
		must(t, "DetachBlock not attached", s.DetachBlock(ctx, a.ID, b3.ID))
		must(t, "DetachTool", s.DetachTool(ctx, a.ID, x1.ID))
		must(t, "DetachTool again", s.DetachTool(ctx, a.ID, x1.ID))
		must(t, "AttachTool", s.AttachTool(ctx, a.ID, x1.ID))
		must(t, "AttachTool again", s.AttachTool(ctx, a.ID, x1.ID))
		check("after attach/detach", []string{b1.ID, b2.ID}, []string{x3.ID, x2.ID, x1.ID}, []string{"x", "y"})
		if _, err := s.GetBlock(ctx, b3.ID); err != nil {
			t.Errorf("detached block is gone: %v", err)
		}

		// A second block with a label the agent already has is a conflict.
		other := createBlock(ctx, t, s, c, "persona", "another persona")
		wantErr(t, "AttachBlock same label", s.AttachBlock(ctx, a.ID, other.ID), store.ErrConflict)
		check("after refused attach", []string{b1.ID, b2.ID}, []string{x3.ID, x2.ID, x1.ID}, []string{"x", "y"})

		missingAgent := letta.NewID(letta.PrefixAgent)
		missingBlock := letta.NewID(letta.PrefixBlock)
		missingTool := letta.NewID(letta.PrefixTool)
		for name, err := range map[string]error{
			"SetAgentBlocks missing block": s.SetAgentBlocks(ctx, a.ID, []string{b1.ID, missingBlock}),
			"SetAgentTools missing tool":   s.SetAgentTools(ctx, a.ID, []string{missingTool}),
			"SetAgentBlocks missing agent": s.SetAgentBlocks(ctx, missingAgent, []string{b1.ID}),
			"SetAgentTools missing agent":  s.SetAgentTools(ctx, missingAgent, []string{x1.ID}),
			"SetAgentTags missing agent":   s.SetAgentTags(ctx, missingAgent, []string{"x"}),
			"AttachBlock missing agent":    s.AttachBlock(ctx, missingAgent, b1.ID),
			"AttachBlock missing block":    s.AttachBlock(ctx, a.ID, missingBlock),
			"DetachBlock missing agent":    s.DetachBlock(ctx, missingAgent, b1.ID),
			"DetachBlock missing block":    s.DetachBlock(ctx, a.ID, missingBlock),
			"AttachTool missing agent":     s.AttachTool(ctx, missingAgent, x1.ID),
			"AttachTool missing tool":      s.AttachTool(ctx, a.ID, missingTool),
		} {
			wantErr(t, name, err, store.ErrNotFound)
		}
		check("after refused sets", []string{b1.ID, b2.ID}, []string{x3.ID, x2.ID, x1.ID}, []string{"x", "y"})

		must(t, "SetAgentBlocks empty", s.SetAgentBlocks(ctx, a.ID, nil))
		must(t, "SetAgentTools empty", s.SetAgentTools(ctx, a.ID, []string{}))
		must(t, "SetAgentTags empty", s.SetAgentTags(ctx, a.ID, nil))
		check("after clearing", nil, nil, nil)
	})

	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		b := createBlock(ctx, t, s, c, "persona", "p")
		x := createTool(ctx, t, s, c, "t")
		a := createAgent(ctx, t, s, c, store.CreateAgentParams{
			Agent: newAgentValue(t, c, "doomed"), BlockIDs: []string{b.ID}, ToolIDs: []string{x.ID}, Tags: []string{"gone"},
		})
		keep := createAgent(ctx, t, s, c, store.CreateAgentParams{
			Agent: newAgentValue(t, c, "kept"), BlockIDs: []string{b.ID}, Tags: []string{"stays"},
		})
		msgs := []*letta.Message{newMessage(c, a.ID, letta.RoleUser, "hi"), newMessage(c, keep.ID, letta.RoleUser, "hello")}
		must(t, "CreateMessages", s.CreateMessages(ctx, msgs))
		st := newStep(c, a.ID, "run-x", "gpt")
		must(t, "CreateStep", s.CreateStep(ctx, st))

		must(t, "DeleteAgent", s.DeleteAgent(ctx, a.ID))
		_, err := s.GetAgent(ctx, a.ID)
		wantErr(t, "GetAgent after delete", err, store.ErrNotFound)
		wantErr(t, "DeleteAgent again", s.DeleteAgent(ctx, a.ID), store.ErrNotFound)
		_, err = s.GetMessage(ctx, msgs[0].ID)
		wantErr(t, "GetMessage of a deleted agent", err, store.ErrNotFound)
		_, err = s.GetStep(ctx, st.ID)
		wantErr(t, "GetStep of a deleted agent", err, store.ErrNotFound)
		if _, err := s.GetMessage(ctx, msgs[1].ID); err != nil {
			t.Errorf("other agent's message: %v", err)
		}
		if _, err := s.GetBlock(ctx, b.ID); err != nil {
			t.Errorf("block after agent delete: %v", err)
		}
		if _, err := s.GetTool(ctx, x.ID); err != nil {
			t.Errorf("tool after agent delete: %v", err)
		}
		agents, err := s.ListBlockAgentIDs(ctx, b.ID)
		must(t, "ListBlockAgentIDs", err)
		if diff := cmp.Diff([]string{keep.ID}, agents); diff != "" {
			t.Errorf("block agents after delete (-want +got):\n%s", diff)
		}
		tags, err := s.ListTags(ctx)
		must(t, "ListTags", err)
		if diff := cmp.Diff([]string{"stays"}, tags); diff != "" {
			t.Errorf("tags after delete (-want +got):\n%s", diff)
		}
	})

	t.Run("ListTags", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		got, err := s.ListTags(ctx)
		must(t, "ListTags empty", err)
		if got == nil || len(got) != 0 {
			t.Errorf("ListTags on an empty store = %#v, want []", got)
		}
		createAgent(ctx, t, s, c, store.CreateAgentParams{Agent: newAgentValue(t, c, "a"), Tags: []string{"b", "a"}})
		createAgent(ctx, t, s, c, store.CreateAgentParams{Agent: newAgentValue(t, c, "b"), Tags: []string{"c", "a"}})
		got, err = s.ListTags(ctx)
		must(t, "ListTags", err)
		if diff := cmp.Diff([]string{"a", "b", "c"}, got); diff != "" {
			t.Errorf("ListTags (-want +got):\n%s", diff)
		}
	})
}
