package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

const runColumns = `id, agent_id, status, created_at, updated_at, data`

func scanRun(row interface{ Scan(...any) error }) (*letta.Run, error) {
	var (
		id, agentID, status, data string
		createdAt, updatedAt      int64
	)
	if err := row.Scan(&id, &agentID, &status, &createdAt, &updatedAt, &data); err != nil {
		return nil, err
	}
	var r letta.Run
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		return nil, fmt.Errorf("decode run %s: %w", id, err)
	}
	r.ID, r.AgentID, r.Status = id, agentID, status
	r.CreatedAt, r.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return &r, nil
}

const createRunSQL = `
INSERT INTO runs (id, agent_id, status, created_at, updated_at, data)
VALUES (?, ?, ?, ?, ?, ?)`

// CreateRun inserts r. ErrConflict for a taken id, ErrNotFound for an
// unknown agent.
func (s *Store) CreateRun(ctx context.Context, r *letta.Run) error {
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode run: %w", err)
	}
	_, err = s.q.ExecContext(ctx, createRunSQL, r.ID, r.AgentID, r.Status,
		micros(r.CreatedAt), micros(r.UpdatedAt), string(data))
	if err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, interpretError(err))
	}
	return nil
}

const updateRunSQL = `UPDATE runs SET status = ?, updated_at = ?, data = ? WHERE id = ?`

// UpdateRun overwrites r but its agent and CreatedAt, and sets r.UpdatedAt
// to now. ErrNotFound.
func (s *Store) UpdateRun(ctx context.Context, r *letta.Run) error {
	r.UpdatedAt = letta.Now()
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode run: %w", err)
	}
	res, err := s.q.ExecContext(ctx, updateRunSQL, r.Status, micros(r.UpdatedAt), string(data), r.ID)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("update run %s: %w", r.ID, interpretError(err))
	}
	return nil
}

const getRunSQL = `SELECT ` + runColumns + ` FROM runs WHERE id = ?`

// GetRun returns one run. ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id string) (*letta.Run, error) {
	r, err := scanRun(s.r.QueryRowContext(ctx, getRunSQL, id))
	if err != nil {
		return nil, fmt.Errorf("get run %s: %w", id, interpretError(err))
	}
	return r, nil
}

const listRunsSQL = `SELECT ` + runColumns + ` FROM runs`

// ListRuns returns runs matching every filter. ErrNotFound for an unknown
// cursor.
func (s *Store) ListRuns(ctx context.Context, p store.ListRunsParams) ([]*letta.Run, error) {
	q := runFilter(p)
	tail, err := s.pageByCreation(ctx, &q, "runs", p.Page)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, listRunsSQL+q.whereSQL()+tail, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", interpretError(err))
	}
	defer rows.Close()
	out := []*letta.Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", interpretError(err))
	}
	return out, nil
}

// runFilter returns the predicates of p's filters. Stop reason and
// background live only in the run's JSON, read with json_extract; a run
// whose background is null is not a background run.
func runFilter(p store.ListRunsParams) query {
	var q query
	if len(p.AgentIDs) > 0 {
		q.add("agent_id IN ("+placeholders(len(p.AgentIDs))+")", anys(p.AgentIDs)...)
	}
	if len(p.Statuses) > 0 {
		q.add("status IN ("+placeholders(len(p.Statuses))+")", anys(p.Statuses)...)
	}
	if p.Active {
		q.add("status IN (?, ?)", letta.RunCreated, letta.RunRunning)
	}
	if p.StopReason != "" {
		q.add("json_extract(data, '$.stop_reason') = ?", p.StopReason)
	}
	if p.Background != nil {
		background := 0
		if *p.Background {
			background = 1
		}
		q.add("coalesce(json_extract(data, '$.background'), 0) = ?", background)
	}
	return q
}

const activeRunIDsSQL = `SELECT id FROM runs WHERE status IN (?, ?)`

// MarkInterruptedRuns sets to failed (stop reason "error", completed now)
// every run still created or running, created before createdBefore, whose
// agent holds no unexpired turn lease, and returns how many it changed.
func (s *Store) MarkInterruptedRuns(ctx context.Context, createdBefore time.Time) (int, error) {
	now := time.Now()
	n := 0
	err := s.InTx(ctx, func(txs store.Store) error {
		tx := txs.(*Store)
		ids, err := tx.strings(ctx, activeRunIDsSQL, letta.RunCreated, letta.RunRunning)
		if err != nil {
			return err
		}
		for _, id := range ids {
			r, err := tx.GetRun(ctx, id)
			if err != nil {
				return err
			}
			if !r.CreatedAt.Before(createdBefore) || s.leases.held(r.AgentID, now) {
				continue
			}
			r.MarkInterrupted(letta.Now())
			if err := tx.UpdateRun(ctx, r); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("mark interrupted runs: %w", err)
	}
	return n, nil
}

const deleteRunSQL = `DELETE FROM runs WHERE id = ?`

// DeleteRun removes the run (its messages and steps stay). ErrNotFound.
func (s *Store) DeleteRun(ctx context.Context, id string) error {
	res, err := s.q.ExecContext(ctx, deleteRunSQL, id)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("delete run %s: %w", id, interpretError(err))
	}
	return nil
}
