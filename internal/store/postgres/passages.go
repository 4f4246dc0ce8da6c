package postgres

import (
	"context"
	"fmt"
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

// CreatePassages inserts the passages in one transaction, then gives an
// agent that has outgrown the exact scan its vector index.
// ErrNotFound for an unknown agent, ErrConflict for a taken id.
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

// DeletePassage removes one passage. ErrNotFound.
func (s *Store) DeletePassage(ctx context.Context, id string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM passages WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete passage %s: %w", id, interpretError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete passage %s: %w", id, store.ErrNotFound)
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

// CountPassages counts the agent's passages.
func (s *Store) CountPassages(ctx context.Context, agentID string) (int, error) {
	var n int
	if err := s.q.QueryRow(ctx, `SELECT count(*) FROM passages WHERE agent_id = $1`, agentID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count passages: %w", interpretError(err))
	}
	return n, nil
}
