package sqlite

import (
	"context"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
)

// GetAgentBlocks returns the agent's blocks in attachment order, as
// GetAgent fills them, with one query. ErrNotFound for an unknown agent.
func (s *Store) GetAgentBlocks(ctx context.Context, agentID string) ([]letta.Block, error) {
	rows, err := s.r.QueryContext(ctx, agentBlocksSQL, agentID)
	if err != nil {
		return nil, fmt.Errorf("get agent %s blocks: %w", agentID, interpretError(err))
	}
	blocks := []letta.Block{}
	for rows.Next() {
		b, err := s.scanBlock(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("get agent %s blocks: %w", agentID, err)
		}
		if b.Tags == nil {
			b.Tags = []string{} // as GetAgent's Normalize leaves them
		}
		blocks = append(blocks, *b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("get agent %s blocks: %w", agentID, interpretError(err))
	}
	if len(blocks) == 0 {
		if err := s.mustExist(ctx, "agent", existsAgentSQL, agentID); err != nil {
			return nil, fmt.Errorf("get agent %s blocks: %w", agentID, err)
		}
	}
	return blocks, nil
}
