-- The first schema of the Postgres store. Each table keeps, as columns, what
-- is filtered, sorted or joined on, and the rest of the letta struct as JSON
-- in `data`; the store overrides the JSON with the columns when it reads.
-- Ids, names and tags use the "C" collation so they sort bytewise, as Go and
-- SQLite sort them (cursors compare ids).

-- Vectors are used by archival memory (passages). The extension is created
-- here so a server without pgvector fails at start-up, not at the first
-- archival insert. IF NOT EXISTS: fine when an operator already created it.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE agents (
    id         text COLLATE "C" PRIMARY KEY,
    name       text COLLATE "C" NOT NULL,
    project_id text,
    -- The in-context message ids, rewritten every turn: a column of its own
    -- so that update leaves the (TOASTed) data value untouched.
    message_ids text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    data       jsonb NOT NULL
);

-- Pagination orders every list by (created_at, id).
CREATE INDEX agents_created_at_id_idx ON agents (created_at, id);
CREATE INDEX agents_name_idx ON agents (name);
CREATE INDEX agents_project_id_idx ON agents (project_id);

CREATE TABLE agent_tags (
    agent_id text COLLATE "C" NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    tag      text COLLATE "C" NOT NULL,
    PRIMARY KEY (agent_id, tag)
);

CREATE INDEX agent_tags_tag_idx ON agent_tags (tag);

CREATE TABLE blocks (
    id            text COLLATE "C" PRIMARY KEY,
    label         text COLLATE "C" NOT NULL,
    value         text NOT NULL,
    is_template   boolean NOT NULL DEFAULT false,
    template_name text COLLATE "C",
    project_id    text,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    data          jsonb NOT NULL
);

CREATE INDEX blocks_created_at_id_idx ON blocks (created_at, id);
CREATE INDEX blocks_label_idx ON blocks (label);

-- Blocks attached to an agent, in attachment order (position).
CREATE TABLE agent_blocks (
    agent_id text COLLATE "C" NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    block_id text COLLATE "C" NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
    position integer NOT NULL,
    PRIMARY KEY (agent_id, block_id)
);

CREATE INDEX agent_blocks_block_id_idx ON agent_blocks (block_id);

CREATE TABLE tools (
    id         text COLLATE "C" PRIMARY KEY,
    name       text COLLATE "C" NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    data       jsonb NOT NULL
);

CREATE INDEX tools_created_at_id_idx ON tools (created_at, id);

-- Tools attached to an agent, in attachment order (position).
CREATE TABLE agent_tools (
    agent_id text COLLATE "C" NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    tool_id  text COLLATE "C" NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
    position integer NOT NULL,
    PRIMARY KEY (agent_id, tool_id)
);

CREATE INDEX agent_tools_tool_id_idx ON agent_tools (tool_id);

-- Every message ever written (recall memory). seq grows with every insert and
-- orders an agent's messages; `text` is the joined text parts, for search.
CREATE TABLE messages (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text COLLATE "C" NOT NULL UNIQUE,
    agent_id   text COLLATE "C" NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    role       text NOT NULL,
    run_id     text,
    step_id    text,
    created_at timestamptz NOT NULL,
    text       text NOT NULL DEFAULT '',
    data       jsonb NOT NULL
);

CREATE INDEX messages_agent_id_seq_idx ON messages (agent_id, seq);
CREATE INDEX messages_created_at_id_idx ON messages (created_at, id);
-- Partial: many messages belong to no run or step.
CREATE INDEX messages_run_id_idx ON messages (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX messages_step_id_idx ON messages (step_id) WHERE step_id IS NOT NULL;

-- One row per model call.
CREATE TABLE steps (
    id         text COLLATE "C" PRIMARY KEY,
    agent_id   text COLLATE "C" NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    run_id     text,
    model      text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    data       jsonb NOT NULL
);

CREATE INDEX steps_agent_id_created_at_idx ON steps (agent_id, created_at, id);
CREATE INDEX steps_created_at_id_idx ON steps (created_at, id);
CREATE INDEX steps_run_id_idx ON steps (run_id) WHERE run_id IS NOT NULL;

-- One turn per agent across replicas: a lease row per agent whose turn is
-- running somewhere; a crashed holder's lease lapses at expires_at.
CREATE TABLE agent_leases (
    agent_id   text COLLATE "C" PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL
);
