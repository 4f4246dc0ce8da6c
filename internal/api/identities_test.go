package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
)

// newIdentity creates an identity through the API.
func (e *env) newIdentity(body map[string]any, headers ...string) letta.Identity {
	e.t.Helper()
	var i letta.Identity
	e.ok("POST", "/v1/identities/", body, &i, headers...)
	return i
}

// identityCount reads GET /v1/identities/count.
func (e *env) identityCount() int {
	e.t.Helper()
	var n int
	e.ok("GET", "/v1/identities/count", nil, &n)
	return n
}

func TestIdentityCreateAndRead(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newAgent("linked", nil)
	b := e.newBlock("human", "v", 0)
	actor := letta.NewID(letta.PrefixUser)
	created := e.newIdentity(map[string]any{
		"identifier_key": "user-42",
		"name":           "Caren",
		"identity_type":  "user",
		"project_id":     "proj",
		"agent_ids":      []string{a.ID},
		"block_ids":      []string{b.ID},
		"properties":     []map[string]any{{"key": "email", "value": "c@example.com", "type": "string"}, {"key": "age", "value": 42, "type": "number"}},
	}, "user_id", actor)
	if !letta.ValidID(letta.PrefixIdentity, created.ID) {
		t.Errorf("id = %q", created.ID)
	}
	if letta.Deref(created.CreatedByID) != actor || letta.Deref(created.LastUpdatedByID) != actor {
		t.Errorf("actor fields = %v / %v, want %s", created.CreatedByID, created.LastUpdatedByID, actor)
	}
	if !cmp.Equal(created.AgentIDs, []string{a.ID}) || !cmp.Equal(created.BlockIDs, []string{b.ID}) || len(created.Properties) != 2 {
		t.Errorf("created = %+v", created)
	}

	r := e.do("GET", "/v1/identities/"+created.ID, nil)
	r.expect(t, http.StatusOK)
	var got letta.Identity
	_ = json.Unmarshal(r.body, &got)
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("retrieve (-create +retrieve):\n%s", diff)
	}
	e.do("GET", "/v1/identities/"+letta.NewID(letta.PrefixIdentity), nil).expect(t, http.StatusNotFound)

	// The agent sees the identity in both fields.
	var agent struct {
		IdentityIDs []string         `json:"identity_ids"`
		Identities  []letta.Identity `json:"identities"`
	}
	e.ok("GET", "/v1/agents/"+a.ID, nil, &agent)
	if !cmp.Equal(agent.IdentityIDs, []string{created.ID}) || len(agent.Identities) != 1 || agent.Identities[0].IdentifierKey != "user-42" {
		t.Errorf("agent identity fields = %+v", agent)
	}

	var agents, blocks []map[string]any
	e.ok("GET", "/v1/identities/"+created.ID+"/agents", nil, &agents)
	e.ok("GET", "/v1/identities/"+created.ID+"/blocks", nil, &blocks)
	if len(agents) != 1 || agents[0]["id"] != a.ID || len(blocks) != 1 || blocks[0]["id"] != b.ID {
		t.Errorf("identity agents %v, blocks %v", agents, blocks)
	}
	e.do("GET", "/v1/identities/"+letta.NewID(letta.PrefixIdentity)+"/agents", nil).expect(t, http.StatusNotFound)
	e.do("GET", "/v1/identities/"+letta.NewID(letta.PrefixIdentity)+"/blocks", nil).expect(t, http.StatusNotFound)
}

