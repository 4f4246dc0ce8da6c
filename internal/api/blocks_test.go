package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
)

func TestBlockCRUD(t *testing.T) {
	t.Parallel()
	e := setup(t)
	human := e.newBlock("human", "name: Caren", 0)
	if human.Limit != letta.DefaultPersonaHumanLimit || !letta.ValidID(letta.PrefixBlock, human.ID) {
		t.Errorf("created block = %+v", human)
	}
	note := e.newBlock("notes", "n", 0)
	if note.Limit != letta.DefaultBlockLimit {
		t.Errorf("limit = %d, want %d", note.Limit, letta.DefaultBlockLimit)
	}

	r := e.do("GET", "/v1/blocks/"+human.ID, nil)
	r.expect(t, http.StatusOK)
	for _, field := range []string{`"tags":[]`, `"metadata":{}`, `"created_at":"`} {
		if !strings.Contains(string(r.body), field) {
			t.Errorf("block JSON %s lacks %s", r.body, field)
		}
	}

	var got []letta.Block
	e.ok("GET", "/v1/blocks?label=human", nil, &got)
	if len(got) != 1 || got[0].ID != human.ID {
		t.Errorf("label filter gave %v", got)
	}
	var count int
	e.ok("GET", "/v1/blocks/count", nil, &count)
	if count != 2 {
		t.Errorf("count = %d, want 2", count)
	}

	var updated letta.Block
	e.ok("PATCH", "/v1/blocks/"+human.ID, map[string]any{"value": "name: Caren Smith", "description": "the user"}, &updated)
	if updated.Value != "name: Caren Smith" || letta.Deref(updated.Description) != "the user" || updated.Label != "human" || updated.Limit != human.Limit {
		t.Errorf("updated = %+v", updated)
	}

	var deleted letta.Block
	e.ok("DELETE", "/v1/blocks/"+human.ID+"/", nil, &deleted)
	if deleted.ID != human.ID || deleted.Value != "name: Caren Smith" {
		t.Errorf("delete returned %+v, want the deleted block", deleted)
	}
	e.do("GET", "/v1/blocks/"+human.ID, nil).expect(t, http.StatusNotFound)
	e.do("DELETE", "/v1/blocks/"+human.ID, nil).expect(t, http.StatusNotFound)
}

func TestBlockValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("POST", "/v1/blocks", map[string]any{"value": "x"})
	r.expect(t, http.StatusUnprocessableEntity)
	if !strings.Contains(r.detail(t), "label") {
		t.Errorf("detail %s should name label", r.detail(t))
	}
}

func TestBlockLimitEnforced(t *testing.T) {
	t.Parallel()
	e := setup(t)

	r := e.do("POST", "/v1/blocks", map[string]any{"label": "human", "value": "hello world", "limit": 5})
	r.expect(t, http.StatusBadRequest)
	if d, want := r.detail(t), "Edit failed: Exceeds 5 character limit (requested 11)"; d != want {
		t.Errorf("detail = %q, want %q", d, want)
	}
	var count int
	e.ok("GET", "/v1/blocks/count", nil, &count)
	if count != 0 {
		t.Fatalf("a block over its limit was created")
	}

	b := e.newBlock("human", "hello", 10)
	a := e.newAgent("limits", nil, b.ID)
	for name, tc := range map[string]struct {
		path string
		body map[string]any
		want string
	}{
		"value over limit":        {"/v1/blocks/" + b.ID, map[string]any{"value": "hello, world"}, "Edit failed: Exceeds 10 character limit (requested 12)"},
		"limit below value":       {"/v1/blocks/" + b.ID, map[string]any{"limit": 3}, "Edit failed: Exceeds 3 character limit (requested 5)"},
		"both over":               {"/v1/blocks/" + b.ID, map[string]any{"value": "abcdefgh", "limit": 4}, "Edit failed: Exceeds 4 character limit (requested 8)"},
		"through the agent label": {"/v1/agents/" + a.ID + "/core-memory/blocks/human", map[string]any{"value": strings.Repeat("é", 11)}, "Edit failed: Exceeds 10 character limit (requested 11)"},
	} {
		r := e.do("PATCH", tc.path, tc.body)
		r.expect(t, http.StatusBadRequest)
		if d := r.detail(t); d != tc.want {
			t.Errorf("%s: detail = %q, want %q", name, d, tc.want)
		}
	}
	var stored letta.Block
	e.ok("GET", "/v1/blocks/"+b.ID, nil, &stored)
	if stored.Value != "hello" || stored.Limit != 10 {
		t.Errorf("a rejected edit changed the block: %+v", stored)
	}
	// Exactly at the limit, counted in characters, is fine.
	e.ok("PATCH", "/v1/blocks/"+b.ID, map[string]any{"value": strings.Repeat("é", 10)}, &stored)
}

