package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

const passageColumns = `id, agent_id, text, embedding, tags, created_at, updated_at, data`

func scanPassage(row interface{ Scan(...any) error }) (*letta.Passage, error) {
	var (
		id, agentID, text, tags, data string
		blob                          []byte
		createdAt, updatedAt          int64
	)
	if err := row.Scan(&id, &agentID, &text, &blob, &tags, &createdAt, &updatedAt, &data); err != nil {
		return nil, err
	}
	var p letta.Passage
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		return nil, fmt.Errorf("decode passage %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(tags), &p.Tags); err != nil {
		return nil, fmt.Errorf("decode passage %s tags: %w", id, err)
	}
	p.ID, p.AgentID, p.Text = id, agentID, text
	p.Embedding = decodeVector(blob)
	p.CreatedAt, p.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	p.Normalize()
	return &p, nil
}

// passageRow is the stored form of p: its columns besides the id.
func passageRow(p *letta.Passage) (blob []byte, dim any, tags string, data string, err error) {
	rest := *p
	rest.Embedding, rest.Tags = nil, nil
	b, err := json.Marshal(rest)
	if err != nil {
		return nil, nil, "", "", fmt.Errorf("encode passage: %w", err)
	}
	t, err := json.Marshal(orEmptyStrings(p.Tags))
	if err != nil {
		return nil, nil, "", "", fmt.Errorf("encode passage tags: %w", err)
	}
	if p.Embedding != nil {
		dim = len(p.Embedding)
	}
	return encodeVector(p.Embedding), dim, string(t), string(b), nil
}

func orEmptyStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const createPassageSQL = `
INSERT INTO passages (id, agent_id, text, embedding, embedding_dim, tags, created_at, updated_at, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreatePassages inserts the passages in one transaction with their
// agents' counts. ErrNotFound for an unknown agent, ErrConflict for a taken
// id.
func (s *Store) CreatePassages(ctx context.Context, ps []*letta.Passage) error {
	c := s.cacheFor()
	for _, p := range ps {
		defer c.invalidate(p.AgentID)
	}
	return s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		for _, p := range ps {
			if p.UpdatedAt.IsZero() {
				p.UpdatedAt = p.CreatedAt
			}
			blob, dim, tags, data, err := passageRow(p)
			if err != nil {
				return err
			}
			_, err = tx.q.ExecContext(ctx, createPassageSQL, p.ID, p.AgentID, p.Text, blob, dim, tags,
				micros(p.CreatedAt), micros(p.UpdatedAt), data)
			if err != nil {
				return fmt.Errorf("create passage %s: %w", p.ID, interpretError(err))
			}
		}
		return tx.addPassageCounts(ctx, ps)
	})
}

const addPassageCountSQL = `
INSERT INTO passage_counts (agent_id, n) VALUES (?, ?)
ON CONFLICT (agent_id) DO UPDATE SET n = n + excluded.n`

// addPassageCounts adds the passages to their agents' counts.
func (s *Store) addPassageCounts(ctx context.Context, ps []*letta.Passage) error {
	perAgent := map[string]int{}
	for _, p := range ps {
		perAgent[p.AgentID]++
	}
	for agentID, n := range perAgent {
		if _, err := s.q.ExecContext(ctx, addPassageCountSQL, agentID, n); err != nil {
			return fmt.Errorf("add to passage count of agent %s: %w", agentID, interpretError(err))
		}
	}
	return nil
}

const getPassageSQL = `SELECT ` + passageColumns + ` FROM passages WHERE id = ?`

// GetPassage returns one passage. ErrNotFound.
func (s *Store) GetPassage(ctx context.Context, id string) (*letta.Passage, error) {
	p, err := scanPassage(s.r.QueryRowContext(ctx, getPassageSQL, id))
	if err != nil {
		return nil, fmt.Errorf("get passage %s: %w", id, interpretError(err))
	}
	return p, nil
}

const updatePassageSQL = `
UPDATE passages SET text = ?, embedding = ?, embedding_dim = ?, tags = ?, updated_at = ?, data = ?
WHERE id = ?`

// UpdatePassage overwrites the passage's text, embedding, tags and data
// and sets p.UpdatedAt. ErrNotFound.
func (s *Store) UpdatePassage(ctx context.Context, p *letta.Passage) error {
	p.UpdatedAt = letta.Now()
	blob, dim, tags, data, err := passageRow(p)
	if err != nil {
		return err
	}
	defer s.cacheFor().invalidate(p.AgentID)
	res, err := s.q.ExecContext(ctx, updatePassageSQL, p.Text, blob, dim, tags, micros(p.UpdatedAt), data, p.ID)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("update passage %s: %w", p.ID, interpretError(err))
	}
	return nil
}

const (
	deletePassageSQL  = `DELETE FROM passages WHERE id = ? RETURNING agent_id`
	uncountPassageSQL = `UPDATE passage_counts SET n = n - 1 WHERE agent_id = ?`
)

// DeletePassage removes one passage and takes it off its agent's count.
// ErrNotFound.
func (s *Store) DeletePassage(ctx context.Context, id string) error {
	var agentID string
	err := s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		if err := tx.q.QueryRowContext(ctx, deletePassageSQL, id).Scan(&agentID); err != nil {
			return interpretError(err)
		}
		_, err := tx.q.ExecContext(ctx, uncountPassageSQL, agentID)
		return interpretError(err)
	})
	if err != nil {
		return fmt.Errorf("delete passage %s: %w", id, err)
	}
	s.cacheFor().invalidate(agentID)
	return nil
}

// ListPassages returns the agent's passages in creation order. ErrNotFound
// for an unknown cursor.
func (s *Store) ListPassages(ctx context.Context, p store.ListPassagesParams) ([]*letta.Passage, error) {
	var q query
	q.add("agent_id = ?", p.AgentID)
	if p.Search != "" {
		q.add("instr(lower(text), lower(?)) > 0", p.Search)
	}
	tail, err := s.pageByCreation(ctx, &q, "passages", p.Page)
	if err != nil {
		return nil, fmt.Errorf("list passages: %w", err)
	}
	return s.queryPassages(ctx, `SELECT `+passageColumns+` FROM passages`+q.whereSQL()+tail, q.args...)
}

func (s *Store) queryPassages(ctx context.Context, sqlText string, args ...any) ([]*letta.Passage, error) {
	rows, err := s.r.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("list passages: %w", interpretError(err))
	}
	defer rows.Close()
	out := []*letta.Passage{}
	for rows.Next() {
		p, err := scanPassage(rows)
		if err != nil {
			return nil, fmt.Errorf("list passages: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list passages: %w", interpretError(err))
	}
	return out, nil
}

const countPassagesSQL = `SELECT coalesce((SELECT n FROM passage_counts WHERE agent_id = ?), 0)`

// CountPassages returns the agent's passage count (0 for an agent without
// passages or an unknown one).
func (s *Store) CountPassages(ctx context.Context, agentID string) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, countPassagesSQL, agentID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count passages: %w", interpretError(err))
	}
	return n, nil
}

// searchFilter adds the filters of a search (not the query itself) on the
// passages table, aliased p.
func searchFilter(p store.SearchPassagesParams) *query {
	var q query
	if p.AgentID != "" {
		q.add("p.agent_id = ?", p.AgentID)
	}
	if len(p.Tags) > 0 {
		if p.MatchAllTags {
			for _, t := range p.Tags {
				q.add("EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = ?)", t)
			}
		} else {
			q.add("EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value IN ("+placeholders(len(p.Tags))+"))", anys(p.Tags)...)
		}
	}
	if p.StartDate != nil {
		q.add("p.created_at >= ?", micros(*p.StartDate))
	}
	if p.EndDate != nil {
		q.add("p.created_at <= ?", micros(*p.EndDate))
	}
	return &q
}

// SearchPassages ranks passages by exact cosine similarity (computed in Go
// over the filtered rows), by FTS5 bm25, or both fused by reciprocal rank.
func (s *Store) SearchPassages(ctx context.Context, p store.SearchPassagesParams) ([]store.PassageHit, error) {
	plan := store.PlanSearch(p)
	if !plan.Vector && !plan.Text {
		return s.newestPassages(ctx, p, plan.Limit)
	}
	var vec, text []store.RankedID
	var err error
	if plan.Vector {
		if vec, err = s.vectorCandidates(ctx, p, plan.Candidates); err != nil {
			return nil, fmt.Errorf("search passages: %w", err)
		}
	}
	if plan.Text {
		if text, err = s.textCandidates(ctx, p, plan.Terms, plan.Candidates); err != nil {
			return nil, fmt.Errorf("search passages: %w", err)
		}
	}
	hits := plan.Fuse(vec, text)
	if err := s.fillHits(ctx, hits); err != nil {
		return nil, fmt.Errorf("search passages: %w", err)
	}
	return hits, nil
}

// vectorCandidates scans the filtered rows with embeddings of the query's
// dimension and keeps the n most similar (exact cosine).
func (s *Store) vectorCandidates(ctx context.Context, p store.SearchPassagesParams, n int) ([]store.RankedID, error) {
	if out, ok, err := s.cachedVectorCandidates(ctx, p, n); ok || err != nil {
		return out, err
	}
	q := searchFilter(p)
	q.add("p.embedding_dim = ?", len(p.Embedding))
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, p.embedding FROM passages p`+q.whereSQL(), q.args...)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	top := newTopK(n)
	query := newCosineQuery(p.Embedding)
	var (
		id   string
		blob []byte
	)
	for rows.Next() {
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, interpretError(err)
		}
		top.offer(id, query.similarity(blob))
	}
	if err := rows.Err(); err != nil {
		return nil, interpretError(err)
	}
	return top.sorted(), nil
}

