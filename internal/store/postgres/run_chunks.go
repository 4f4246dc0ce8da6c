package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/letta-server/letta-server/internal/store"
)

// AppendRunChunks stores chunks for the run in one statement (arrays
// unnested), so all or none. ErrNotFound for an unknown run, ErrConflict
// for a stored seq_id.
func (s *Store) AppendRunChunks(ctx context.Context, runID string, chunks []store.RunChunk) error {
	const q = `INSERT INTO run_chunks (run_id, seq_id, data, created_at)
		SELECT $1, seq, data::json, created
		FROM unnest($2::bigint[], $3::text[], $4::timestamptz[]) AS c(seq, data, created)`
	if len(chunks) == 0 {
		return nil
	}
	seqs := make([]int64, len(chunks))
	data := make([]string, len(chunks))
	created := make([]time.Time, len(chunks))
	for i, c := range chunks {
		seqs[i], data[i], created[i] = c.SeqID, string(c.Data), c.CreatedAt
	}
	if _, err := s.q.Exec(ctx, q, runID, seqs, data, created); err != nil {
		return fmt.Errorf("append chunks of run %s: %w", runID, interpretError(err))
	}
	return nil
}

// ListRunChunks returns up to limit chunks of the run after afterSeq, in
// seq_id order; [] when none.
func (s *Store) ListRunChunks(ctx context.Context, runID string, afterSeq int64, limit int) ([]store.RunChunk, error) {
	const q = `SELECT seq_id, data::text, created_at FROM run_chunks
		WHERE run_id = $1 AND seq_id > $2
		ORDER BY seq_id
		LIMIT $3`
	var lim *int // NULL: no limit
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.q.Query(ctx, q, runID, afterSeq, lim)
	if err != nil {
		return nil, fmt.Errorf("list chunks of run %s: %w", runID, interpretError(err))
	}
	defer rows.Close()
	out := []store.RunChunk{}
	for rows.Next() {
		var (
			c       store.RunChunk
			data    string
			created time.Time
		)
		if err := rows.Scan(&c.SeqID, &data, &created); err != nil {
			return nil, fmt.Errorf("list chunks of run %s: %w", runID, interpretError(err))
		}
		c.Data, c.CreatedAt = json.RawMessage(data), created.UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list chunks of run %s: %w", runID, interpretError(err))
	}
	return out, nil
}
