package agent

import (
	"context"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// ResetMessages deletes every stored message of the agent and starts its
// context over with a freshly compiled system message, followed by the
// default opening messages when addDefaults is set. It waits for (and
// holds) the agent's turn, so it never cuts into a running turn. It returns
// the agent as stored afterwards.
func (e *Engine) ResetMessages(ctx context.Context, agentID string, addDefaults bool) (*letta.Agent, error) {
	turnCtx, release, err := e.acquireTurn(ctx, agentID, e.cfg.TurnWaitTimeout)
	if err != nil {
		return nil, err
	}
	defer release()
	var out *letta.Agent
	err = e.cfg.Store.InTx(turnCtx, func(tx store.Store) error {
		a, err := tx.GetAgent(turnCtx, agentID)
		if err != nil {
			return err
		}
		msgs, err := openingMessages(a, nil, letta.Now())
		if err != nil {
			return err
		}
		if !addDefaults {
			msgs = msgs[:1] // the system message
		}
		if err := tx.DeleteAgentMessages(turnCtx, agentID); err != nil {
			return err
		}
		if err := tx.CreateMessages(turnCtx, msgs); err != nil {
			return err
		}
		ids := make([]string, len(msgs))
		for i, m := range msgs {
			ids[i] = m.ID
		}
		if err := tx.SetAgentMessageIDs(turnCtx, agentID, ids); err != nil {
			return err
		}
		if a.PendingApproval != nil { // the request it waited on is gone
			if err := tx.SetAgentRunState(turnCtx, agentID, store.AgentRunState{
				LastStopReason:    letta.Deref(a.LastStopReason),
				LastRunCompletion: letta.Deref(a.LastRunCompletion),
				LastRunDurationMs: letta.Deref(a.LastRunDurationMs),
			}); err != nil {
				return err
			}
		}
		out, err = tx.GetAgent(turnCtx, agentID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reset messages of agent %s: %w", agentID, err)
	}
	return out, nil
}
