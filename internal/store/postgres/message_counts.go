package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/letta-server/letta-server/internal/store"
)

const (
	// One statement each, so each reads one snapshot.
	countSinceSQL = `SELECT
	(SELECT min(seq) FROM messages WHERE agent_id = $1),
	(SELECT max(seq) FROM messages WHERE agent_id = $1),
	(SELECT count(*) FROM messages WHERE agent_id = $1 AND seq > $2)`
	countAllSQL = `SELECT min(seq), max(seq), count(*) FROM messages WHERE agent_id = $1`
)

// countMessages returns the agent's message count through the cache c,
// reading through q.
func countMessages(ctx context.Context, c *store.MessageCounts, q querier, agentID string) (int, error) {
	return c.Count(agentID,
		func(afterSeq int64) (store.MessageSpan, error) {
			return scanMessageSpan(q.QueryRow(ctx, countSinceSQL, agentID, afterSeq))
		},
		func() (store.MessageSpan, error) {
			return scanMessageSpan(q.QueryRow(ctx, countAllSQL, agentID))
		})
}

// scanMessageSpan reads a (min seq, max seq, count) row.
func scanMessageSpan(row pgx.Row) (store.MessageSpan, error) {
	var minSeq, maxSeq *int64
	var span store.MessageSpan
	if err := row.Scan(&minSeq, &maxSeq, &span.N); err != nil {
		return store.MessageSpan{}, err
	}
	if minSeq == nil || maxSeq == nil {
		span.Empty = true
		return span, nil
	}
	span.MinSeq, span.MaxSeq = *minSeq, *maxSeq
	return span, nil
}
