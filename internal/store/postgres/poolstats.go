package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// PoolStat returns a snapshot of the connection pool, for metrics.
func (s *Store) PoolStat() *pgxpool.Stat { return s.pool.Stat() }
