package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

const stepColumns = `id, agent_id, created_at, updated_at, data`

func scanStep(row interface{ Scan(...any) error }) (*letta.Step, error) {
	var (
		id, agentID, data    string
		createdAt, updatedAt int64
	)
	if err := row.Scan(&id, &agentID, &createdAt, &updatedAt, &data); err != nil {
		return nil, err
	}
	var st letta.Step
	if err := json.Unmarshal([]byte(data), &st); err != nil {
		return nil, fmt.Errorf("decode step %s: %w", id, err)
	}
	st.ID, st.AgentID = id, agentID
	st.CreatedAt, st.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return &st, nil
}

const createStepSQL = `
INSERT INTO steps (id, agent_id, run_id, model, created_at, updated_at, data)
VALUES (?, ?, ?, ?, ?, ?, ?)`

// CreateStep inserts st. ErrConflict for a taken id, ErrNotFound for an
// unknown agent.
func (s *Store) CreateStep(ctx context.Context, st *letta.Step) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode step: %w", err)
	}
	_, err = s.q.ExecContext(ctx, createStepSQL, st.ID, st.AgentID, nullString(st.RunID), nullString(st.Model),
		micros(st.CreatedAt), micros(st.UpdatedAt), string(data))
	if err != nil {
		return fmt.Errorf("create step %s: %w", st.ID, interpretError(err))
	}
	return nil
}

const updateStepSQL = `UPDATE steps SET run_id = ?, model = ?, updated_at = ?, data = ? WHERE id = ?`

// UpdateStep overwrites st but its agent and CreatedAt, and sets
// st.UpdatedAt to now. ErrNotFound.
func (s *Store) UpdateStep(ctx context.Context, st *letta.Step) error {
	st.UpdatedAt = letta.Now()
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode step: %w", err)
	}
	res, err := s.q.ExecContext(ctx, updateStepSQL, nullString(st.RunID), nullString(st.Model),
		micros(st.UpdatedAt), string(data), st.ID)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("update step %s: %w", st.ID, interpretError(err))
	}
	return nil
}

const getStepSQL = `SELECT ` + stepColumns + ` FROM steps WHERE id = ?`

// GetStep returns one step. ErrNotFound.
func (s *Store) GetStep(ctx context.Context, id string) (*letta.Step, error) {
	st, err := scanStep(s.r.QueryRowContext(ctx, getStepSQL, id))
	if err != nil {
		return nil, fmt.Errorf("get step %s: %w", id, interpretError(err))
	}
	return st, nil
}

const listStepsSQL = `SELECT ` + stepColumns + ` FROM steps`

// ListSteps returns steps matching every filter. ErrNotFound for an unknown
// cursor.
func (s *Store) ListSteps(ctx context.Context, p store.ListStepsParams) ([]*letta.Step, error) {
	var q query
	if p.AgentID != "" {
		q.add("agent_id = ?", p.AgentID)
	}
	if p.RunID != "" {
		q.add("run_id = ?", p.RunID)
	}
	if p.Model != "" {
		q.add("model = ?", p.Model)
	}
	if p.StartDate != nil {
		q.add("created_at >= ?", micros(*p.StartDate))
	}
	if p.EndDate != nil {
		q.add("created_at <= ?", micros(*p.EndDate))
	}
	tail, err := s.pageByCreation(ctx, &q, "steps", p.Page)
	if err != nil {
		return nil, fmt.Errorf("list steps: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, listStepsSQL+q.whereSQL()+tail, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list steps: %w", interpretError(err))
	}
	defer rows.Close()
	out := []*letta.Step{}
	for rows.Next() {
		st, err := scanStep(rows)
		if err != nil {
			return nil, fmt.Errorf("list steps: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list steps: %w", interpretError(err))
	}
	return out, nil
}