func TestIdentityCreateRejects(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.newIdentity(map[string]any{"identifier_key": "k", "name": "n", "identity_type": "org"})
	e.newIdentity(map[string]any{"identifier_key": "k", "name": "n", "identity_type": "org", "project_id": "p"})

	tests := []struct {
		name   string
		body   any
		status int
	}{
		{"bad identity_type", map[string]any{"identifier_key": "x", "name": "n", "identity_type": "robot"}, http.StatusUnprocessableEntity},
		{"missing fields", map[string]any{"name": "n"}, http.StatusUnprocessableEntity},
		{"bad property type", map[string]any{"identifier_key": "x", "name": "n", "identity_type": "user",
			"properties": []map[string]any{{"key": "a", "value": 1, "type": "integer"}}}, http.StatusUnprocessableEntity},
		{"property without value", map[string]any{"identifier_key": "x", "name": "n", "identity_type": "user",
			"properties": []map[string]any{{"key": "a", "type": "string"}}}, http.StatusUnprocessableEntity},
		{"malformed JSON", `{"identifier_key":`, http.StatusUnprocessableEntity},
		{"unknown agent", map[string]any{"identifier_key": "x", "name": "n", "identity_type": "user",
			"agent_ids": []string{letta.NewID(letta.PrefixAgent)}}, http.StatusNotFound},
		{"unknown block", map[string]any{"identifier_key": "x", "name": "n", "identity_type": "user",
			"block_ids": []string{letta.NewID(letta.PrefixBlock)}}, http.StatusNotFound},
		{"duplicate key, no project", map[string]any{"identifier_key": "k", "name": "other", "identity_type": "user"}, http.StatusConflict},
		{"duplicate key in project", map[string]any{"identifier_key": "k", "name": "other", "identity_type": "user", "project_id": "p"}, http.StatusConflict},
	}
	for _, tt := range tests {
		r := e.do("POST", "/v1/identities/", tt.body)
		if r.status != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, r.status, tt.status, r.body)
		}
	}
	if n := e.identityCount(); n != 2 {
		t.Errorf("count = %d after rejected creates, want 2", n)
	}
	r := e.do("POST", "/v1/identities/", map[string]any{"identifier_key": "k", "name": "x", "identity_type": "user", "project_id": "p"})
	r.expect(t, http.StatusConflict)
	if d := r.detail(t); d != "An identity with identifier key k already exists for project p" {
		t.Errorf("409 detail = %q", d)
	}
	e.do("POST", "/v1/identities/", map[string]any{"identifier_key": "k", "name": "n", "identity_type": "user"},
		"user_id", "not-a-user").expect(t, http.StatusBadRequest)
}

func TestIdentityList(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var asc []string
	for _, spec := range []map[string]any{
		{"identifier_key": "k1", "name": "Alice Smith", "identity_type": "user", "project_id": "p1"},
		{"identifier_key": "k2", "name": "Bob SMITH", "identity_type": "user"},
		{"identifier_key": "k3", "name": "ACME", "identity_type": "org", "project_id": "p1"},
		{"identifier_key": "k4", "name": "carol", "identity_type": "other"},
	} {
		asc = append(asc, e.newIdentity(spec).ID)
	}
	desc := slices.Clone(asc)
	slices.Reverse(desc)
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/v1/identities/", desc},
		{"/v1/identities?order=asc", asc},
		{"/v1/identities?name=smith&order=asc", asc[:2]},
		{"/v1/identities?project_id=p1", []string{asc[2], asc[0]}},
		{"/v1/identities?identifier_key=k4", asc[3:]},
		{"/v1/identities?identity_type=user&order=asc", asc[:2]},
		{"/v1/identities?limit=2", desc[:2]},
		{"/v1/identities?after=" + desc[1], desc[2:]},
	} {
		r := e.do("GET", tt.path, nil)
		r.expect(t, http.StatusOK)
		if diff := cmp.Diff(tt.want, ids(t, r.body)); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", tt.path, diff)
		}
	}
	if diff := cmp.Diff(desc, walk(t, e, "/v1/identities/?limit=3")); diff != "" {
		t.Errorf("walk (-want +got):\n%s", diff)
	}
	if n := e.identityCount(); n != 4 {
		t.Errorf("count = %d", n)
	}
	e.do("GET", "/v1/identities?identity_type=robot", nil).expect(t, http.StatusUnprocessableEntity)
	e.do("GET", "/v1/identities?after="+letta.NewID(letta.PrefixIdentity), nil).expect(t, http.StatusNotFound)
}

