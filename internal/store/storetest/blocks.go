package storetest

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

func testBlocks(t *testing.T, newStore newStoreFunc) {
	t.Run("CRUD", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		b := newBlock(c, "persona", "héllo, wörld ✓")
		b.TemplateName = letta.Ptr("tmpl")
		b.IsTemplate = true
		b.ReadOnly = true
		b.Hidden = letta.Ptr(true)
		b.ProjectID = letta.Ptr("proj")
		must(t, "CreateBlock", s.CreateBlock(ctx, b))
		wantErr(t, "CreateBlock with a taken id", s.CreateBlock(ctx, b), store.ErrConflict)

		got, err := s.GetBlock(ctx, b.ID)
		must(t, "GetBlock", err)
		if diff := cmp.Diff(b, got, cmpOpts); diff != "" {
			t.Errorf("GetBlock mismatch (-want +got):\n%s", diff)
		}

		upd := *got
		upd.Value = "changed"
		upd.Label = "human"
		upd.Limit = 10
		upd.Description = nil
		upd.Metadata = map[string]any{"x": "y"}
		upd.ReadOnly = false
		upd.Tags = []string{"a", "b"}
		upd.UpdatedAt = c.now()
		must(t, "UpdateBlock", s.UpdateBlock(ctx, &upd))
		got, err = s.GetBlock(ctx, b.ID)
		must(t, "GetBlock after update", err)
		if diff := cmp.Diff(&upd, got, cmpOpts, ignoreUpdatedAt); diff != "" {
			t.Errorf("GetBlock after update mismatch (-want +got):\n%s", diff)
		}
		if got.UpdatedAt.Before(b.UpdatedAt) {
			t.Errorf("UpdatedAt went back: %v < %v", got.UpdatedAt, b.UpdatedAt)
		}
		if !got.CreatedAt.Equal(b.CreatedAt) {
			t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, b.CreatedAt)
		}

		a := createAgent(ctx, t, s, c, store.CreateAgentParams{Agent: newAgentValue(t, c, "a"), BlockIDs: []string{b.ID}})
		must(t, "DeleteBlock", s.DeleteBlock(ctx, b.ID))
		_, err = s.GetBlock(ctx, b.ID)
		wantErr(t, "GetBlock after delete", err, store.ErrNotFound)
		wantErr(t, "DeleteBlock again", s.DeleteBlock(ctx, b.ID), store.ErrNotFound)
		ga, err := s.GetAgent(ctx, a.ID)
		must(t, "GetAgent after block delete", err)
		if len(ga.Blocks) != 0 {
			t.Errorf("agent still has %d blocks after the block was deleted", len(ga.Blocks))
		}
	})

	t.Run("CompareAndSet", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		b := createBlock(ctx, t, s, c, "human", "v1")
		must(t, "CompareAndSetBlockValue", s.CompareAndSetBlockValue(ctx, b.ID, "v1", "v2"))
		wantErr(t, "CompareAndSetBlockValue stale", s.CompareAndSetBlockValue(ctx, b.ID, "v1", "v3"), store.ErrConflict)
		wantErr(t, "CompareAndSetBlockValue missing",
			s.CompareAndSetBlockValue(ctx, letta.NewID(letta.PrefixBlock), "v1", "v3"), store.ErrNotFound)
		got, err := s.GetBlock(ctx, b.ID)
		must(t, "GetBlock", err)
		if got.Value != "v2" {
			t.Errorf("value = %q, want v2", got.Value)
		}
		if got.UpdatedAt.Before(b.UpdatedAt) {
			t.Errorf("UpdatedAt went back: %v < %v", got.UpdatedAt, b.UpdatedAt)
		}
		if diff := cmp.Diff(b, got, cmpOpts, ignoreUpdatedAt, cmpopts.IgnoreFields(letta.Block{}, "Value")); diff != "" {
			t.Errorf("CompareAndSetBlockValue changed other fields (-want +got):\n%s", diff)
		}
	})

	t.Run("Shared", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		shared := createBlock(ctx, t, s, c, "team", "shared v1")
		own := createBlock(ctx, t, s, c, "persona", "mine")
		a := createAgent(ctx, t, s, c, store.CreateAgentParams{Agent: newAgentValue(t, c, "a"), BlockIDs: []string{own.ID, shared.ID}})
		b := createAgent(ctx, t, s, c, store.CreateAgentParams{Agent: newAgentValue(t, c, "b"), BlockIDs: []string{shared.ID}})

		must(t, "CompareAndSetBlockValue", s.CompareAndSetBlockValue(ctx, shared.ID, "shared v1", "shared v2"))
		for _, id := range []string{a.ID, b.ID} {
			got, err := s.GetAgent(ctx, id)
			must(t, "GetAgent", err)
			var found bool
			for _, blk := range got.Blocks {
				if blk.ID == shared.ID {
					found = true
					if blk.Value != "shared v2" {
						t.Errorf("agent %s sees %q, want the edit", id, blk.Value)
					}
				}
			}
			if !found {
				t.Errorf("agent %s lacks the shared block", id)
			}
		}
		// One row: listing blocks shows it once.
		all, err := s.ListBlocks(ctx, store.ListBlocksParams{Label: "team"})
		must(t, "ListBlocks", err)
		if len(all) != 1 {
			t.Errorf("ListBlocks(team) = %d blocks, want 1", len(all))
		}

		got, err := s.ListBlockAgentIDs(ctx, shared.ID)
		must(t, "ListBlockAgentIDs", err)
		sort.Strings(got)
		want := []string{a.ID, b.ID}
		sort.Strings(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListBlockAgentIDs (-want +got):\n%s", diff)
		}
		lone := createBlock(ctx, t, s, c, "x", "")
		got, err = s.ListBlockAgentIDs(ctx, lone.ID)
		must(t, "ListBlockAgentIDs unattached", err)
		if got == nil || len(got) != 0 {
			t.Errorf("ListBlockAgentIDs unattached = %#v, want []", got)
		}
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		mk := func(label string, tmpl, project string) *letta.Block {
			b := newBlock(c, label, "v")
			if tmpl != "" {
				b.IsTemplate = true
				b.TemplateName = letta.Ptr(tmpl)
			}
			if project != "" {
				b.ProjectID = letta.Ptr(project)
			}
			must(t, "CreateBlock", s.CreateBlock(ctx, b))
			return b
		}
		b1 := mk("persona", "", "p1")
		b2 := mk("human", "t-human", "p1")
		b3 := mk("persona", "t-persona", "p2")
		b4 := mk("notes", "", "")
		b5 := mk("persona", "t-persona", "")
		cases := []struct {
			name string
			p    store.ListBlocksParams
			want []*letta.Block
		}{
			{"all", store.ListBlocksParams{}, []*letta.Block{b1, b2, b3, b4, b5}},
			{"label", store.ListBlocksParams{Label: "persona"}, []*letta.Block{b1, b3, b5}},
			{"templates", store.ListBlocksParams{TemplatesOnly: true}, []*letta.Block{b2, b3, b5}},
			{"template name", store.ListBlocksParams{Name: "t-persona"}, []*letta.Block{b3, b5}},
			{"project", store.ListBlocksParams{ProjectID: "p1"}, []*letta.Block{b1, b2}},
			{"combined", store.ListBlocksParams{Label: "persona", TemplatesOnly: true, ProjectID: "p2"}, []*letta.Block{b3}},
			{"none", store.ListBlocksParams{Label: "nope"}, nil},
		}
		for _, tc := range cases {
			tc.p.Page.Ascending = true
			got, err := s.ListBlocks(ctx, tc.p)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if got == nil {
				t.Errorf("%s: nil slice, want non-nil", tc.name)
			}
			if diff := cmp.Diff(ids(tc.want, blockID), ids(got, blockID), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: ids mismatch (-want +got):\n%s", tc.name, diff)
			}
		}
		got, err := s.ListBlocks(ctx, store.ListBlocksParams{Label: "notes"})
		must(t, "ListBlocks", err)
		if len(got) != 1 {
			t.Fatalf("ListBlocks(notes) = %d, want 1", len(got))
		}
		if diff := cmp.Diff(b4, got[0], cmpOpts); diff != "" {
			t.Errorf("listed block mismatch (-want +got):\n%s", diff)
		}
		checkPaging(t, ids([]*letta.Block{b1, b2, b3, b4, b5}, blockID), func(p store.Page) ([]string, error) {
			got, err := s.ListBlocks(ctx, store.ListBlocksParams{Page: p})
			return ids(got, blockID), err
		})
	})
}
