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
-- Vector indexes cannot be declared here: an HNSW index needs a fixed
-- dimension, and searches are per agent. The server scans an agent's
-- vectors exactly (agent btree, exact cosine distance) while it has at most
-- 10,000 of a dimension, and when it passes that gives the agent a partial
-- HNSW index of its own:
--   CREATE INDEX passages_hnsw_<dim>_<agent uuid hex> ON passages
--     USING hnsw ((embedding::vector(<dim>)) vector_cosine_ops)
--     WHERE agent_id = '<agent id>' AND embedding_dim = <dim>
-- (halfvec(<dim>) above 2000 dimensions, pgvector's limit for vector; no
-- index above 4000), searched with the same expression and predicate so the
-- planner uses it. Chosen by measurement (docs/benchmarks.md, "Archival
-- search"): one HNSW index per dimension over all agents, filtered by agent
-- with pgvector's iterative scan, gave recall@10 0.89 and a 30 ms median for
-- a 100,000-passage agent in a million-row table, and every insert paid for
-- a million-node graph; an agent's own index searches only its neighbours.
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
