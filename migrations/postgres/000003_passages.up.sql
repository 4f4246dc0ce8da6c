-- Archival memory: one row per passage. The columns are what searches
-- filter and rank on; `data` is the rest of letta.Passage as JSON (metadata,
-- embedding_config, ...), without the vector.
--
-- embedding is an untyped `vector` so agents whose embedding models have
-- different dimensions (768, 1024, 1536, 3072, ...) share one table, with
-- no zero padding (Letta pads everything to 4096, which makes every index
-- and every distance 2.7x bigger for the common 1536). embedding_dim is its
-- dimension, set by the server (NULL: stored without an embedding, found by
-- full text only).
--
-- The vector index cannot be declared here, since an HNSW index needs a
-- fixed dimension. The server creates one partial index per dimension the
-- first time it stores a vector of that dimension:
--   CREATE INDEX passages_embedding_<d>_hnsw ON passages
--     USING hnsw ((embedding::vector(<d>)) vector_cosine_ops)
--     WHERE embedding_dim = <d>
-- (halfvec(<d>) above 2000 dimensions, pgvector's limit for vector), and
-- searches with that same expression and predicate so the planner can use
-- it. A search within an agent uses it with pgvector's iterative scan
-- (relaxed order, re-sorted by exact distance) when the agent has many
-- passages, and the exact distance over the agent's rows (agent btree) when
-- it has few: measured in docs/benchmarks.md ("Archival search"), the
-- exact scan of a small agent is faster and exact, while HNSW keeps a large
-- agent's search fast among a million rows.
CREATE TABLE passages (
    id            text COLLATE "C" PRIMARY KEY,
    agent_id      text COLLATE "C" NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    text          text NOT NULL,
    embedding     vector,
    embedding_dim integer,
    tags          text[] NOT NULL DEFAULT '{}',
    -- Full-text search (hybrid search fuses it with vector ranking).
    tsv           tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    data          jsonb NOT NULL,
    CHECK ((embedding IS NULL) = (embedding_dim IS NULL))
);

CREATE INDEX passages_agent_id_created_at_idx ON passages (agent_id, created_at, id);
CREATE INDEX passages_tsv_idx ON passages USING gin (tsv);
CREATE INDEX passages_tags_idx ON passages USING gin (tags);
