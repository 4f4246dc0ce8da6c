package main

import (
	"github.com/letta-server/letta-server/internal/metrics"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/postgres"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// newMetrics returns the server's metrics, reading pool statistics from
// whichever store is open.
func newMetrics(st store.Store, cfg Config) *metrics.Metrics {
	return metrics.New(metrics.Options{
		Pool:    poolStats(st),
		Backend: cfg.Backend(),
		Version: buildVersion(),
	})
}

// poolStats returns a PoolStatsFunc for the store, or nil for one that
// reports none.
func poolStats(st store.Store) metrics.PoolStatsFunc {
	switch s := st.(type) {
	case *postgres.Store:
		return func() metrics.PoolStats {
			p := s.PoolStat()
			return metrics.PoolStats{
				MaxConns:     int(p.MaxConns()),
				OpenConns:    int(p.TotalConns()),
				InUseConns:   int(p.AcquiredConns()),
				IdleConns:    int(p.IdleConns()),
				WaitCount:    p.EmptyAcquireCount(),
				WaitDuration: p.EmptyAcquireWaitTime(),
			}
		}
	case *sqlite.Store:
		return func() metrics.PoolStats {
			d := s.DBStats()
			return metrics.PoolStats{
				MaxConns:     d.MaxOpenConnections,
				OpenConns:    d.OpenConnections,
				InUseConns:   d.InUse,
				IdleConns:    d.Idle,
				WaitCount:    d.WaitCount,
				WaitDuration: d.WaitDuration,
			}
		}
	}
	return nil
}
