package postgres

import (
	"context"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// GetAgentBlocks returns the agent's blocks in attachment order, as
// GetAgent fills them, with one query. ErrNotFound for an unknown agent.
func (s *Store) GetAgentBlocks(ctx context.Context, agentID string) ([]letta.Block, error) {
	const q = `SELECT ` + blockColumns + `
		FROM agent_blocks l JOIN blocks ON blocks.id = l.block_id
		WHERE l.agent_id = $1 ORDER BY l.position`
	rows, err := s.q.Query(ctx, q, agentID)
	if err != nil {
		return nil, fmt.Errorf("get agent %s blocks: %w", agentID, interpretError(err))
	}
	found, err := collect(rows, s.scanBlock)
	if err != nil {
		return nil, fmt.Errorf("get agent %s blocks: %w", agentID, err)
	}
	if len(found) == 0 {
		ok, err := s.exists(ctx, "agents", agentID)
		if err != nil {
			return nil, fmt.Errorf("get agent %s blocks: %w", agentID, err)
		}
		if !ok {
			return nil, fmt.Errorf("get agent %s blocks: %w", agentID, store.ErrNotFound)
		}
	}
	blocks := make([]letta.Block, len(found))
	for i, b := range found {
		blocks[i] = *b
	}
	return blocks, nil
}
