package storetest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// PassageBench sizes the archival search benchmark. Defaults: 1,000,000
// passages in the table, 100,000 of them in the searched agent, 128
// dimensions, 200 measured queries. LETTA_BENCH_TOTAL, LETTA_BENCH_AGENT,
// LETTA_BENCH_DIM and LETTA_BENCH_QUERIES override them.
type PassageBench struct {
	Total, Agent, Dim, Queries int
}

// PassageBenchFromEnv reads the benchmark's sizes.
func PassageBenchFromEnv() PassageBench {
	num := func(name string, def int) int {
		if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
			return n
		}
		return def
	}
	return PassageBench{
		Total:   num("LETTA_BENCH_TOTAL", 1_000_000),
		Agent:   num("LETTA_BENCH_AGENT", 100_000),
		Dim:     num("LETTA_BENCH_DIM", 128),
		Queries: num("LETTA_BENCH_QUERIES", 200),
	}
}

// benchCenters is the number of clusters of the synthetic embeddings.
const benchCenters = 1000

// RandomVector is a synthetic embedding: a point near one of 1,000 fixed
// random centres (the same for every caller with the same dim), normalized.
// Real embeddings are clustered like this; uniformly random vectors in
// 128+ dimensions have no neighbourhood structure and would understate
// what an approximate index does on real data.
func RandomVector(r *rand.Rand, dim int) []float32 {
	c := benchCenter(r.IntN(benchCenters), dim)
	v := make([]float32, dim)
	var norm float64
	for i := range v {
		x := float64(c[i]) + 0.5*r.NormFloat64()/math.Sqrt(float64(dim))
		v[i] = float32(x)
		norm += x * x
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / math.Sqrt(norm))
	}
	return v
}

// benchCenter is the i-th cluster centre: a unit vector seeded by i.
func benchCenter(i, dim int) []float32 {
	r := rand.New(rand.NewPCG(uint64(i), uint64(dim)))
	v := make([]float32, dim)
	var norm float64
	for j := range v {
		x := r.NormFloat64()
		v[j] = float32(x)
		norm += x * x
	}
	for j := range v {
		v[j] = float32(float64(v[j]) / math.Sqrt(norm))
	}
	return v
}

// BenchAgent creates a bare agent for the benchmark.
func BenchAgent(ctx context.Context, s store.Store, name string) (*letta.Agent, error) {
	now := letta.Now()
	return s.CreateAgent(ctx, store.CreateAgentParams{Agent: letta.Agent{
		ID: letta.NewID(letta.PrefixAgent), Name: name, AgentType: letta.AgentTypeLettaV1,
		LLMConfig: letta.LLMConfig{Model: "m", ModelEndpointType: "openai", ContextWindow: 1000},
		CreatedAt: now, UpdatedAt: now,
	}})
}

// LoadPassages inserts n random passages for the agent through
// CreatePassages in batches of 500 and returns the passages per second.
func LoadPassages(ctx context.Context, s store.Store, agentID string, n, dim int, seed uint64) (float64, error) {
	r := rand.New(rand.NewPCG(seed, 7))
	start := time.Now()
	const batch = 500
	for done := 0; done < n; done += batch {
		ps := make([]*letta.Passage, 0, batch)
		now := letta.Now()
		for i := done; i < min(done+batch, n); i++ {
			ps = append(ps, &letta.Passage{
				ID: letta.NewID(letta.PrefixPassage), AgentID: agentID,
				Text:      fmt.Sprintf("synthetic passage %d of %s", i, agentID),
				Embedding: RandomVector(r, dim), Metadata: map[string]any{},
				CreatedAt: now, UpdatedAt: now,
			})
		}
		if err := s.CreatePassages(ctx, ps); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// MeasureSearch runs the queries as top-10 vector searches of the agent
// and returns their latencies and result ids.
func MeasureSearch(ctx context.Context, s store.Store, agentID string, queries [][]float32) ([]time.Duration, [][]string, error) {
	times := make([]time.Duration, 0, len(queries))
	results := make([][]string, 0, len(queries))
	for _, q := range queries {
		start := time.Now()
		hits, err := s.SearchPassages(ctx, store.SearchPassagesParams{AgentID: agentID, Embedding: q, Limit: 10})
		if err != nil {
			return nil, nil, err
		}
		times = append(times, time.Since(start))
		results = append(results, hitIDs(hits))
	}
	return times, results, nil
}

// Percentile returns the p-th percentile (0..100) of ds.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// Recall is the mean fraction of each exact result found by the search.
func Recall(got, exact [][]string) float64 {
	if len(exact) == 0 {
		return 0
	}
	var sum float64
	for i := range exact {
		found := 0
		for _, id := range exact[i] {
			if slices.Contains(got[i], id) {
				found++
			}
		}
		if len(exact[i]) > 0 {
			sum += float64(found) / float64(len(exact[i]))
		}
	}
	return sum / float64(len(exact))
}

// ReportSearch logs and reports the figures of a measured search.
func ReportSearch(b *testing.B, times []time.Duration, recall, insertsPerSec float64) {
	p50, p99 := Percentile(times, 50), Percentile(times, 99)
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99_ms")
	b.ReportMetric(recall, "recall@10")
	if insertsPerSec > 0 {
		b.ReportMetric(insertsPerSec, "inserts/s")
	}
	b.Logf("top-10 search: p50 %v p99 %v recall@10 %.3f inserts/s %.0f (first query %v)", p50, p99, recall, insertsPerSec, times[0])
}
