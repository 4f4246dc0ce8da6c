-- Runs: one row per turn started through messages/async. The columns are
-- what run lists filter and sort on; `data` is the JSON of letta.Run.
CREATE TABLE runs (
    id         TEXT PRIMARY KEY,
    agent_id   TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX runs_created_at_id ON runs (created_at, id);
CREATE INDEX runs_agent_id_created_at ON runs (agent_id, created_at, id);
CREATE INDEX runs_status ON runs (status);
