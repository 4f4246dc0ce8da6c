-- The SQLite schema. Each table has the columns its lists filter and sort
-- on; `data` holds the rest of the record as the JSON of its letta type.
-- Times are INTEGER microseconds since the Unix epoch (UTC): they sort
-- correctly and round-trip letta.Now() exactly.

CREATE TABLE agents (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    project_id  TEXT,
    -- The in-context message ids, as a JSON array (rewritten every turn).
    message_ids TEXT NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    data        TEXT NOT NULL
);
CREATE INDEX agents_created_at_id ON agents (created_at, id);
CREATE INDEX agents_name ON agents (name);
CREATE INDEX agents_project_id ON agents (project_id);

CREATE TABLE blocks (
    id            TEXT PRIMARY KEY,
    label         TEXT NOT NULL,
    value         TEXT NOT NULL,
    is_template   INTEGER NOT NULL DEFAULT 0,
    template_name TEXT,
    project_id    TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    data          TEXT NOT NULL
);
CREATE INDEX blocks_created_at_id ON blocks (created_at, id);
CREATE INDEX blocks_label ON blocks (label);

CREATE TABLE tools (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX tools_created_at_id ON tools (created_at, id);

-- Links keep their attachment order in position.
CREATE TABLE agent_blocks (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    block_id TEXT NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (agent_id, block_id)
);
CREATE INDEX agent_blocks_block_id ON agent_blocks (block_id);

CREATE TABLE agent_tools (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    tool_id  TEXT NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (agent_id, tool_id)
);
CREATE INDEX agent_tools_tool_id ON agent_tools (tool_id);

CREATE TABLE agent_tags (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    tag      TEXT NOT NULL,
    PRIMARY KEY (agent_id, tag)
);
CREATE INDEX agent_tags_tag ON agent_tags (tag);

-- seq is AUTOINCREMENT so it never reuses a number, even after deletes.
CREATE TABLE messages (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    agent_id   TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    run_id     TEXT,
    step_id    TEXT,
    created_at INTEGER NOT NULL,
    -- The joined text parts, for substring search.
    text       TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL
);
CREATE INDEX messages_agent_id_seq ON messages (agent_id, seq);
CREATE INDEX messages_run_id ON messages (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX messages_step_id ON messages (step_id) WHERE step_id IS NOT NULL;

CREATE TABLE steps (
    id         TEXT PRIMARY KEY,
    agent_id   TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    run_id     TEXT,
    model      TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX steps_created_at_id ON steps (created_at, id);
CREATE INDEX steps_agent_id_created_at ON steps (agent_id, created_at, id);
CREATE INDEX steps_run_id ON steps (run_id) WHERE run_id IS NOT NULL;

-- One row per agent whose turn is running somewhere; expires_at in
-- microseconds lets a crashed holder's lease lapse.
CREATE TABLE agent_leases (
    agent_id   TEXT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
