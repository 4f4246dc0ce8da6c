package postgres

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pgvector/pgvector-go"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store/storetest"
)

// TestAgentVectorIndex checks that an agent past exactSearchMax vectors
// gets its partial HNSW index, and that its search plan uses it.
func TestAgentVectorIndex(t *testing.T) {
	t.Parallel()
	s := newStore(t).(*Store)
	ctx := t.Context()
	a, err := storetest.BenchAgent(ctx, s, "indexed")
	if err != nil {
		t.Fatal(err)
	}
	const dim = 8
	name := agentIndexName(a.ID, dim)
	if _, err := storetest.LoadPassages(ctx, s, a.ID, exactSearchMax, dim, 1); err != nil {
		t.Fatal(err)
	}
	if use, err := s.useVectorIndex(ctx, a.ID, dim); err != nil || use {
		t.Fatalf("at %d passages: useVectorIndex = %v, %v; want false", exactSearchMax, use, err)
	}
	if _, err := storetest.LoadPassages(ctx, s, a.ID, 1, dim, 2); err != nil {
		t.Fatal(err)
	}
	if use, err := s.useVectorIndex(ctx, a.ID, dim); err != nil || !use {
		t.Fatalf("past %d passages: useVectorIndex = %v, %v; want true", exactSearchMax, use, err)
	}
	q := storetest.RandomVector(rand.New(rand.NewPCG(1, 1)), dim)
	plan := ""
	err = s.transact(ctx, func(tx *Store) error {
		rows, err := tx.q.Query(ctx, fmt.Sprintf(`EXPLAIN SELECT p.id FROM passages p WHERE %s
			ORDER BY (embedding::vector(%d)) <=> $1::vector(%d) LIMIT 10`, agentPredicate(a.ID, dim), dim, dim), pgvector.NewVector(q))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan += line + "\n"
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, name) {
		t.Errorf("the search plan does not use %s:\n%s", name, plan)
	}
	if agentIndexName("agent-1'; DROP TABLE passages; --", dim) != "" || agentIndexName(letta.NewID(letta.PrefixBlock), dim) != "" {
		t.Error("agentIndexName accepted an id that is not agent-<uuid>")
	}
}