func TestIdentityUpsert(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a1, a2 := e.newAgent("a1", nil), e.newAgent("a2", nil)
	b1, b2 := e.newBlock("human", "1", 0), e.newBlock("persona", "2", 0)
	body := map[string]any{
		"identifier_key": "user-7", "name": "First", "identity_type": "user", "project_id": "p",
		"agent_ids": []string{a1.ID}, "block_ids": []string{b1.ID},
		"properties": []map[string]any{{"key": "a", "value": "1", "type": "string"}},
	}
	var first, second letta.Identity
	e.ok("PUT", "/v1/identities/", body, &first)
	if first.Name != "First" || !cmp.Equal(first.BlockIDs, []string{b1.ID}) {
		t.Fatalf("upsert create = %+v", first)
	}

	body["name"], body["identity_type"] = "Second", "other"
	body["agent_ids"], body["block_ids"] = []string{a2.ID}, []string{b2.ID}
	body["properties"] = []map[string]any{{"key": "b", "value": true, "type": "boolean"}}
	e.ok("PUT", "/v1/identities", body, &second, "user_id", letta.DefaultUserID)
	if second.ID != first.ID {
		t.Fatalf("upsert made a new identity %s, want %s", second.ID, first.ID)
	}
	want := first
	want.Name, want.IdentityType = "Second", letta.IdentityTypeOther
	want.AgentIDs = []string{a2.ID}
	want.Properties = []letta.IdentityProperty{{Key: "b", Value: true, Type: letta.PropertyTypeBoolean}}
	want.UpdatedAt = second.UpdatedAt
	// block_ids apply only on create, as in Letta.
	if diff := cmp.Diff(want, second); diff != "" {
		t.Errorf("upsert update (-want +got):\n%s", diff)
	}

	// The same key in another project is another identity.
	var other letta.Identity
	body["project_id"] = "q"
	e.ok("PUT", "/v1/identities/", body, &other)
	if other.ID == first.ID || e.identityCount() != 2 {
		t.Errorf("upsert in another project reused %s", other.ID)
	}
	body["agent_ids"] = []string{letta.NewID(letta.PrefixAgent)}
	e.do("PUT", "/v1/identities/", body).expect(t, http.StatusNotFound)
	body["identity_type"] = "robot"
	e.do("PUT", "/v1/identities/", body).expect(t, http.StatusUnprocessableEntity)
}

func TestIdentityModify(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a1, a2 := e.newAgent("a1", nil), e.newAgent("a2", nil)
	b1 := e.newBlock("human", "1", 0)
	i := e.newIdentity(map[string]any{
		"identifier_key": "k", "name": "n", "identity_type": "user", "agent_ids": []string{a1.ID},
		"properties": []map[string]any{{"key": "a", "value": "1", "type": "string"}, {"key": "b", "value": "2", "type": "string"}},
	})
	e.newIdentity(map[string]any{"identifier_key": "taken", "name": "n", "identity_type": "user"})

	actor := letta.NewID(letta.PrefixUser)
	var got letta.Identity
	e.ok("PATCH", "/v1/identities/"+i.ID, map[string]any{
		"name":       "renamed",
		"agent_ids":  []string{a2.ID},
		"block_ids":  []string{b1.ID},
		"properties": []map[string]any{{"key": "b", "value": 3, "type": "number"}, {"key": "c", "value": map[string]any{"x": 1}, "type": "json"}},
	}, &got, "user_id", actor)
	wantProps := []letta.IdentityProperty{
		{Key: "a", Value: "1", Type: "string"}, {Key: "b", Value: 3.0, Type: "number"}, {Key: "c", Value: map[string]any{"x": 1.0}, Type: "json"},
	}
	if diff := cmp.Diff(wantProps, got.Properties); diff != "" {
		t.Errorf("merged properties (-want +got):\n%s", diff)
	}
	wantAgents := []string{a1.ID, a2.ID}
	slices.Sort(wantAgents)
	if got.Name != "renamed" || got.IdentityType != letta.IdentityTypeUser || !cmp.Equal(got.AgentIDs, wantAgents) ||
		!cmp.Equal(got.BlockIDs, []string{b1.ID}) {
		t.Errorf("modified = %+v", got)
	}
	if letta.Deref(got.LastUpdatedByID) != actor || letta.Deref(got.CreatedByID) != letta.DefaultUserID {
		t.Errorf("actor fields after modify = %v / %v", got.CreatedByID, got.LastUpdatedByID)
	}

	for _, tt := range []struct {
		name   string
		path   string
		body   any
		status int
	}{
		{"unknown identity", "/v1/identities/" + letta.NewID(letta.PrefixIdentity), map[string]any{"name": "x"}, http.StatusNotFound},
		{"bad type", "/v1/identities/" + i.ID, map[string]any{"identity_type": "robot"}, http.StatusUnprocessableEntity},
		{"unknown agent", "/v1/identities/" + i.ID, map[string]any{"agent_ids": []string{letta.NewID(letta.PrefixAgent)}}, http.StatusNotFound},
		{"taken key", "/v1/identities/" + i.ID, map[string]any{"identifier_key": "taken", "name": "should not stick"}, http.StatusConflict},
	} {
		r := e.do("PATCH", tt.path, tt.body)
		if r.status != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, r.status, tt.status, r.body)
		}
	}
	var after letta.Identity
	e.ok("GET", "/v1/identities/"+i.ID, nil, &after)
	if after.Name != "renamed" || after.IdentifierKey != "k" {
		t.Errorf("a rejected modify changed the identity: %+v", after)
	}

	// PUT .../properties replaces the whole list; the body is a bare array.
	e.ok("PUT", "/v1/identities/"+i.ID+"/properties", []map[string]any{{"key": "z", "value": false, "type": "boolean"}}, &got)
	if diff := cmp.Diff([]letta.IdentityProperty{{Key: "z", Value: false, Type: "boolean"}}, got.Properties); diff != "" {
		t.Errorf("replaced properties (-want +got):\n%s", diff)
	}
	e.ok("PUT", "/v1/identities/"+i.ID+"/properties", []any{}, &got)
	if got.Properties == nil || len(got.Properties) != 0 {
		t.Errorf("properties after an empty replace = %#v", got.Properties)
	}
	e.do("PUT", "/v1/identities/"+i.ID+"/properties", map[string]any{"key": "z"}).expect(t, http.StatusUnprocessableEntity)
	e.do("PUT", "/v1/identities/"+i.ID+"/properties", []map[string]any{{"key": "z", "value": 1, "type": "int"}}).
		expect(t, http.StatusUnprocessableEntity)
	e.do("PUT", "/v1/identities/"+letta.NewID(letta.PrefixIdentity)+"/properties", []any{}).expect(t, http.StatusNotFound)
}