func TestSharedBlockIsOneRow(t *testing.T) {
	t.Parallel()
	e := setup(t)
	shared := e.newBlock("team", "we ship on fridays", 0)
	a1 := e.newAgent("one", nil, shared.ID)
	a2 := e.newAgent("two", nil, shared.ID)

	var agents []letta.Agent
	e.ok("GET", "/v1/blocks/"+shared.ID+"/agents", nil, &agents)
	gotIDs := []string{}
	for _, a := range agents {
		gotIDs = append(gotIDs, a.ID)
	}
	slices.Sort(gotIDs)
	wantIDs := []string{a1.ID, a2.ID}
	slices.Sort(wantIDs)
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Errorf("block agents (-want +got):\n%s", diff)
	}

	e.ok("PATCH", "/v1/agents/"+a1.ID+"/core-memory/blocks/team", map[string]any{"value": "we ship on mondays"}, nil)
	var seen letta.Block
	e.ok("GET", "/v1/agents/"+a2.ID+"/core-memory/blocks/team", nil, &seen)
	if seen.Value != "we ship on mondays" || seen.ID != shared.ID {
		t.Errorf("agent two sees %+v", seen)
	}
	var count int
	e.ok("GET", "/v1/blocks/count", nil, &count)
	if count != 1 {
		t.Errorf("count = %d, want 1", count)
	}
	var agent letta.Agent
	e.ok("GET", "/v1/agents/"+a2.ID, nil, &agent)
	if len(agent.Blocks) != 1 || agent.Blocks[0].Value != "we ship on mondays" || agent.Memory.Blocks[0].Value != "we ship on mondays" {
		t.Errorf("agent two's state: blocks %+v", agent.Blocks)
	}
}

func TestAttachDetachBlocks(t *testing.T) {
	t.Parallel()
	e := setup(t)
	human := e.newBlock("human", "name: Caren", 0)
	a := e.newAgent("attach", nil)

	var state letta.Agent
	e.ok("PATCH", "/v1/agents/"+a.ID+"/core-memory/blocks/attach/"+human.ID, nil, &state)
	if len(state.Blocks) != 1 || state.Blocks[0].ID != human.ID || len(state.Memory.Blocks) != 1 {
		t.Fatalf("after attach: blocks %+v", state.Blocks)
	}
	// Attaching again is a no-op.
	e.ok("PATCH", "/v1/agents/"+a.ID+"/core-memory/blocks/attach/"+human.ID+"/", nil, &state)

	other := e.newBlock("human", "someone else", 0)
	r := e.do("PATCH", "/v1/agents/"+a.ID+"/core-memory/blocks/attach/"+other.ID, nil)
	r.expect(t, http.StatusConflict)
	if r.header.Get("x-should-retry") != "false" {
		t.Error("409 without x-should-retry: false")
	}

	e.ok("PATCH", "/v1/agents/"+a.ID+"/core-memory/blocks/detach/"+human.ID, nil, &state)
	if len(state.Blocks) != 0 {
		t.Fatalf("after detach: blocks %+v", state.Blocks)
	}
	r = e.do("GET", "/v1/agents/"+a.ID+"/core-memory/blocks", nil)
	r.expect(t, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("blocks after detach = %s", r.body)
	}
	e.ok("GET", "/v1/blocks/"+human.ID, nil, nil) // the block itself stays
	e.do("PATCH", "/v1/agents/"+a.ID+"/core-memory/blocks/attach/"+letta.NewID(letta.PrefixBlock), nil).expect(t, http.StatusNotFound)
	e.do("GET", "/v1/agents/"+a.ID+"/core-memory/blocks/human", nil).expect(t, http.StatusNotFound)
}

