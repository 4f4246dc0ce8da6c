package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/letta-server/letta-server/internal/store/sqlite"
	"github.com/letta-server/letta-server/internal/store/storetest"
)

// BenchmarkArchivalSearch measures a top-10 exact vector search of one
// agent's passages among others (sizes: storetest.PassageBenchFromEnv;
// LETTA_BENCH_TOTAL defaults to 1,000,000 here too, but see
// docs/benchmarks.md for the sizes loaded on a 2-core machine). Every row
// goes through CreatePassages; the searched agent's rows give the insert
// throughput. The database is a file in LETTA_BENCH_DIR (default: a
// temporary directory, removed afterwards). Recall is 1 by construction:
// the search is an exact scan.
func BenchmarkArchivalSearch(b *testing.B) {
	cfg := storetest.PassageBenchFromEnv()
	ctx := context.Background()
	dir := os.Getenv("LETTA_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	s, err := sqlite.Open(ctx, filepath.Join(dir, fmt.Sprintf("bench-%d-%d-%d.db", cfg.Total, cfg.Agent, cfg.Dim)), sqlite.Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	target, err := storetest.BenchAgent(ctx, s, "bench-target")
	if err != nil {
		b.Fatal(err)
	}
	rate, err := storetest.LoadPassages(ctx, s, target.ID, cfg.Agent, cfg.Dim, 1)
	if err != nil {
		b.Fatal(err)
	}
	for done, n := 0, 0; done < cfg.Total-cfg.Agent; done, n = done+100_000, n+1 {
		a, err := storetest.BenchAgent(ctx, s, fmt.Sprintf("bench-filler-%d", n))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := storetest.LoadPassages(ctx, s, a.ID, min(100_000, cfg.Total-cfg.Agent-done), cfg.Dim, uint64(n+2)); err != nil {
			b.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(42, 1))
	queries := make([][]float32, cfg.Queries)
	for i := range queries {
		queries[i] = storetest.RandomVector(r, cfg.Dim)
	}
	times, _, err := storetest.MeasureSearch(ctx, s, target.ID, queries)
	if err != nil {
		b.Fatal(err)
	}
	storetest.ReportSearch(b, times, 1, rate)
	i := 0
	for b.Loop() {
		if _, _, err := storetest.MeasureSearch(ctx, s, target.ID, queries[i%len(queries):i%len(queries)+1]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
