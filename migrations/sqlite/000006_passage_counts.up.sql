-- Passage counts: each agent's number of passages, which the system prompt
-- shows every turn. count(*) over an agent's 10,000 passages was most of
-- what an old agent's turn cost more than a new one's; this is one row.
--
-- The store keeps n in the transaction of every passage insert and delete
-- (agents deleted take their row with them by cascade); no row means none.
-- A table of its own rather than a column on agents, as in Postgres.
CREATE TABLE passage_counts (
    agent_id TEXT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    n        INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO passage_counts (agent_id, n)
SELECT agent_id, count(*) FROM passages GROUP BY agent_id;
