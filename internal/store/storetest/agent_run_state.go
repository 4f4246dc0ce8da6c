package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/store"
)

// testAgentRunState checks SetAgentRunState sets the last-run fields and
// pending_approval, clears pending_approval again, leaves the rest of the
// agent and its updated_at alone, and fails with ErrNotFound for an
// unknown agent.
func testAgentRunState(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	a := plainAgent(ctx, t, s, c, "ran")
	before, err := s.GetAgent(ctx, a.ID)
	must(t, "GetAgent", err)

	done := time.Date(2026, 5, 1, 12, 30, 0, 123456000, time.UTC)
	approval := map[string]any{"message_type": "approval_request_message", "id": "message-1", "content": "nul \x00 kept out"}
	must(t, "SetAgentRunState", s.SetAgentRunState(ctx, a.ID, store.AgentRunState{
		LastStopReason: "requires_approval", LastRunCompletion: done, LastRunDurationMs: 1500, PendingApproval: approval,
	}))
	got, err := s.GetAgent(ctx, a.ID)
	must(t, "GetAgent", err)
	if got.LastStopReason == nil || *got.LastStopReason != "requires_approval" ||
		got.LastRunCompletion == nil || !got.LastRunCompletion.Equal(done) ||
		got.LastRunDurationMs == nil || *got.LastRunDurationMs != 1500 {
		t.Errorf("last run = %v %v %v", got.LastStopReason, got.LastRunCompletion, got.LastRunDurationMs)
	}
	if p, _ := got.PendingApproval.(map[string]any); p["id"] != "message-1" {
		t.Errorf("pending_approval = %v", got.PendingApproval)
	}
	if got.Name != before.Name || !got.UpdatedAt.Equal(before.UpdatedAt) || len(got.MessageIDs) != len(before.MessageIDs) {
		t.Errorf("other fields changed: %+v", got)
	}

	must(t, "SetAgentRunState", s.SetAgentRunState(ctx, a.ID, store.AgentRunState{LastStopReason: "end_turn", LastRunCompletion: done, LastRunDurationMs: 7}))
	got, err = s.GetAgent(ctx, a.ID)
	must(t, "GetAgent", err)
	if got.PendingApproval != nil || *got.LastStopReason != "end_turn" || *got.LastRunDurationMs != 7 {
		t.Errorf("after a plain turn: pending %v, stop %v", got.PendingApproval, *got.LastStopReason)
	}
	if err := s.SetAgentRunState(ctx, "agent-00000000-0000-4000-8000-000000000000", store.AgentRunState{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown agent: %v, want ErrNotFound", err)
	}
}
