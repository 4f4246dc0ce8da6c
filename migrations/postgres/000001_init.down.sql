-- The extension stays: other schemas of this database may use it.
DROP TABLE IF EXISTS agent_leases;
DROP TABLE IF EXISTS steps;
DROP TABLE IF EXISTS messages;
DROP TABLE IF EXISTS agent_tools;
DROP TABLE IF EXISTS tools;
DROP TABLE IF EXISTS agent_blocks;
DROP TABLE IF EXISTS blocks;
DROP TABLE IF EXISTS agent_tags;
DROP TABLE IF EXISTS agents;
