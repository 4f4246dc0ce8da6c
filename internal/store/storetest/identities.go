package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

func newIdentity(c *clock, key string, project *string) *letta.Identity {
	now := c.now()
	return &letta.Identity{
		ID:            letta.NewID(letta.PrefixIdentity),
		IdentifierKey: key,
		Name:          "Name of " + key,
		IdentityType:  letta.IdentityTypeUser,
		ProjectID:     project,
		Properties: []letta.IdentityProperty{
			{Key: "email", Value: key + "@example.com", Type: letta.PropertyTypeString},
			{Key: "prefs", Value: map[string]any{"lang": "en", "n": 2.0}, Type: letta.PropertyTypeJSON},
		},
		CreatedByID:     letta.Ptr(letta.DefaultUserID),
		LastUpdatedByID: letta.Ptr(letta.DefaultUserID),
		CreatedAt:       now,
		UpdatedAt:       now,
	}
}

func createIdentity(ctx context.Context, t *testing.T, s store.Store, i *letta.Identity) *letta.Identity {
	t.Helper()
	got, err := s.CreateIdentity(ctx, i)
	must(t, "CreateIdentity", err)
	return got
}

func identityID(i *letta.Identity) string { return i.ID }

// countIdentities counts every identity.
func countIdentities(ctx context.Context, t *testing.T, s store.Store) int {
	t.Helper()
	all, err := s.ListIdentities(ctx, store.ListIdentitiesParams{})
	must(t, "ListIdentities", err)
	return len(all)
}