// textCandidates returns the n best FTS5 matches (bm25; any of the terms).
func (s *Store) textCandidates(ctx context.Context, p store.SearchPassagesParams, terms []string, n int) ([]store.RankedID, error) {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	f := searchFilter(p)
	var q query
	q.add("passages_fts MATCH ?", strings.Join(quoted, " OR "))
	q.where = append(q.where, f.where...)
	q.args = append(q.args, f.args...)
	q.args = append(q.args, n)
	sqlText := `SELECT p.id, bm25(passages_fts) AS r FROM passages_fts JOIN passages p ON p.seq = passages_fts.rowid` +
		q.whereSQL() + ` ORDER BY r, p.id LIMIT ?`
	rows, err := s.r.QueryContext(ctx, sqlText, q.args...)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	out := []store.RankedID{}
	for rows.Next() {
		var c store.RankedID
		if err := rows.Scan(&c.ID, &c.Score); err != nil {
			return nil, interpretError(err)
		}
		c.Score = -c.Score // bm25 is lower for better matches
		out = append(out, c)
	}
	return out, interpretError(rows.Err())
}

// newestPassages answers a search with neither vector nor text: the
// newest passages matching the filters, score 0.
func (s *Store) newestPassages(ctx context.Context, p store.SearchPassagesParams, limit int) ([]store.PassageHit, error) {
	q := searchFilter(p)
	q.args = append(q.args, limit)
	cols := strings.ReplaceAll("p."+passageColumns, ", ", ", p.")
	ps, err := s.queryPassages(ctx, `SELECT `+cols+` FROM passages p`+q.whereSQL()+` ORDER BY p.created_at DESC, p.id DESC LIMIT ?`, q.args...)
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
	ps, err := s.queryPassages(ctx, `SELECT `+passageColumns+` FROM passages WHERE id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
	if err != nil {
		return err
	}
	return store.FillHits(hits, ps)
}
