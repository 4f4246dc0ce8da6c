package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/store"
)

// setAgentRunStateSQL merges the state into the agent's data (a null
// pending_approval removes the key, which reads back as null).
const setAgentRunStateSQL = `UPDATE agents SET data = json_patch(data, ?) WHERE id = ?`

// SetAgentRunState records how the agent's last run ended, touching only
// those fields of its data (not updated_at). ErrNotFound.
func (s *Store) SetAgentRunState(ctx context.Context, agentID string, st store.AgentRunState) error {
	patch, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode agent run state: %w", err)
	}
	res, err := s.q.ExecContext(ctx, setAgentRunStateSQL, string(patch), agentID)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("set agent %s run state: %w", agentID, interpretError(err))
	}
	return nil
}
