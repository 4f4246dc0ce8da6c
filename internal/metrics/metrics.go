// Package metrics keeps the server's Prometheus metrics: HTTP requests and
// their latency by route, agent steps, LLM calls and tokens by provider and
// model, errors, and the database connection pool. It is fed through small
// hooks (api.Config.ObserveRequest, agent.Config.StepObserver and wrapped
// llm.Providers) so the packages it measures do not import it, and serves
// the text exposition format at /metrics.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric name.
const namespace = "letta"

// PoolStats is a snapshot of the database connection pool.
type PoolStats struct {
	MaxConns     int           // the pool's limit
	OpenConns    int           // open now, in use or idle
	InUseConns   int           // checked out now
	IdleConns    int           // open and idle now
	WaitCount    int64         // acquisitions that had to wait, in total
	WaitDuration time.Duration // time spent waiting for a connection, in total
}

// PoolStatsFunc returns the current pool statistics.
type PoolStatsFunc func() PoolStats

// Metrics holds the server's collectors in a registry of its own.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	inFlight        prometheus.Gauge

	steps        *prometheus.CounterVec
	stepDuration *prometheus.HistogramVec

	llmCalls    *prometheus.CounterVec
	llmTokens   *prometheus.CounterVec
	llmDuration *prometheus.HistogramVec

	errors *prometheus.CounterVec
}

// Options configure New.
type Options struct {
	// Pool, when set, is read at every scrape for the pool gauges.
	Pool PoolStatsFunc
	// Backend names the store ("sqlite" or "postgres"), a label on the pool gauges.
	Backend string
	// Version is reported by letta_build_info.
	Version string
}

// New returns Metrics with every collector registered, plus the Go runtime
// and process collectors.
func New(opts Options) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer an HTTP request (a stream: until it ends), by method and route pattern.",
			Buckets: []float64{0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being answered now.",
		}),
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "agent", Name: "steps_total",
			Help: "Agent steps recorded, by provider, model and status (success, failed, cancelled).",
		}, []string{"provider", "model", "status"}),
		stepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "agent", Name: "step_duration_seconds",
			Help:    "Duration of an agent step: the model call, tools and persistence.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"provider", "model"}),
		llmCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "llm", Name: "calls_total",
			Help: "Model calls, by provider, model, streaming (true/false) and outcome (ok or the error kind).",
		}, []string{"provider", "model", "stream", "outcome"}),
		llmTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "llm", Name: "tokens_total",
			Help: "Tokens the providers reported, by provider, model and kind (prompt, completion, reasoning, cached_input).",
		}, []string{"provider", "model", "kind"}),
		llmDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "llm", Name: "call_duration_seconds",
			Help:    "Duration of a model call, by provider and model.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"provider", "model"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "errors_total",
			Help: "Errors, by source (http: a 5xx answer; llm: a failed model call; step: a step that did not succeed).",
		}, []string{"source"}),
	}
	m.reg.MustRegister(
		m.requests, m.requestDuration, m.inFlight,
		m.steps, m.stepDuration,
		m.llmCalls, m.llmTokens, m.llmDuration,
		m.errors,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help:        "Always 1; the version label says which server runs.",
		ConstLabels: prometheus.Labels{"version": opts.Version},
	})
	build.Set(1)
	m.reg.MustRegister(build)
	if opts.Pool != nil {
		m.reg.MustRegister(newPoolCollector(opts.Pool, opts.Backend))
	}
	for _, source := range []string{"http", "llm", "step"} {
		m.errors.WithLabelValues(source) // present at zero from the start
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry returns the registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// RequestStarted counts a request in flight; call the returned function
// when it ends.
func (m *Metrics) RequestStarted() (done func()) {
	m.inFlight.Inc()
	return m.inFlight.Dec
}

// ObserveRequest records one answered request. route is the matched route
// pattern ("" when none matched), never the raw path, so the label set
// stays small.
func (m *Metrics) ObserveRequest(method, route string, status int, elapsed time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(method, route).Observe(elapsed.Seconds())
	if status >= 500 {
		m.errors.WithLabelValues("http").Inc()
	}
}
