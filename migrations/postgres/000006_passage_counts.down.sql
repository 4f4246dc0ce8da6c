DROP TABLE IF EXISTS passage_counts;
