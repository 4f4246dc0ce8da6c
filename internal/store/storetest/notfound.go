package storetest

import (
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// testNotFound checks that every get, update and delete of a missing id
// returns ErrNotFound.
func testNotFound(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	agent := newAgentValue(t, c, "ghost")
	block := newBlock(c, "persona", "p")
	tool := newTool(c, "ghost")
	msg := newMessage(c, agent.ID, letta.RoleUser, "boo")
	step := newStep(c, agent.ID, "run-1", "m")

	calls := map[string]func() error{
		"GetAgent":           func() error { _, err := s.GetAgent(ctx, agent.ID); return err },
		"UpdateAgent":        func() error { _, err := s.UpdateAgent(ctx, &agent); return err },
		"SetAgentMessageIDs": func() error { return s.SetAgentMessageIDs(ctx, agent.ID, []string{"m"}) },
		"DeleteAgent":        func() error { return s.DeleteAgent(ctx, agent.ID) },
		"GetBlock":           func() error { _, err := s.GetBlock(ctx, block.ID); return err },
		"UpdateBlock":        func() error { return s.UpdateBlock(ctx, block) },
		"CompareAndSet":      func() error { return s.CompareAndSetBlockValue(ctx, block.ID, "p", "q") },
		"DeleteBlock":        func() error { return s.DeleteBlock(ctx, block.ID) },
		"GetTool":            func() error { _, err := s.GetTool(ctx, tool.ID); return err },
		"GetToolByName":      func() error { _, err := s.GetToolByName(ctx, tool.Name); return err },
		"UpdateTool":         func() error { return s.UpdateTool(ctx, tool) },
		"DeleteTool":         func() error { return s.DeleteTool(ctx, tool.ID) },
		"GetMessage":         func() error { _, err := s.GetMessage(ctx, msg.ID); return err },
		"UpdateMessage":      func() error { return s.UpdateMessage(ctx, msg) },
		"GetStep":            func() error { _, err := s.GetStep(ctx, step.ID); return err },
		"UpdateStep":         func() error { return s.UpdateStep(ctx, step) },
		"LockAgent":          func() error { return s.Lock(ctx, store.AgentRow, agent.ID) },
		"LockBlock":          func() error { return s.Lock(ctx, store.BlockRow, block.ID) },
		"LockIdentity":       func() error { return s.Lock(ctx, store.IdentityRow, letta.NewID(letta.PrefixIdentity)) },
		"LockTool":           func() error { return s.Lock(ctx, store.ToolRow, letta.NewID(letta.PrefixTool)) },
		"LockRun":            func() error { return s.Lock(ctx, store.RunRow, letta.NewID(letta.PrefixRun)) },
	}
	for name, call := range calls {
		wantErr(t, name, call(), store.ErrNotFound)
	}
}
