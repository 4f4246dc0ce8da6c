-- Identities: the users, organizations and other parties of the caller's
-- application, linked to agents and blocks in both directions. The columns
-- are what identity lists filter and sort on; `data` is the JSON of
-- letta.Identity without its links.
CREATE TABLE identities (
    id             TEXT PRIMARY KEY,
    identifier_key TEXT NOT NULL,
    name           TEXT NOT NULL,
    identity_type  TEXT NOT NULL,
    project_id     TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    data           TEXT NOT NULL
);
CREATE INDEX identities_created_at_id ON identities (created_at, id);
-- One identifier key per project. Identities without a project share one
-- namespace, so NULL is folded into '' (Letta's "nulls not distinct").
CREATE UNIQUE INDEX identities_identifier_key_project ON identities (identifier_key, coalesce(project_id, ''));

CREATE TABLE identities_agents (
    identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    agent_id    TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (identity_id, agent_id)
);
CREATE INDEX identities_agents_agent_id ON identities_agents (agent_id);

CREATE TABLE identities_blocks (
    identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    block_id    TEXT NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
    PRIMARY KEY (identity_id, block_id)
);
CREATE INDEX identities_blocks_block_id ON identities_blocks (block_id);
