package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// passageColumns are the columns scanPassage reads, in its order.
const passageColumns = `p.id, p.agent_id, p.text, p.embedding, p.tags, p.created_at, p.updated_at, p.data`

func scanPassage(row scanner) (*letta.Passage, error) {
	var (
		p                letta.Passage
		id, agentID, txt string
		emb              *pgvector.Vector
		tags             []string
		created, updated time.Time
		data             []byte
	)
	if err := row.Scan(&id, &agentID, &txt, &emb, &tags, &created, &updated, &data); err != nil {
		return nil, interpretError(err)
	}
	if err := decodeData(data, &p); err != nil {
		return nil, err
	}
	p.ID, p.AgentID, p.Text, p.Tags = id, agentID, txt, tags
	if emb != nil {
		p.Embedding = emb.Slice()
	}
	p.CreatedAt, p.UpdatedAt = created.UTC(), updated.UTC()
	p.Normalize()
	return &p, nil
}

// passageArgs returns the stored form of p's embedding, dimension and data.
func passageArgs(p *letta.Passage) (emb any, dim any, data []byte, err error) {
	rest := *p
	rest.Embedding, rest.Tags = nil, nil
	if data, err = encodeData(rest); err != nil {
		return nil, nil, nil, err
	}
	if p.Embedding != nil {
		return pgvector.NewVector(p.Embedding), len(p.Embedding), data, nil
	}
	return nil, nil, data, nil
}

