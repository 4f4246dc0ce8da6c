-- Run chunks: the stored items of a background stream, so that any replica
-- can replay it from a seq_id. `data` is the SSE item's JSON exactly as it
-- was sent (compact, one line); created_at is in microseconds.
CREATE TABLE run_chunks (
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq_id     INTEGER NOT NULL,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, seq_id)
) WITHOUT ROWID;
