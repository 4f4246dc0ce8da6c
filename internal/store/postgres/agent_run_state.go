package postgres

import (
	"context"
	"fmt"

	"github.com/letta-server/letta-server/internal/store"
)

// SetAgentRunState records how the agent's last run ended, touching only
// those fields of its data (not updated_at). ErrNotFound.
func (s *Store) SetAgentRunState(ctx context.Context, agentID string, st store.AgentRunState) error {
	const q = `UPDATE agents SET data = data || $2::jsonb WHERE id = $1`
	patch, err := encodeData(st)
	if err != nil {
		return fmt.Errorf("set agent %s run state: %w", agentID, err)
	}
	tag, err := s.q.Exec(ctx, q, agentID, patch)
	if err != nil {
		return fmt.Errorf("set agent %s run state: %w", agentID, interpretError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set agent %s run state: %w", agentID, store.ErrNotFound)
	}
	return nil
}
