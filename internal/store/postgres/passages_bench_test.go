package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store/storetest"
)

// BenchmarkArchivalSearch measures a top-10 vector search of one agent's
// passages among many (sizes: storetest.PassageBenchFromEnv) on
// TEST_DATABASE_URL, in the schema bench_passages, which is kept between
// runs with the same sizes (LETTA_BENCH_RELOAD=1 rebuilds it). The other
// agents' rows are generated in SQL and indexed in one build; the searched
// agent's rows go through CreatePassages with the index in place, which is
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
// data was already there).
func openBenchStore(ctx context.Context, b *testing.B, dbURL, schema, tag string, cfg storetest.PassageBench) (*Store, string, float64) {
	b.Helper()
	admin, err := Open(ctx, dbURL, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var have string
	_ = admin.pool.QueryRow(ctx, `SELECT obj_description(to_regnamespace($1), 'pg_namespace')`, schema).Scan(&have)
	reload := have != tag || os.Getenv("LETTA_BENCH_RELOAD") == "1"
	if reload {
		for _, q := range []string{`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`, `CREATE SCHEMA ` + schema} {
			if _, err := admin.pool.Exec(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	}
	s, err := Open(ctx, withSearchPath(b, dbURL, schema+",public"), Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	if !reload {
		var id string
		if err := s.pool.QueryRow(ctx, `SELECT id FROM agents WHERE name = 'bench-target'`).Scan(&id); err != nil {
			b.Fatal(err)
		}
		b.Logf("reusing schema %s (%s)", schema, tag)
		return s, id, 0
	}
	target, err := storetest.BenchAgent(ctx, s, "bench-target")
	if err != nil {
		b.Fatal(err)
	}
	// Fillers: the other agents' rows, generated in SQL, 100,000 per agent.
	filler := cfg.Total - cfg.Agent
	r := rand.New(rand.NewPCG(2, 2))
	now := letta.Now()
	for done, n := 0, 0; done < filler; done, n = done+100_000, n+1 {
		a, err := storetest.BenchAgent(ctx, s, fmt.Sprintf("bench-filler-%d", n))
		if err != nil {
			b.Fatal(err)
		}
		rows := make([][]any, 0, 100_000)
		for i := range min(100_000, filler-done) {
			rows = append(rows, []any{letta.NewID(letta.PrefixPassage), a.ID, fmt.Sprintf("filler %d", i),
				pgvector.NewVector(storetest.RandomVector(r, cfg.Dim)), cfg.Dim, now, now, []byte("{}")})
		}
		_, err = s.pool.CopyFrom(ctx, pgx.Identifier{"passages"},
			[]string{"id", "agent_id", "text", "embedding", "embedding_dim", "created_at", "updated_at", "data"},
			pgx.CopyFromRows(rows))
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d filler passages", min(done+100_000, filler))
	}
	err = s.transact(ctx, func(tx *Store) error {
		if _, err := tx.q.Exec(ctx, `SET LOCAL maintenance_work_mem = '2GB'`); err != nil {
			return err
		}
		return tx.ensureVectorIndex(ctx, cfg.Dim)
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Log("built the vector index")
	rate, err := storetest.LoadPassages(ctx, s, target.ID, cfg.Agent, cfg.Dim, 1)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE passages`); err != nil {
		b.Fatal(err)
	}
	if _, err := admin.pool.Exec(ctx, fmt.Sprintf(`COMMENT ON SCHEMA %s IS '%s'`, schema, tag)); err != nil {
		b.Fatal(err)
	}
	return s, target.ID, rate
}

// withSearchPath returns dbURL with search_path set.
func withSearchPath(tb testing.TB, dbURL, path string) string {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", path)
	u.RawQuery = q.Encode()
	return u.String()
}

func pgvectorOf(v []float32) pgvector.Vector { return pgvector.NewVector(v) }
