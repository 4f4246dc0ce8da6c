package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store/pgtest"
	"github.com/letta-server/letta-server/internal/store/storetest"
)

// BenchmarkArchivalSearch measures a top-10 vector search of one agent's
// passages among many (sizes: storetest.PassageBenchFromEnv) on
// TEST_DATABASE_URL, in the schema bench_passages, which is kept between
// runs with the same sizes (LETTA_BENCH_RELOAD=1 rebuilds it). The rows are
// loaded by COPY and the searched agent's index built once; a sample of its
// rows then goes through CreatePassages with the index in place, which is
// the insert throughput reported. Recall compares with the exact order.
func BenchmarkArchivalSearch(b *testing.B) {
	dbURL := os.Getenv("TEST_DATABASE_URL")
	if dbURL == "" {
		b.Skip("TEST_DATABASE_URL is not set")
	}
	cfg := storetest.PassageBenchFromEnv()
	ctx := context.Background()
	const schema = "bench_passages"
	tag := fmt.Sprintf("clustered %d/%d/%d", cfg.Total, cfg.Agent, cfg.Dim)
	s, target, insertRate := openBenchStore(ctx, b, dbURL, schema, tag, cfg)
	defer s.Close()

	r := rand.New(rand.NewPCG(42, 1))
	queries := make([][]float32, cfg.Queries)
	for i := range queries {
		queries[i] = storetest.RandomVector(r, cfg.Dim)
	}
	times, got, err := storetest.MeasureSearch(ctx, s, target, queries)
	if err != nil {
		b.Fatal(err)
	}
	exact := make([][]string, len(queries))
	for i, q := range queries {
		rows, err := s.pool.Query(ctx, `SELECT id FROM passages WHERE agent_id = $1 AND embedding_dim = $2
			ORDER BY embedding <=> $3, id LIMIT 10`, target, cfg.Dim, pgvectorOf(q))
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				b.Fatal(err)
			}
			exact[i] = append(exact[i], id)
		}
		rows.Close()
	}
	storetest.ReportSearch(b, times, storetest.Recall(got, exact), insertRate)
	i := 0
	for b.Loop() {
		if _, _, err := storetest.MeasureSearch(ctx, s, target, queries[i%len(queries):i%len(queries)+1]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// openBenchStore returns a store on the benchmark schema loaded with cfg's
// data, the searched agent's id and the measured insert rate (0 when the
// data was already there). Loading has stages, each recorded in the
// schema's comment so an interrupted run resumes: the other agents' rows
// (COPY); the searched agent's rows but a sample (COPY) and one index
// build; the sample through CreatePassages, which gives the insert rate.
func openBenchStore(ctx context.Context, b *testing.B, dbURL, schema, tag string, cfg storetest.PassageBench) (*Store, string, float64) {
	b.Helper()
	admin, err := Open(ctx, dbURL, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var have string
	_ = admin.pool.QueryRow(ctx, `SELECT coalesce(obj_description(to_regnamespace($1), 'pg_namespace'), '')`, schema).Scan(&have)
	if os.Getenv("LETTA_BENCH_RELOAD") == "1" || (have != tag && have != "fillers "+tag) {
		for _, q := range []string{`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`, `CREATE SCHEMA ` + schema} {
			if _, err := admin.pool.Exec(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		have = ""
	}
	comment := func(c string) {
		if _, err := admin.pool.Exec(ctx, fmt.Sprintf(`COMMENT ON SCHEMA %s IS '%s'`, schema, c)); err != nil {
			b.Fatal(err)
		}
	}
	s, err := Open(ctx, pgtest.WithParam(b, dbURL, "search_path", schema+",public"), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	if have == tag {
		var id string
		if err := s.pool.QueryRow(ctx, `SELECT id FROM agents WHERE name = 'bench-target'`).Scan(&id); err != nil {
			b.Fatal(err)
		}
		b.Logf("reusing schema %s (%s)", schema, tag)
		return s, id, 0
	}
	sample := min(cfg.Agent, benchInsertSample())
	if have == "" {
		loadFillers(ctx, b, s, cfg)
		have = "fillers " + tag
		comment(have)
	}
	if have == "fillers "+tag {
		// The searched agent's bulk rows, then one index build over all.
		old := fmt.Sprintf("passages_embedding_%d_hnsw", cfg.Dim) // an earlier design's index
		for _, q := range []string{`DELETE FROM agents WHERE name = 'bench-target'`, `DROP INDEX IF EXISTS ` + old, `DROP INDEX IF EXISTS bench_agent_idx`} {
			if _, err := s.pool.Exec(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		target, err := storetest.BenchAgent(ctx, s, "bench-target")
		if err != nil {
			b.Fatal(err)
		}
		copyPassages(ctx, b, s, target.ID, cfg.Agent-sample, cfg.Dim, rand.New(rand.NewPCG(3, 3)))
		err = s.transact(ctx, func(tx *Store) error {
			if _, err := tx.q.Exec(ctx, `SET LOCAL maintenance_work_mem = '2GB'`); err != nil {
				return err
			}
			return tx.ensureAgentIndexes(ctx, map[string]map[int]bool{target.ID: {cfg.Dim: true}})
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Log("built the vector index")
		have = "bulk " + tag
		comment(have)
	}
	var target string
	if err := s.pool.QueryRow(ctx, `SELECT id FROM agents WHERE name = 'bench-target'`).Scan(&target); err != nil {
		b.Fatal(err)
	}
	// Insert throughput: the rest of the agent's rows through
	// CreatePassages, with the HNSW index of a million rows in place.
	if _, err := s.pool.Exec(ctx, `DELETE FROM passages WHERE agent_id = $1 AND text LIKE 'synthetic passage %'`, target); err != nil {
		b.Fatal(err)
	}
	rate, err := storetest.LoadPassages(ctx, s, target, sample, cfg.Dim, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("inserted %d passages through CreatePassages: %.0f/s", sample, rate)
	if _, err := s.pool.Exec(ctx, `ANALYZE passages`); err != nil {
		b.Fatal(err)
	}
	comment(tag)
	return s, target, rate
}

// benchInsertSample is how many of the searched agent's rows go through
// CreatePassages (LETTA_BENCH_INSERT_SAMPLE, default 5,000).
func benchInsertSample() int {
	if n, err := strconv.Atoi(os.Getenv("LETTA_BENCH_INSERT_SAMPLE")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// loadFillers copies the other agents' rows, 100,000 per agent.
func loadFillers(ctx context.Context, b *testing.B, s *Store, cfg storetest.PassageBench) {
	b.Helper()
	filler := cfg.Total - cfg.Agent
	r := rand.New(rand.NewPCG(2, 2))
	for done, n := 0, 0; done < filler; done, n = done+100_000, n+1 {
		a, err := storetest.BenchAgent(ctx, s, fmt.Sprintf("bench-filler-%d", n))
		if err != nil {
			b.Fatal(err)
		}
		copyPassages(ctx, b, s, a.ID, min(100_000, filler-done), cfg.Dim, r)
		b.Logf("copied %d filler passages", min(done+100_000, filler))
	}
}

// copyPassages COPYs n synthetic passages of the agent.
func copyPassages(ctx context.Context, b *testing.B, s *Store, agentID string, n, dim int, r *rand.Rand) {
	b.Helper()
	if n <= 0 {
		return
	}
	now := letta.Now()
	rows := make([][]any, 0, n)
	for i := range n {
		rows = append(rows, []any{letta.NewID(letta.PrefixPassage), agentID, fmt.Sprintf("synthetic %d", i),
			pgvector.NewVector(storetest.RandomVector(r, dim)), dim, now, now, []byte("{}")})
	}
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"passages"},
		[]string{"id", "agent_id", "text", "embedding", "embedding_dim", "created_at", "updated_at", "data"},
		pgx.CopyFromRows(rows))
	if err != nil {
		b.Fatal(err)
	}
}

func pgvectorOf(v []float32) pgvector.Vector { return pgvector.NewVector(v) }