// walk follows the 1.x SDK's auto-pagination: after=<last id> until [].
func walk(t *testing.T, e *env, path string) []string {
	t.Helper()
	var all []string
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	cursor := ""
	for range 50 {
		p := path
		if cursor != "" {
			p += sep + "after=" + cursor
		}
		r := e.do("GET", p, nil)
		r.expect(t, http.StatusOK)
		page := ids(t, r.body)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		cursor = page[len(page)-1]
	}
	t.Fatalf("GET %s: pagination did not end", path)
	return nil
}

func TestAgentBlocksPaging(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var blockIDs []string
	for i := range 3 {
		blockIDs = append(blockIDs, e.newBlock(fmt.Sprintf("b%d", i), "v", 0).ID)
	}
	a := e.newAgent("pager", nil, blockIDs...)
	base := "/v1/agents/" + a.ID + "/core-memory/blocks"

	var all []letta.Block
	e.ok("GET", base+"/", nil, &all)
	if got := len(all); got != 3 || all[0].Label != "b0" {
		t.Fatalf("unpaged list = %+v", all)
	}
	if diff := cmp.Diff(blockIDs, walk(t, e, base+"?limit=1")); diff != "" {
		t.Errorf("walk (-want +got):\n%s", diff)
	}
	desc := slices.Clone(blockIDs)
	slices.Reverse(desc)
	if diff := cmp.Diff(desc, walk(t, e, base+"?limit=2&order=desc")); diff != "" {
		t.Errorf("desc walk (-want +got):\n%s", diff)
	}
	r := e.do("GET", base+"?before="+blockIDs[2], nil)
	r.expect(t, http.StatusOK)
	if diff := cmp.Diff(blockIDs[:2], ids(t, r.body)); diff != "" {
		t.Errorf("before (-want +got):\n%s", diff)
	}
	e.do("GET", base+"?after="+letta.NewID(letta.PrefixBlock), nil).expect(t, http.StatusNotFound)
	e.do("GET", base+"?limit=0", nil).expect(t, http.StatusUnprocessableEntity)
	e.do("GET", base+"?order=sideways", nil).expect(t, http.StatusUnprocessableEntity)
}

func TestGlobalBlocksPaging(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var want []string
	for i := range 5 {
		want = append(want, e.newBlock(fmt.Sprintf("b%d", i), "v", 0).ID)
	}
	if diff := cmp.Diff(want, walk(t, e, "/v1/blocks/?limit=2")); diff != "" {
		t.Errorf("asc walk (-want +got):\n%s", diff)
	}
	slices.Reverse(want)
	if diff := cmp.Diff(want, walk(t, e, "/v1/blocks/?limit=2&order=desc")); diff != "" {
		t.Errorf("desc walk (-want +got):\n%s", diff)
	}
}

func TestCoreMemory(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.newBlock("persona", "I am helpful.", 0)
	a := e.newAgent("mem", nil, b.ID)
	var mem letta.Memory
	e.ok("GET", "/v1/agents/"+a.ID+"/core-memory/", nil, &mem)
	if len(mem.Blocks) != 1 || mem.Blocks[0].Value != "I am helpful." || mem.FileBlocks == nil {
		t.Errorf("memory = %+v", mem)
	}
}
