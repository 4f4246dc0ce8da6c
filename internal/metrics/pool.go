package metrics

import "github.com/prometheus/client_golang/prometheus"

// poolCollector reads the pool statistics at scrape time.
type poolCollector struct {
	stats                                  PoolStatsFunc
	maxConns, open, inUse, idle, waitCount *prometheus.Desc
	waitSeconds                            *prometheus.Desc
}

func newPoolCollector(stats PoolStatsFunc, backend string) *poolCollector {
	labels := prometheus.Labels{"backend": backend}
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "db_pool", name), help, nil, labels)
	}
	return &poolCollector{
		stats:       stats,
		maxConns:    desc("max_connections", "The pool's connection limit."),
		open:        desc("open_connections", "Open connections, in use or idle."),
		inUse:       desc("in_use_connections", "Connections checked out now."),
		idle:        desc("idle_connections", "Open idle connections."),
		waitCount:   desc("wait_total", "Acquisitions that had to wait for a connection."),
		waitSeconds: desc("wait_seconds_total", "Time spent waiting for a connection."),
	}
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.maxConns, c.open, c.inUse, c.idle, c.waitCount, c.waitSeconds} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(c.maxConns, prometheus.GaugeValue, float64(s.MaxConns))
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(s.OpenConns))
	ch <- prometheus.MustNewConstMetric(c.inUse, prometheus.GaugeValue, float64(s.InUseConns))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.IdleConns))
	ch <- prometheus.MustNewConstMetric(c.waitCount, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(c.waitSeconds, prometheus.CounterValue, s.WaitDuration.Seconds())
}