// CreatePassages inserts the passages in one transaction with their
// agents' counts, then gives an agent that has outgrown the exact scan its
// vector index. ErrNotFound for an unknown agent, ErrConflict for a taken id.
func (s *Store) CreatePassages(ctx context.Context, ps []*letta.Passage) error {
	const q = `INSERT INTO passages (id, agent_id, text, embedding, embedding_dim, tags, created_at, updated_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	if len(ps) == 0 {
		return nil
	}
	agentDims := map[string]map[int]bool{}
	b := &pgx.Batch{}
	for _, p := range ps {
		if p.UpdatedAt.IsZero() {
			p.UpdatedAt = p.CreatedAt
		}
		emb, dim, data, err := passageArgs(p)
		if err != nil {
			return fmt.Errorf("create passage %s: %w", p.ID, err)
		}
		if p.Embedding != nil {
			if agentDims[p.AgentID] == nil {
				agentDims[p.AgentID] = map[int]bool{}
			}
			agentDims[p.AgentID][len(p.Embedding)] = true
		}
		b.Queue(q, p.ID, p.AgentID, replaceNUL(p.Text), emb, dim, orEmpty(p.Tags), p.CreatedAt, p.UpdatedAt, data)
	}
	err := s.transact(ctx, func(tx *Store) error {
		agentIDs, _ := passagesPerAgent(ps)
		if err := tx.shareAgents(ctx, agentIDs); err != nil {
			return err
		}
		if err := tx.addPassageCounts(ctx, ps); err != nil {
			return err
		}
		if err := tx.q.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return tx.ensureAgentIndexes(ctx, agentDims)
	})
	if err != nil {
		return fmt.Errorf("create passages: %w", interpretError(err))
	}
	return nil
}

// shareAgents takes a key-share lock on the agents' rows, in id order,
// before a transaction touches their passages or counts: a concurrent
// DeleteAgent, which locks the agent row and then cascades to both, either
// waits for this transaction or has finished before it (the agents are
// then missing: ErrNotFound). Without it, the delete's cascade and the
// passage writes locked rows in opposite orders and deadlocked.
func (s *Store) shareAgents(ctx context.Context, agentIDs []string) error {
	rows, err := s.q.Query(ctx, `SELECT id FROM agents WHERE id = ANY($1) ORDER BY id FOR KEY SHARE`, agentIDs)
	if err != nil {
		return fmt.Errorf("lock agents: %w", interpretError(err))
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("lock agents: %w", interpretError(err))
	}
	if len(found) != len(agentIDs) {
		return fmt.Errorf("lock agents: %w", store.ErrNotFound)
	}
	return nil
}

// addPassageCounts adds the passages to their agents' counts, atomically
// (n = n + k under the row lock), in agent id order so that writers of
// several agents lock their rows in one order. It runs before the inserts,
// as a statement of its own, so a transaction takes its count rows before
// any lock on passages: a concurrent writer of the same agent then waits
// here holding nothing the vector index build of ensureAgentIndexes (which
// waits for every open write to passages) would wait for.
func (s *Store) addPassageCounts(ctx context.Context, ps []*letta.Passage) error {
	const q = `INSERT INTO passage_counts (agent_id, n)
		SELECT * FROM unnest($1::text[], $2::bigint[])
		ON CONFLICT (agent_id) DO UPDATE SET n = passage_counts.n + excluded.n`
	agentIDs, counts := passagesPerAgent(ps)
	if _, err := s.q.Exec(ctx, q, agentIDs, counts); err != nil {
		return fmt.Errorf("add to passage counts: %w", err)
	}
	return nil
}

// passagesPerAgent returns the distinct agents of ps, sorted, and how many
// of ps each has.
func passagesPerAgent(ps []*letta.Passage) (agentIDs []string, counts []int64) {
	perAgent := map[string]int64{}
	for _, p := range ps {
		perAgent[p.AgentID]++
	}
	agentIDs = slices.Sorted(maps.Keys(perAgent))
	counts = make([]int64, len(agentIDs))
	for i, id := range agentIDs {
		counts[i] = perAgent[id]
	}
	return agentIDs, counts
}

// GetPassage returns one passage. ErrNotFound.
func (s *Store) GetPassage(ctx context.Context, id string) (*letta.Passage, error) {
	const q = `SELECT ` + passageColumns + ` FROM passages p WHERE p.id = $1`
	p, err := scanPassage(s.q.QueryRow(ctx, q, id))
	if err != nil {
		return nil, fmt.Errorf("get passage %s: %w", id, err)
	}
	return p, nil
}

// UpdatePassage overwrites the passage's text, embedding, tags and data and
// sets p.UpdatedAt. ErrNotFound.
func (s *Store) UpdatePassage(ctx context.Context, p *letta.Passage) error {
	const q = `UPDATE passages SET text = $2, embedding = $3, embedding_dim = $4, tags = $5, updated_at = $6, data = $7
		WHERE id = $1`
	p.UpdatedAt = letta.Now()
	emb, dim, data, err := passageArgs(p)
	if err != nil {
		return fmt.Errorf("update passage %s: %w", p.ID, err)
	}
	err = s.transact(ctx, func(tx *Store) error {
		tag, err := tx.q.Exec(ctx, q, p.ID, replaceNUL(p.Text), emb, dim, orEmpty(p.Tags), p.UpdatedAt, data)
		if err != nil {
			return interpretError(err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update passage %s: %w", p.ID, err)
	}
	return nil
}

// DeletePassage removes one passage and takes it off its agent's count. The
// count row is locked first, as in CreatePassages; one DELETE ... RETURNING
// statement would lock passages before it. ErrNotFound.
func (s *Store) DeletePassage(ctx context.Context, id string) error {
	const uncount = `UPDATE passage_counts SET n = n - 1 WHERE agent_id = (SELECT agent_id FROM passages WHERE id = $1)`
	const shareAgent = `SELECT 1 FROM agents WHERE id = (SELECT agent_id FROM passages WHERE id = $1) FOR KEY SHARE`
	err := s.transact(ctx, func(tx *Store) error {
		// The agent first, as in CreatePassages (see shareAgents).
		if _, err := tx.q.Exec(ctx, shareAgent, id); err != nil {
			return interpretError(err)
		}
		if _, err := tx.q.Exec(ctx, uncount, id); err != nil {
			return interpretError(err)
		}
		tag, err := tx.q.Exec(ctx, `DELETE FROM passages WHERE id = $1`, id)
		if err != nil {
			return interpretError(err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound // rolls back the count too
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete passage %s: %w", id, err)
	}
	return nil
}

// ListPassages returns the agent's passages in creation order. ErrNotFound
// for an unknown cursor.
func (s *Store) ListPassages(ctx context.Context, p store.ListPassagesParams) ([]*letta.Passage, error) {
	var f filter
	f.where("agent_id = " + f.arg(p.AgentID))
	if p.Search != "" {
		f.where("strpos(lower(text), lower(" + f.arg(p.Search) + ")) > 0")
	}
	// page's keys are unqualified; alias-free query.
	cols := strings.ReplaceAll(passageColumns, "p.", "")
	ps, err := listPage(ctx, s, &f, "passages", cols, byCreation, p.Page, scanPassage)
	if err != nil {
		return nil, fmt.Errorf("list passages: %w", err)
	}
	return ps, nil
}

// CountPassages returns the agent's passage count (0 for an agent without
// passages or an unknown one).
func (s *Store) CountPassages(ctx context.Context, agentID string) (int, error) {
	const q = `SELECT coalesce((SELECT n FROM passage_counts WHERE agent_id = $1), 0)`
	var n int
	if err := s.q.QueryRow(ctx, q, agentID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count passages: %w", interpretError(err))
	}
	return n, nil
}
