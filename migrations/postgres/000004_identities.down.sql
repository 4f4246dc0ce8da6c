DROP TABLE IF EXISTS identities_blocks;
DROP TABLE IF EXISTS identities_agents;
DROP TABLE IF EXISTS identities;
