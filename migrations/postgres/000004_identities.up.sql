-- Identities: the users, organizations and other parties of the caller's
-- application, linked to agents and blocks in both directions. The columns
-- are what identity lists filter and sort on; `data` is the JSON of
-- letta.Identity without its links.
CREATE TABLE identities (
    id             text COLLATE "C" PRIMARY KEY,
    identifier_key text COLLATE "C" NOT NULL,
    name           text NOT NULL,
    identity_type  text NOT NULL,
    project_id     text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    data           jsonb NOT NULL
);

CREATE INDEX identities_created_at_id_idx ON identities (created_at, id);
-- One identifier key per project. Identities without a project share one
-- namespace, so NULL is folded into '' (Letta's "nulls not distinct"; an
-- expression keeps the SQLite schema the same).
CREATE UNIQUE INDEX identities_identifier_key_project_idx ON identities (identifier_key, coalesce(project_id, ''));

CREATE TABLE identities_agents (
    identity_id text COLLATE "C" NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    agent_id    text COLLATE "C" NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (identity_id, agent_id)
);

CREATE INDEX identities_agents_agent_id_idx ON identities_agents (agent_id);

CREATE TABLE identities_blocks (
    identity_id text COLLATE "C" NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    block_id    text COLLATE "C" NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
    PRIMARY KEY (identity_id, block_id)
);

CREATE INDEX identities_blocks_block_id_idx ON identities_blocks (block_id);
