package storetest

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// testReadsAreCopies checks that what a read returns is the caller's own:
// changing anything reachable from an agent, block or tool read (as the
// engine and the API do) changes nothing a later read returns, whether the
// store decodes each row or keeps decoded rows.
func testReadsAreCopies(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	b := createBlock(ctx, t, s, c, "human", "v")
	x := createTool(ctx, t, s, c, "f")
	a := createAgent(ctx, t, s, c, store.CreateAgentParams{
		Agent: newAgentValue(t, c, "copied"), BlockIDs: []string{b.ID}, ToolIDs: []string{x.ID}, Tags: []string{"t"},
	})
	list := store.ListAgentsParams{Tags: []string{"t"}}

	first, err := s.GetAgent(ctx, a.ID)
	must(t, "GetAgent", err)
	want := jsonCopy(t, first) // shares nothing with what the store may keep
	reads := map[string]func() []*letta.Agent{
		"GetAgent": func() []*letta.Agent {
			got, err := s.GetAgent(ctx, a.ID)
			must(t, "GetAgent", err)
			return []*letta.Agent{got}
		},
		"ListAgents": func() []*letta.Agent {
			got, err := s.ListAgents(ctx, list)
			must(t, "ListAgents", err)
			return got
		},
	}
	for name, read := range reads {
		for range 2 { // the second time from whatever the first one kept
			for _, got := range read() {
				scribble(got)
			}
			for _, got := range read() {
				if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
					t.Errorf("%s after changing an earlier read (-want +got):\n%s", name, diff)
				}
			}
		}
	}

	firstBlock, err := s.GetBlock(ctx, b.ID)
	must(t, "GetBlock", err)
	wantBlock := jsonCopy(t, firstBlock)
	for range 2 {
		got, err := s.GetBlock(ctx, b.ID)
		must(t, "GetBlock", err)
		scribbleBlock(got)
		got, err = s.GetBlock(ctx, b.ID)
		must(t, "GetBlock", err)
		if diff := cmp.Diff(wantBlock, got, cmpOpts); diff != "" {
			t.Errorf("GetBlock after changing an earlier read (-want +got):\n%s", diff)
		}
	}
}

// jsonCopy returns a copy of *v made through its JSON.
func jsonCopy[T any](t *testing.T, v *T) *T {
	t.Helper()
	raw, err := json.Marshal(v)
	must(t, "encode", err)
	var c T
	must(t, "decode", json.Unmarshal(raw, &c))
	return &c
}

// scribble changes everything reachable from a that a caller might.
func scribble(a *letta.Agent) {
	a.Name = "changed"
	a.Metadata["team"] = "changed"
	*a.Description = "changed"
	*a.LLMConfig.Handle = "changed"
	*a.EmbeddingConfig.EmbeddingChunkSize = 1
	*a.ToolRules[1].PromptTemplate = "changed"
	a.ToolRules[2].Children[0] = "changed"
	a.MessageIDs[0] = "changed"
	a.Tags[0] = "changed"
	*a.ToolExecEnvVars[0].Description = "changed"
	*a.Timezone = "changed"
	*a.LastRunCompletion = a.LastRunCompletion.AddDate(1, 0, 0)
	for i := range a.Blocks {
		scribbleBlock(&a.Blocks[i])
	}
	for i := range a.Tools {
		a.Tools[i].JSONSchema["parameters"].(map[string]any)["type"] = "changed"
		a.Tools[i].Metadata["k"] = "changed"
		*a.Tools[i].SourceCode = "changed"
		a.Tools[i].Tags[0] = "changed"
	}
}

func scribbleBlock(b *letta.Block) {
	b.Value = "changed"
	b.Metadata["source"] = "changed"
	*b.Description = "changed"
	b.Tags[0] = "changed"
}
