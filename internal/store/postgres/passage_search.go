package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pgvector/pgvector-go"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Vector index limits of pgvector: HNSW indexes vector up to 2000
// dimensions and halfvec up to 4000. Larger embeddings are searched exactly.
const (
	maxVectorIndexDim  = 2000
	maxHalfvecIndexDim = 4000
)

// exactSearchMax is the number of an agent's passages (of one dimension)
// up to which its vector searches scan them exactly (agent btree, exact
// cosine); past it the agent gets its own HNSW index (docs/benchmarks.md,
// "Archival search").
const exactSearchMax = 10000

// indexedExpr returns the expression the dimension's HNSW index is built
// on, its operator class, and whether dim has an index at all.
func indexedExpr(dim int) (expr, opclass string, ok bool) {
	d := strconv.Itoa(dim)
	switch {
	case dim <= 0:
		return "", "", false
	case dim <= maxVectorIndexDim:
		return "(embedding::vector(" + d + "))", "vector_cosine_ops", true
	case dim <= maxHalfvecIndexDim:
		return "(embedding::halfvec(" + d + "))", "halfvec_cosine_ops", true
	}
	return "", "", false
}

// agentIndexName names the HNSW index of one agent's vectors of one
// dimension, or "" when the id is not of the form agent-<uuid> (the id is
// written into the index predicate, so it must be exactly that).
func agentIndexName(agentID string, dim int) string {
	if !letta.ValidID(letta.PrefixAgent, agentID) {
		return ""
	}
	hex := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(agentID, letta.PrefixAgent+"-"), "-", ""))
	return "passages_hnsw_" + strconv.Itoa(dim) + "_" + hex
}

// agentPredicate is the WHERE clause of an agent's index; searches repeat
// it literally so the planner can match the partial index (a parameter
// would not prove it in a generic plan). agentID passed agentIndexName.
func agentPredicate(agentID string, dim int) string {
	return "p.agent_id = '" + agentID + "' AND p.embedding_dim = " + strconv.Itoa(dim)
}

// ensureAgentIndexes gives each agent that now has more than
// exactSearchMax vectors of a dimension its partial HNSW index (see the
// 000003 migration), in the caller's transaction, serialized across
// servers by an advisory lock. The build holds off other writes to
// passages for its duration (seconds, once per agent and dimension).
func (s *Store) ensureAgentIndexes(ctx context.Context, agentDims map[string]map[int]bool) error {
	for agentID, dims := range agentDims {
		for dim := range dims {
			expr, opclass, ok := indexedExpr(dim)
			name := agentIndexName(agentID, dim)
			if !ok || name == "" {
				continue
			}
			const q = `SELECT to_regclass($1) IS NULL AND
				(SELECT count(*) FROM (SELECT 1 FROM passages WHERE agent_id = $2 AND embedding_dim = $3 LIMIT $4 + 1) x) > $4`
			var needed bool
			if err := s.q.QueryRow(ctx, q, name, agentID, dim, exactSearchMax).Scan(&needed); err != nil {
				return fmt.Errorf("check vector index: %w", interpretError(err))
			}
			if !needed {
				continue
			}
			if _, err := s.q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('letta.passages.vector_index'))`); err != nil {
				return fmt.Errorf("lock vector index creation: %w", interpretError(err))
			}
			ddl := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON passages USING hnsw (%s %s) WHERE %s`,
				name, expr, opclass, strings.ReplaceAll(agentPredicate(agentID, dim), "p.", ""))
			if _, err := s.q.Exec(ctx, ddl); err != nil {
				return fmt.Errorf("create vector index of agent %s: %w", agentID, interpretError(err))
			}
		}
	}
	return nil
}

// searchFilter adds a search's filters (not its query) on passages p.
func searchFilter(p store.SearchPassagesParams) *filter {
	var f filter
	if p.AgentID != "" {
		f.where("p.agent_id = " + f.arg(p.AgentID))
	}
	if len(p.Tags) > 0 {
		op := " && "
		if p.MatchAllTags {
			op = " @> "
		}
		f.where("p.tags" + op + f.arg(p.Tags) + "::text[]")
	}
	if p.StartDate != nil {
		f.where("p.created_at >= " + f.arg(*p.StartDate))
	}
	if p.EndDate != nil {
		f.where("p.created_at <= " + f.arg(*p.EndDate))
	}
	return &f
}