func TestIdentityDeleteKeepsAgents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newAgent("stays", nil)
	i := e.newIdentity(map[string]any{"identifier_key": "k", "name": "n", "identity_type": "user", "agent_ids": []string{a.ID}})
	r := e.do("DELETE", "/v1/identities/"+i.ID, nil)
	r.expect(t, http.StatusOK)
	if string(r.body) != "null\n" && string(r.body) != "null" {
		t.Errorf("delete body = %q, want null", r.body)
	}
	var agent struct {
		IdentityIDs []string `json:"identity_ids"`
	}
	e.ok("GET", "/v1/agents/"+a.ID, nil, &agent)
	if agent.IdentityIDs == nil || len(agent.IdentityIDs) != 0 {
		t.Errorf("agent identity_ids after delete = %#v, want []", agent.IdentityIDs)
	}
	e.do("DELETE", "/v1/identities/"+i.ID, nil).expect(t, http.StatusNotFound)
}

func TestAgentIdentityLinks(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alice := e.newIdentity(map[string]any{"identifier_key": "alice", "name": "Alice", "identity_type": "user"})
	bob := e.newIdentity(map[string]any{"identifier_key": "bob", "name": "Bob", "identity_type": "user"})

	// Create and modify through the engine, with identity_ids.
	var created struct {
		ID          string   `json:"id"`
		IdentityIDs []string `json:"identity_ids"`
		CreatedByID *string  `json:"created_by_id"`
		ProjectID   *string  `json:"project_id"`
	}
	actor := letta.NewID(letta.PrefixUser)
	e.ok("POST", "/v1/agents/", map[string]any{"model": "openai/gpt-4o-mini", "identity_ids": []string{alice.ID}},
		&created, "user_id", actor, "X-Project", "my-project")
	if !cmp.Equal(created.IdentityIDs, []string{alice.ID}) || letta.Deref(created.CreatedByID) != actor ||
		letta.Deref(created.ProjectID) != "my-project" {
		t.Errorf("created agent = %+v", created)
	}
	other := e.newAgent("other", nil)

	list := func(path string, headers ...string) []string {
		t.Helper()
		r := e.do("GET", path, nil, headers...)
		r.expect(t, http.StatusOK)
		return ids(t, r.body)
	}
	if got := list("/v1/agents?identity_id=" + alice.ID); !cmp.Equal(got, []string{created.ID}) {
		t.Errorf("by identity_id = %v", got)
	}
	if got := list("/v1/agents?identifier_keys=bob&identifier_keys=alice"); !cmp.Equal(got, []string{created.ID}) {
		t.Errorf("by identifier_keys = %v", got)
	}
	if got := list("/v1/agents?project_id=my-project"); !cmp.Equal(got, []string{created.ID}) {
		t.Errorf("by project_id = %v", got)
	}
	if got := list("/v1/agents", "X-Project", "my-project"); !cmp.Equal(got, []string{created.ID}) {
		t.Errorf("by X-Project header = %v", got)
	}
	if got := list("/v1/agents"); len(got) != 2 {
		t.Errorf("unfiltered list = %v", got)
	}

	var updated struct {
		IdentityIDs     []string `json:"identity_ids"`
		LastUpdatedByID *string  `json:"last_updated_by_id"`
	}
	e.ok("PATCH", "/v1/agents/"+created.ID, map[string]any{"identity_ids": []string{bob.ID}}, &updated)
	if !cmp.Equal(updated.IdentityIDs, []string{bob.ID}) || letta.Deref(updated.LastUpdatedByID) != letta.DefaultUserID {
		t.Errorf("updated agent = %+v", updated)
	}
	e.do("PATCH", "/v1/agents/"+created.ID, map[string]any{"identity_ids": []string{letta.NewID(letta.PrefixIdentity)}}).
		expect(t, http.StatusNotFound)
	e.do("POST", "/v1/agents/", map[string]any{"model": "openai/gpt-4o-mini", "identity_ids": []string{letta.NewID(letta.PrefixIdentity)}}).
		expect(t, http.StatusNotFound)
	if got := list("/v1/agents"); len(got) != 2 {
		t.Errorf("a create with an unknown identity left an agent: %v", got)
	}

	// The 1.x attach/detach routes answer null.
	r := e.do("PATCH", "/v1/agents/"+other.ID+"/identities/attach/"+alice.ID, nil)
	r.expect(t, http.StatusOK)
	if string(r.body) != "null\n" {
		t.Errorf("attach body = %q", r.body)
	}
	if got := list("/v1/agents?identity_id=" + alice.ID); !cmp.Equal(got, []string{other.ID}) {
		t.Errorf("after attach = %v", got)
	}
	e.ok("PATCH", "/v1/agents/"+other.ID+"/identities/attach/"+alice.ID, nil, nil) // idempotent
	e.ok("PATCH", "/v1/agents/"+other.ID+"/identities/detach/"+alice.ID, nil, nil)
	if got := list("/v1/agents?identity_id=" + alice.ID); len(got) != 0 {
		t.Errorf("after detach = %v", got)
	}
	e.do("PATCH", "/v1/agents/"+other.ID+"/identities/attach/"+letta.NewID(letta.PrefixIdentity), nil).expect(t, http.StatusNotFound)
	e.do("PATCH", "/v1/agents/"+letta.NewID(letta.PrefixAgent)+"/identities/attach/"+alice.ID, nil).expect(t, http.StatusNotFound)

	// Blocks attach and detach answer with the block.
	b := e.newBlock("human", "x", 0)
	var blk letta.Block
	e.ok("PATCH", "/v1/blocks/"+b.ID+"/identities/attach/"+bob.ID, nil, &blk)
	if blk.ID != b.ID {
		t.Errorf("block attach answered %+v", blk)
	}
	var got letta.Identity
	e.ok("GET", "/v1/identities/"+bob.ID, nil, &got)
	if !cmp.Equal(got.BlockIDs, []string{b.ID}) {
		t.Errorf("bob's blocks = %v", got.BlockIDs)
	}
	e.ok("PATCH", "/v1/blocks/"+b.ID+"/identities/detach/"+bob.ID, nil, &blk)
	e.ok("GET", "/v1/identities/"+bob.ID, nil, &got)
	if len(got.BlockIDs) != 0 {
		t.Errorf("bob's blocks after detach = %v", got.BlockIDs)
	}
	e.do("PATCH", "/v1/blocks/"+letta.NewID(letta.PrefixBlock)+"/identities/attach/"+bob.ID, nil).expect(t, http.StatusNotFound)
	e.do("PATCH", "/v1/blocks/"+b.ID+"/identities/attach/"+letta.NewID(letta.PrefixIdentity), nil).expect(t, http.StatusNotFound)
}

// TestIdentityUpsertConcurrent: simultaneous upserts of one identifier key,
// on each store, all succeed and leave one identity, with the name of one
// of them.
func TestIdentityUpsertConcurrent(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, ss storeServer) {
		const n = 8
		calls := make([]call, n)
		for i := range calls {
			calls[i] = call{"PUT", ss.url + "/v1/identities/", fmt.Sprintf(`{"identifier_key":"racer","name":"name-%d","identity_type":"user"}`, i)}
		}
		resps := sendAtOnce(t, calls)
		ids := map[string]bool{}
		for i, r := range resps {
			if r.status != http.StatusOK {
				t.Errorf("upsert %d: %d %s", i, r.status, r.body)
				continue
			}
			var got letta.Identity
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatalf("upsert %d: decode %s: %v", i, r.body, err)
			}
			ids[got.ID] = true
		}
		if len(ids) > 1 {
			t.Errorf("upserts of one key returned %d identities: %v", len(ids), ids)
		}
		var list []letta.Identity
		ss.env(t).ok("GET", "/v1/identities?identifier_key=racer", nil, &list)
		if len(list) != 1 || !strings.HasPrefix(list[0].Name, "name-") {
			t.Fatalf("identities with key racer = %+v, want one", list)
		}
	})
}
