package sqlite

import "database/sql"

// DBStats returns the database handle's connection statistics, for metrics.
func (s *Store) DBStats() sql.DBStats { return s.db.Stats() }
