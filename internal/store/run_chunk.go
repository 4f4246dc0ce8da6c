package store

import (
	"context"
	"encoding/json"
	"time"
)

// RunChunk is one stored item of a background stream: its place in the
// stream and its JSON exactly as it was sent.
type RunChunk struct {
	SeqID     int64
	Data      json.RawMessage
	CreatedAt time.Time
}

// RunChunkStore keeps the items of background streams, so that any replica
// can replay a run's stream from a seq_id.
type RunChunkStore interface {
	// AppendRunChunks stores chunks (seq_ids rising, Data valid JSON) for
	// the run, all or none. ErrNotFound for an unknown run, ErrConflict when
	// a seq_id is already stored for it. No chunks is a no-op.
	AppendRunChunks(ctx context.Context, runID string, chunks []RunChunk) error
	// ListRunChunks returns up to limit chunks of the run with seq_id above
	// afterSeq, in seq_id order; [] when there are none (an unknown run
	// included). limit <= 0 means no limit.
	ListRunChunks(ctx context.Context, runID string, afterSeq int64, limit int) ([]RunChunk, error)
}