// SearchPassages ranks passages by cosine distance (pgvector), by
// ts_rank over the English tsvector, or both fused by reciprocal rank.
func (s *Store) SearchPassages(ctx context.Context, p store.SearchPassagesParams) ([]store.PassageHit, error) {
	plan := store.PlanSearch(p)
	if !plan.Vector && !plan.Text {
		return s.newestPassages(ctx, p, plan.Limit)
	}
	var vec, text []store.RankedID
	err := s.transact(ctx, func(tx *Store) error {
		var err error
		if plan.Vector {
			if vec, err = tx.vectorCandidates(ctx, p, plan.Candidates); err != nil {
				return err
			}
		}
		if plan.Text {
			if text, err = tx.textCandidates(ctx, p, plan.Terms, plan.Candidates); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search passages: %w", err)
	}
	hits := plan.Fuse(vec, text)
	if err := s.fillHits(ctx, hits); err != nil {
		return nil, fmt.Errorf("search passages: %w", err)
	}
	return hits, nil
}

// vectorCandidates returns the n passages nearest to the query vector (of
// the same dimension), best first. It runs in a transaction (for SET LOCAL).
func (s *Store) vectorCandidates(ctx context.Context, p store.SearchPassagesParams, n int) ([]store.RankedID, error) {
	dim := len(p.Embedding)
	useIndex, err := s.useVectorIndex(ctx, p.AgentID, dim)
	if err != nil {
		return nil, err
	}
	if useIndex {
		out, err := s.indexedCandidates(ctx, p, n)
		if err != nil || len(out) == n {
			return out, err
		}
		// The filters left the index scan short of n: fall back to the exact
		// scan rather than return fewer hits than exist.
	}
	f := searchFilter(p)
	f.where("p.embedding_dim = " + f.arg(dim))
	q := `SELECT p.id, p.embedding <=> ` + f.arg(pgvector.NewVector(p.Embedding)) + ` AS d FROM passages p` +
		f.clause() + ` ORDER BY d, p.id LIMIT ` + strconv.Itoa(n)
	return s.rankedIDs(ctx, q, f.args, true)
}

// useVectorIndex reports whether the agent's search uses its HNSW index.
func (s *Store) useVectorIndex(ctx context.Context, agentID string, dim int) (bool, error) {
	name := agentIndexName(agentID, dim)
	if _, _, ok := indexedExpr(dim); !ok || name == "" {
		return false, nil
	}
	var exists bool
	if err := s.q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
		return false, interpretError(err)
	}
	return exists, nil
}

// indexedCandidates searches through the agent's HNSW index, with
// pgvector's iterative scan so that tag and date filters do not starve the
// result, then orders the candidates by exact distance.
func (s *Store) indexedCandidates(ctx context.Context, p store.SearchPassagesParams, n int) ([]store.RankedID, error) {
	dim := len(p.Embedding)
	expr, _, _ := indexedExpr(dim)
	typ := strings.TrimSuffix(strings.TrimPrefix(expr, "(embedding::"), ")")
	const settings = `SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', $1, true)`
	if _, err := s.q.Exec(ctx, settings, strconv.Itoa(min(max(100, 2*n), 1000))); err != nil {
		return nil, fmt.Errorf("configure vector search: %w", interpretError(err))
	}
	f := searchFilter(p)
	f.where(agentPredicate(p.AgentID, dim))
	dist := expr + " <=> " + f.arg(pgvector.NewVector(p.Embedding)) + "::" + typ
	q := `SELECT id, d FROM (SELECT p.id, ` + dist + ` AS d FROM passages p` + f.clause() +
		` ORDER BY ` + dist + ` LIMIT ` + strconv.Itoa(n) + `) x ORDER BY d, id`
	return s.rankedIDs(ctx, q, f.args, true)
}

// textCandidates returns the n best full-text matches (any of the terms),
// ranked by ts_rank.
func (s *Store) textCandidates(ctx context.Context, p store.SearchPassagesParams, terms []string, n int) ([]store.RankedID, error) {
	f := searchFilter(p)
	tsq := "to_tsquery('english', " + f.arg(strings.Join(terms, " | ")) + ")"
	f.where("p.tsv @@ " + tsq)
	q := `SELECT p.id, ts_rank(p.tsv, ` + tsq + `) AS r FROM passages p` + f.clause() +
		` ORDER BY r DESC, p.id LIMIT ` + strconv.Itoa(n)
	return s.rankedIDs(ctx, q, f.args, false)
}

// rankedIDs runs a query of (id, value) rows; distances become
// similarities (1 - d).
func (s *Store) rankedIDs(ctx context.Context, q string, args []any, distance bool) ([]store.RankedID, error) {
	rows, err := s.q.Query(ctx, q, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	out := []store.RankedID{}
	for rows.Next() {
		var (
			c store.RankedID
			v float64
		)
		if err := rows.Scan(&c.ID, &v); err != nil {
			return nil, interpretError(err)
		}
		c.Score = v
		if distance {
			c.Score = 1 - v
		}
		out = append(out, c)
	}
	return out, interpretError(rows.Err())
}

// newestPassages answers a search with neither vector nor text: the newest
// passages matching the filters, score 0.
func (s *Store) newestPassages(ctx context.Context, p store.SearchPassagesParams, limit int) ([]store.PassageHit, error) {
	f := searchFilter(p)
	q := `SELECT ` + passageColumns + ` FROM passages p` + f.clause() +
		` ORDER BY p.created_at DESC, p.id DESC LIMIT ` + strconv.Itoa(limit)
	rows, err := s.q.Query(ctx, q, f.args...)
	if err != nil {
		return nil, fmt.Errorf("search passages: %w", interpretError(err))
	}
	ps, err := collect(rows, scanPassage)
	if err != nil {
		return nil, fmt.Errorf("search passages: %w", err)
	}
	return store.NewestHits(ps), nil
}

// fillHits loads the passages of hits (ids set), in place.
func (s *Store) fillHits(ctx context.Context, hits []store.PassageHit) error {
	if len(hits) == 0 {
		return nil
	}
	ids := store.HitIDs(hits)
	rows, err := s.q.Query(ctx, `SELECT `+passageColumns+` FROM passages p WHERE p.id = ANY($1)`, ids)
	if err != nil {
		return interpretError(err)
	}
	ps, err := collect(rows, scanPassage)
	if err != nil {
		return err
	}
	return store.FillHits(hits, ps)
}
