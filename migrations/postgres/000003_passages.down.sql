-- Drops the per-dimension vector indexes with the table.
DROP TABLE IF EXISTS passages;
