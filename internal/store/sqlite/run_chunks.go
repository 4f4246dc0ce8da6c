package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/store"
)

// appendRunChunksSQL inserts the rows of a JSON array of [seq_id, data,
// created_at] triples: one statement text whatever the batch size, so it
// stays prepared (a VALUES list per size would fill the statement cache).
const appendRunChunksSQL = `
INSERT INTO run_chunks (run_id, seq_id, data, created_at)
SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]')
FROM json_each(?)`

// AppendRunChunks stores chunks for the run in one statement, so all or
// none. ErrNotFound for an unknown run, ErrConflict for a stored seq_id.
func (s *Store) AppendRunChunks(ctx context.Context, runID string, chunks []store.RunChunk) error {
	if len(chunks) == 0 {
		return nil
	}
	rows := make([][3]any, len(chunks))
	for i, c := range chunks {
		rows[i] = [3]any{c.SeqID, string(c.Data), micros(c.CreatedAt)}
	}
	batch, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("encode chunks of run %s: %w", runID, err)
	}
	if _, err := s.q.ExecContext(ctx, appendRunChunksSQL, runID, string(batch)); err != nil {
		return fmt.Errorf("append chunks of run %s: %w", runID, interpretError(err))
	}
	return nil
}

const listRunChunksSQL = `
SELECT seq_id, data, created_at FROM run_chunks
WHERE run_id = ? AND seq_id > ?
ORDER BY seq_id
LIMIT ?`

// ListRunChunks returns up to limit chunks of the run after afterSeq, in
// seq_id order; [] when none.
func (s *Store) ListRunChunks(ctx context.Context, runID string, afterSeq int64, limit int) ([]store.RunChunk, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.r.QueryContext(ctx, listRunChunksSQL, runID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("list chunks of run %s: %w", runID, interpretError(err))
	}
	defer rows.Close()
	out := []store.RunChunk{}
	for rows.Next() {
		var (
			c       store.RunChunk
			data    string
			created int64
		)
		if err := rows.Scan(&c.SeqID, &data, &created); err != nil {
			return nil, fmt.Errorf("list chunks of run %s: %w", runID, interpretError(err))
		}
		c.Data, c.CreatedAt = json.RawMessage(data), fromMicros(created)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list chunks of run %s: %w", runID, interpretError(err))
	}
	return out, nil
}