func testIdentities(t *testing.T, newStore newStoreFunc) {
	t.Run("CRUD", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		b := createBlock(ctx, t, s, c, "human", "v")
		want := newIdentity(c, "user-1", letta.Ptr("proj"))
		want.AgentIDs, want.BlockIDs = []string{a.ID, a.ID}, []string{b.ID}
		got := createIdentity(ctx, t, s, want)
		want.AgentIDs = []string{a.ID}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("CreateIdentity mismatch (-want +got):\n%s", diff)
		}
		got, err := s.GetIdentity(ctx, want.ID)
		must(t, "GetIdentity", err)
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("GetIdentity mismatch (-want +got):\n%s", diff)
		}
		byKey, err := s.GetIdentityByKey(ctx, "user-1", letta.Ptr("proj"))
		must(t, "GetIdentityByKey", err)
		if byKey.ID != want.ID || len(byKey.AgentIDs) != 1 {
			t.Errorf("GetIdentityByKey = %+v, want %s with its agent", byKey, want.ID)
		}
		_, err = s.GetIdentityByKey(ctx, "user-1", nil)
		wantErr(t, "GetIdentityByKey without project", err, store.ErrNotFound)

		ga, err := s.GetAgent(ctx, a.ID)
		must(t, "GetAgent", err)
		if diff := cmp.Diff([]string{want.ID}, ga.IdentityIDs); diff != "" {
			t.Errorf("agent identity_ids (-want +got):\n%s", diff)
		}
		if len(ga.Identities) != 1 || ga.Identities[0].IdentifierKey != "user-1" ||
			!cmp.Equal(ga.Identities[0].AgentIDs, []string{a.ID}) || !cmp.Equal(ga.Identities[0].BlockIDs, []string{b.ID}) {
			t.Errorf("agent identities = %+v", ga.Identities)
		}

		// Update: fields change, links are replaced, CreatedAt stays.
		a2 := plainAgent(ctx, t, s, c, "a2")
		upd := *got
		upd.Name, upd.IdentityType, upd.IdentifierKey = "Renamed", letta.IdentityTypeOrg, "org-1"
		upd.Properties = []letta.IdentityProperty{{Key: "k", Value: true, Type: letta.PropertyTypeBoolean}}
		upd.AgentIDs, upd.BlockIDs = []string{a2.ID}, nil
		upd.LastUpdatedByID = letta.Ptr("user-someone")
		got, err = s.UpdateIdentity(ctx, &upd)
		must(t, "UpdateIdentity", err)
		upd.BlockIDs = []string{}
		if diff := cmp.Diff(&upd, got, cmpOpts, cmpopts.IgnoreFields(letta.Identity{}, "UpdatedAt")); diff != "" {
			t.Errorf("UpdateIdentity mismatch (-want +got):\n%s", diff)
		}
		if !got.CreatedAt.Equal(want.CreatedAt) || got.UpdatedAt.Before(want.UpdatedAt) {
			t.Errorf("times after update: created %v updated %v", got.CreatedAt, got.UpdatedAt)
		}
		ga, err = s.GetAgent(ctx, a.ID)
		must(t, "GetAgent after relink", err)
		if len(ga.IdentityIDs) != 0 || len(ga.Identities) != 0 {
			t.Errorf("unlinked agent still lists %v", ga.IdentityIDs)
		}
		upd.ID = letta.NewID(letta.PrefixIdentity)
		_, err = s.UpdateIdentity(ctx, &upd)
		wantErr(t, "UpdateIdentity unknown", err, store.ErrNotFound)

		// Delete unlinks and keeps the agent.
		must(t, "DeleteIdentity", s.DeleteIdentity(ctx, want.ID))
		wantErr(t, "DeleteIdentity again", s.DeleteIdentity(ctx, want.ID), store.ErrNotFound)
		_, err = s.GetIdentity(ctx, want.ID)
		wantErr(t, "GetIdentity after delete", err, store.ErrNotFound)
		ga, err = s.GetAgent(ctx, a2.ID)
		must(t, "GetAgent after identity delete", err)
		if len(ga.IdentityIDs) != 0 {
			t.Errorf("agent still lists deleted identity: %v", ga.IdentityIDs)
		}
	})

	t.Run("UniqueKeyPerProject", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		createIdentity(ctx, t, s, newIdentity(c, "k", nil))
		createIdentity(ctx, t, s, newIdentity(c, "k", letta.Ptr("p1")))
		createIdentity(ctx, t, s, newIdentity(c, "k", letta.Ptr("p2")))
		for _, project := range []*string{nil, letta.Ptr("p1")} {
			_, err := s.CreateIdentity(ctx, newIdentity(c, "k", project))
			wantErr(t, "CreateIdentity duplicate key", err, store.ErrConflict)
		}
		if n := countIdentities(ctx, t, s); n != 3 {
			t.Errorf("%d identities after rejected duplicates, want 3", n)
		}
		other := createIdentity(ctx, t, s, newIdentity(c, "other", nil))
		other.IdentifierKey = "k"
		_, err := s.UpdateIdentity(ctx, other)
		wantErr(t, "UpdateIdentity to a taken key", err, store.ErrConflict)
		got, err := s.GetIdentity(ctx, other.ID)
		must(t, "GetIdentity", err)
		if got.IdentifierKey != "other" {
			t.Errorf("key = %q after a rejected update", got.IdentifierKey)
		}
	})

	t.Run("UnknownLinks", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		i := newIdentity(c, "k", nil)
		i.AgentIDs = []string{a.ID, letta.NewID(letta.PrefixAgent)}
		_, err := s.CreateIdentity(ctx, i)
		wantErr(t, "CreateIdentity unknown agent", err, store.ErrNotFound)
		i.AgentIDs, i.BlockIDs = nil, []string{letta.NewID(letta.PrefixBlock)}
		_, err = s.CreateIdentity(ctx, i)
		wantErr(t, "CreateIdentity unknown block", err, store.ErrNotFound)
		if n := countIdentities(ctx, t, s); n != 0 {
			t.Fatalf("%d identities after failed creates, want 0", n)
		}
		ok := createIdentity(ctx, t, s, newIdentity(c, "ok", nil))
		ok.AgentIDs = []string{letta.NewID(letta.PrefixAgent)}
		_, err = s.UpdateIdentity(ctx, ok)
		wantErr(t, "UpdateIdentity unknown agent", err, store.ErrNotFound)

		wantErr(t, "SetAgentIdentities unknown identity",
			s.SetAgentIdentities(ctx, a.ID, []string{ok.ID, letta.NewID(letta.PrefixIdentity)}), store.ErrNotFound)
		wantErr(t, "SetAgentIdentities unknown agent",
			s.SetAgentIdentities(ctx, letta.NewID(letta.PrefixAgent), []string{ok.ID}), store.ErrNotFound)
		ga, err := s.GetAgent(ctx, a.ID)
		must(t, "GetAgent", err)
		if len(ga.IdentityIDs) != 0 {
			t.Errorf("failed SetAgentIdentities left links %v", ga.IdentityIDs)
		}
		p := store.CreateAgentParams{Agent: newAgentValue(t, c, "b"), IdentityIDs: []string{letta.NewID(letta.PrefixIdentity)}}
		_, err = s.CreateAgent(ctx, p)
		wantErr(t, "CreateAgent unknown identity", err, store.ErrNotFound)
		_, err = s.GetAgent(ctx, p.Agent.ID)
		wantErr(t, "GetAgent after failed create", err, store.ErrNotFound)
	})

	t.Run("AgentLinks", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		alice := createIdentity(ctx, t, s, newIdentity(c, "alice", nil))
		bob := createIdentity(ctx, t, s, newIdentity(c, "bob", letta.Ptr("p")))
		a1 := createAgent(ctx, t, s, c, store.CreateAgentParams{Agent: newAgentValue(t, c, "a1"), IdentityIDs: []string{bob.ID, alice.ID}})
		if diff := cmp.Diff([]string{alice.ID, bob.ID}, a1.IdentityIDs); diff != "" {
			t.Errorf("CreateAgent identity_ids, oldest identity first (-want +got):\n%s", diff)
		}
		a2 := plainAgent(ctx, t, s, c, "a2")
		a3 := plainAgent(ctx, t, s, c, "a3")
		must(t, "SetAgentIdentities", s.SetAgentIdentities(ctx, a2.ID, []string{bob.ID}))
		got, err := s.GetIdentity(ctx, bob.ID)
		must(t, "GetIdentity", err)
		if diff := cmp.Diff([]string{a1.ID, a2.ID}, got.AgentIDs, cmpopts.SortSlices(func(x, y string) bool { return x < y })); diff != "" {
			t.Errorf("bob's agents (-want +got):\n%s", diff)
		}

		list := func(p store.ListAgentsParams) []string {
			t.Helper()
			p.Page.Ascending = true
			got, err := s.ListAgents(ctx, p)
			must(t, "ListAgents", err)
			return ids(got, agentID)
		}
		for _, tc := range []struct {
			name string
			p    store.ListAgentsParams
			want []string
		}{
			{"identity alice", store.ListAgentsParams{IdentityID: alice.ID}, []string{a1.ID}},
			{"identity bob", store.ListAgentsParams{IdentityID: bob.ID}, []string{a1.ID, a2.ID}},
			{"keys", store.ListAgentsParams{IdentifierKeys: []string{"bob", "nobody"}}, []string{a1.ID, a2.ID}},
			{"keys and name", store.ListAgentsParams{IdentifierKeys: []string{"alice", "bob"}, Name: "a2"}, []string{a2.ID}},
			{"unknown key", store.ListAgentsParams{IdentifierKeys: []string{"nobody"}}, []string{}},
			{"ids", store.ListAgentsParams{IDs: []string{a3.ID, a1.ID}}, []string{a1.ID, a3.ID}},
		} {
			if diff := cmp.Diff(tc.want, list(tc.p), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}

		// Deleting an agent or a block removes it from the identity.
		blk := createBlock(ctx, t, s, c, "human", "x")
		bob.BlockIDs = []string{blk.ID}
		bob.AgentIDs = []string{a1.ID, a2.ID}
		_, err = s.UpdateIdentity(ctx, bob)
		must(t, "UpdateIdentity", err)
		must(t, "DeleteAgent", s.DeleteAgent(ctx, a2.ID))
		must(t, "DeleteBlock", s.DeleteBlock(ctx, blk.ID))
		got, err = s.GetIdentity(ctx, bob.ID)
		must(t, "GetIdentity after deletes", err)
		if diff := cmp.Diff([]string{a1.ID}, got.AgentIDs); diff != "" {
			t.Errorf("agents after agent delete (-want +got):\n%s", diff)
		}
		if len(got.BlockIDs) != 0 {
			t.Errorf("blocks after block delete = %v", got.BlockIDs)
		}
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		var asc []string
		for _, spec := range []struct {
			key     string
			name    string
			typ     letta.IdentityType
			project *string
		}{
			{"k1", "Alice Smith", letta.IdentityTypeUser, letta.Ptr("p1")},
			{"k2", "Bob Smith", letta.IdentityTypeUser, nil},
			{"k3", "ACME", letta.IdentityTypeOrg, letta.Ptr("p1")},
			{"k4", "carol", letta.IdentityTypeOther, nil},
			{"k5", "Dave SMITHSON", letta.IdentityTypeUser, letta.Ptr("p2")},
		} {
			i := newIdentity(c, spec.key, spec.project)
			i.Name, i.IdentityType = spec.name, spec.typ
			createIdentity(ctx, t, s, i)
			asc = append(asc, i.ID)
		}
		for _, tc := range []struct {
			name string
			p    store.ListIdentitiesParams
			want []string
		}{
			{"name substring, any case", store.ListIdentitiesParams{Name: "smith"}, []string{asc[0], asc[1], asc[4]}},
			{"project", store.ListIdentitiesParams{ProjectID: "p1"}, []string{asc[0], asc[2]}},
			{"key", store.ListIdentitiesParams{IdentifierKey: "k4"}, []string{asc[3]}},
			{"type", store.ListIdentitiesParams{IdentityType: letta.IdentityTypeUser}, []string{asc[0], asc[1], asc[4]}},
			{"type and project", store.ListIdentitiesParams{IdentityType: letta.IdentityTypeUser, ProjectID: "p1"}, []string{asc[0]}},
			{"nothing", store.ListIdentitiesParams{Name: "zed"}, []string{}},
		} {
			tc.p.Page.Ascending = true
			got, err := s.ListIdentities(ctx, tc.p)
			must(t, "ListIdentities "+tc.name, err)
			if diff := cmp.Diff(tc.want, ids(got, identityID), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}
		checkPaging(t, asc, func(p store.Page) ([]string, error) {
			got, err := s.ListIdentities(ctx, store.ListIdentitiesParams{Page: p})
			return ids(got, identityID), err
		})
	})
}
