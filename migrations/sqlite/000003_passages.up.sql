-- Archival memory: one row per passage. The columns are what searches
-- filter and rank on; `data` is the rest of letta.Passage as JSON, without
-- the vector. embedding is little-endian float32s (NULL: stored without an
-- embedding, found by full text only); vector search is an exact cosine
-- scan in Go over the agent's rows. tags is a JSON array.
-- seq is the FTS rowid: an INTEGER PRIMARY KEY, so VACUUM never renumbers it.
CREATE TABLE passages (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    agent_id      TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    text          TEXT NOT NULL,
    embedding     BLOB,
    embedding_dim INTEGER,
    tags          TEXT NOT NULL DEFAULT '[]',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    data          TEXT NOT NULL
);
CREATE INDEX passages_agent_id_created_at ON passages (agent_id, created_at, id);

-- Full-text index over passages.text (external content: the text is kept
-- once, in passages), English stemming as Postgres's 'english' config.
CREATE VIRTUAL TABLE passages_fts USING fts5 (
    text,
    content = 'passages',
    content_rowid = 'seq',
    tokenize = 'porter unicode61'
);
CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts (rowid, text) VALUES (new.seq, new.text);
END;
CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts (passages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
END;
CREATE TRIGGER passages_fts_update AFTER UPDATE OF text ON passages BEGIN
    INSERT INTO passages_fts (passages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    INSERT INTO passages_fts (rowid, text) VALUES (new.seq, new.text);
END;
