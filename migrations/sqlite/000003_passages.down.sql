DROP TRIGGER IF EXISTS passages_fts_update;
DROP TRIGGER IF EXISTS passages_fts_delete;
DROP TRIGGER IF EXISTS passages_fts_insert;
DROP TABLE IF EXISTS passages_fts;
DROP TABLE IF EXISTS passages;
