package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

func testTools(t *testing.T, newStore newStoreFunc) {
	t.Run("CRUD", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		x := newTool(c, "web_search")
		x.DefaultRequiresApproval = letta.Ptr(true)
		x.ProjectID = letta.Ptr("proj")
		x.ArgsJSONSchema = map[string]any{"type": "object"}
		must(t, "CreateTool", s.CreateTool(ctx, x))

		got, err := s.GetTool(ctx, x.ID)
		must(t, "GetTool", err)
		if diff := cmp.Diff(x, got, cmpOpts); diff != "" {
			t.Errorf("GetTool mismatch (-want +got):\n%s", diff)
		}
		got, err = s.GetToolByName(ctx, "web_search")
		must(t, "GetToolByName", err)
		if diff := cmp.Diff(x, got, cmpOpts); diff != "" {
			t.Errorf("GetToolByName mismatch (-want +got):\n%s", diff)
		}
		_, err = s.GetToolByName(ctx, "Web_Search")
		wantErr(t, "GetToolByName other case", err, store.ErrNotFound)

		dup := newTool(c, "web_search")
		wantErr(t, "CreateTool with a taken name", s.CreateTool(ctx, dup), store.ErrConflict)
		_, err = s.GetTool(ctx, dup.ID)
		wantErr(t, "GetTool of the refused tool", err, store.ErrNotFound)

		upd := *x
		upd.Name = "web_search_v2"
		upd.SourceCode = nil
		upd.ReturnCharLimit = 100
		upd.Tags = []string{"new"}
		must(t, "UpdateTool", s.UpdateTool(ctx, &upd))
		got, err = s.GetToolByName(ctx, "web_search_v2")
		must(t, "GetToolByName after rename", err)
		if diff := cmp.Diff(&upd, got, cmpOpts, ignoreUpdatedAt); diff != "" {
			t.Errorf("after UpdateTool (-want +got):\n%s", diff)
		}
		_, err = s.GetToolByName(ctx, "web_search")
		wantErr(t, "GetToolByName old name", err, store.ErrNotFound)

		other := createTool(ctx, t, s, c, "other")
		clash := *other
		clash.Name = "web_search_v2"
		wantErr(t, "UpdateTool to a taken name", s.UpdateTool(ctx, &clash), store.ErrConflict)

		a := createAgent(ctx, t, s, c, store.CreateAgentParams{Agent: newAgentValue(t, c, "a"), ToolIDs: []string{x.ID, other.ID}})
		must(t, "DeleteTool", s.DeleteTool(ctx, x.ID))
		wantErr(t, "DeleteTool again", s.DeleteTool(ctx, x.ID), store.ErrNotFound)
		_, err = s.GetTool(ctx, x.ID)
		wantErr(t, "GetTool after delete", err, store.ErrNotFound)
		ga, err := s.GetAgent(ctx, a.ID)
		must(t, "GetAgent", err)
		if len(ga.Tools) != 1 || ga.Tools[0].ID != other.ID {
			t.Errorf("agent tools after delete = %v, want just %s", ids(toPtrs(ga.Tools), toolID), other.ID)
		}
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		var all []*letta.Tool
		for _, name := range []string{"e", "a", "d", "b", "c"} {
			all = append(all, createTool(ctx, t, s, c, name))
		}
		cases := []struct {
			name string
			p    store.ListToolsParams
			want []*letta.Tool
		}{
			{"all", store.ListToolsParams{}, all},
			{"names", store.ListToolsParams{Names: []string{"b", "e", "zz"}}, []*letta.Tool{all[0], all[3]}},
			{"no names match", store.ListToolsParams{Names: []string{"zz"}}, nil},
			{"names with limit", store.ListToolsParams{Names: []string{"a", "b", "c"}, Page: store.Page{Limit: 2}}, []*letta.Tool{all[1], all[3]}},
		}
		for _, tc := range cases {
			tc.p.Page.Ascending = true
			got, err := s.ListTools(ctx, tc.p)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if got == nil {
				t.Errorf("%s: nil slice, want non-nil", tc.name)
			}
			if diff := cmp.Diff(ids(tc.want, toolID), ids(got, toolID), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: ids mismatch (-want +got):\n%s", tc.name, diff)
			}
		}
		got, err := s.ListTools(ctx, store.ListToolsParams{Names: []string{"d"}})
		must(t, "ListTools", err)
		if len(got) != 1 {
			t.Fatalf("ListTools(d) = %d, want 1", len(got))
		}
		if diff := cmp.Diff(all[2], got[0], cmpOpts); diff != "" {
			t.Errorf("listed tool mismatch (-want +got):\n%s", diff)
		}
		checkPaging(t, ids(all, toolID), func(p store.Page) ([]string, error) {
			got, err := s.ListTools(ctx, store.ListToolsParams{Page: p})
			return ids(got, toolID), err
		})
	})
}

func toPtrs[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}
