package storetest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// testAgentBlocks checks GetAgentBlocks returns what GetAgent fills in,
// follows attachment order and edits, and knows unknown agents.
func testAgentBlocks(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	b1 := createBlock(ctx, t, s, c, "persona", "I am a bench.")
	b2 := createBlock(ctx, t, s, c, "human", "Unknown.")
	a := createAgent(ctx, t, s, c, store.CreateAgentParams{BlockIDs: []string{b2.ID, b1.ID}})

	check := func(what string) {
		t.Helper()
		full, err := s.GetAgent(ctx, a.ID)
		must(t, "GetAgent", err)
		blocks, err := s.GetAgentBlocks(ctx, a.ID)
		must(t, "GetAgentBlocks", err)
		if diff := cmp.Diff(full.Blocks, blocks, cmpOpts); diff != "" {
			t.Errorf("%s: GetAgentBlocks differs from GetAgent's blocks (-want +got):\n%s", what, diff)
		}
	}
	check("attached in order")

	b1.Value = "I was edited."
	must(t, "UpdateBlock", s.UpdateBlock(ctx, b1))
	check("after an edit")
	if blocks, err := s.GetAgentBlocks(ctx, a.ID); err == nil && (len(blocks) != 2 || blocks[0].ID != b2.ID || blocks[1].Value != "I was edited.") {
		t.Errorf("GetAgentBlocks = %+v, want [%s, %s with the edit]", blocks, b2.ID, b1.ID)
	}

	must(t, "SetAgentBlocks", s.SetAgentBlocks(ctx, a.ID, nil))
	blocks, err := s.GetAgentBlocks(ctx, a.ID)
	must(t, "GetAgentBlocks with none", err)
	if blocks == nil || len(blocks) != 0 {
		t.Errorf("GetAgentBlocks with none = %#v, want an empty list", blocks)
	}

	err = s.InTx(ctx, func(tx store.Store) error {
		must(t, "SetAgentBlocks in tx", tx.SetAgentBlocks(ctx, a.ID, []string{b1.ID}))
		got, err := tx.GetAgentBlocks(ctx, a.ID)
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0].ID != b1.ID {
			t.Errorf("GetAgentBlocks in tx = %+v, want the block set in the tx", got)
		}
		return nil
	})
	must(t, "InTx", err)

	if _, err := s.GetAgentBlocks(ctx, letta.NewID(letta.PrefixAgent)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAgentBlocks(unknown) error = %v, want ErrNotFound", err)
	}
}
