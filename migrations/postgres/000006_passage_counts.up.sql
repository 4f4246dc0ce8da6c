-- Passage counts: each agent's number of passages, which the system prompt
-- shows every turn. count(*) over an agent's 10,000 passages was most of
-- what an old agent's turn cost more than a new one's; this is one row.
--
-- The store keeps n in the transaction of every passage insert and delete
-- (agents deleted take their row with them by cascade); no row means none.
-- A table of its own rather than a column on agents: bumping n rewrites a
-- narrow row, not the agent's (with its data), and takes no lock that agent
-- updates would wait on.
CREATE TABLE passage_counts (
    agent_id text COLLATE "C" PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    n        bigint NOT NULL
);

-- Servers of the previous version that still run after this (a deploy that
-- overlaps old and new) write passages without counting them: their agents'
-- counts stay off by those passages.
INSERT INTO passage_counts (agent_id, n)
SELECT agent_id, count(*) FROM passages GROUP BY agent_id;
