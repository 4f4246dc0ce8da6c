-- Runs: one row per turn started through messages/async. The columns are
-- what run lists filter and sort on; `data` is the JSON of letta.Run.
CREATE TABLE runs (
    id         text COLLATE "C" PRIMARY KEY,
    agent_id   text COLLATE "C" NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    status     text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    data       jsonb NOT NULL
);

CREATE INDEX runs_created_at_id_idx ON runs (created_at, id);
CREATE INDEX runs_agent_id_created_at_idx ON runs (agent_id, created_at, id);
-- Partial: only unfinished runs are looked up by status at start-up.
CREATE INDEX runs_active_idx ON runs (status) WHERE status IN ('created', 'running');
