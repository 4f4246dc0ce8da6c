-- Run chunks: the stored items of a background stream, so that any replica
-- can replay it from a seq_id. `data` is json, not jsonb: the item's text is
-- kept byte for byte (compact, one line, "[DONE]" escaped inside strings),
-- which jsonb would reformat.
CREATE TABLE run_chunks (
    run_id     text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq_id     bigint NOT NULL,
    data       json NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (run_id, seq_id)
);
