package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// stepColumns are the columns scanStep reads, in its order.
const stepColumns = `steps.id, steps.agent_id, steps.run_id, steps.model, steps.created_at, steps.updated_at, steps.data`

// scanStep reads stepColumns: the JSON data, overridden by the columns.
func scanStep(row scanner) (*letta.Step, error) {
	var (
		st           letta.Step
		id, agentID  string
		runID, model *string
		created      time.Time
		updated      time.Time
		data         []byte
	)
	if err := row.Scan(&id, &agentID, &runID, &model, &created, &updated, &data); err != nil {
		return nil, interpretError(err)
	}
	if err := decodeData(data, &st); err != nil {
		return nil, err
	}
	st.ID, st.AgentID, st.RunID, st.Model = id, agentID, runID, model
	st.CreatedAt, st.UpdatedAt = created.UTC(), updated.UTC()
	return &st, nil
}

// CreateStep inserts st. ErrNotFound when its agent does not exist,
// ErrConflict when the id is taken.
func (s *Store) CreateStep(ctx context.Context, st *letta.Step) error {
	const q = `INSERT INTO steps (id, agent_id, run_id, model, created_at, updated_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`
	updated := st.UpdatedAt
	if updated.IsZero() {
		updated = st.CreatedAt
	}
	data, err := encodeData(st)
	if err != nil {
		return fmt.Errorf("create step %s: %w", st.ID, err)
	}
	if _, err := s.q.Exec(ctx, q, st.ID, st.AgentID, st.RunID, st.Model, st.CreatedAt, updated, data); err != nil {
		return fmt.Errorf("create step %s: %w", st.ID, interpretError(err))
	}
	return nil
}

// UpdateStep overwrites st but its agent and creation time. ErrNotFound.
func (s *Store) UpdateStep(ctx context.Context, st *letta.Step) error {
	const q = `UPDATE steps SET run_id = $2, model = $3, updated_at = $4, data = $5 WHERE id = $1`
	updated := st.UpdatedAt
	if updated.IsZero() {
		updated = letta.Now()
	}
	data, err := encodeData(st)
	if err != nil {
		return fmt.Errorf("update step %s: %w", st.ID, err)
	}
	tag, err := s.q.Exec(ctx, q, st.ID, st.RunID, st.Model, updated, data)
	if err != nil {
		return fmt.Errorf("update step %s: %w", st.ID, interpretError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update step %s: %w", st.ID, store.ErrNotFound)
	}
	return nil
}

// GetStep returns one step. ErrNotFound.
func (s *Store) GetStep(ctx context.Context, id string) (*letta.Step, error) {
	const q = `SELECT ` + stepColumns + ` FROM steps WHERE id = $1`
	st, err := scanStep(s.q.QueryRow(ctx, q, id))
	if err != nil {
		return nil, fmt.Errorf("get step %s: %w", id, err)
	}
	return st, nil
}

// ListSteps returns the steps matching every filter, in creation order.
// ErrNotFound for an unknown cursor.
func (s *Store) ListSteps(ctx context.Context, p store.ListStepsParams) ([]*letta.Step, error) {
	var f filter
	if p.AgentID != "" {
		f.where("agent_id = " + f.arg(p.AgentID))
	}
	if p.RunID != "" {
		f.where("run_id = " + f.arg(p.RunID))
	}
	if p.Model != "" {
		f.where("model = " + f.arg(p.Model))
	}
	if p.StartDate != nil {
		f.where("created_at >= " + f.arg(*p.StartDate))
	}
	if p.EndDate != nil {
		f.where("created_at <= " + f.arg(*p.EndDate))
	}
	steps, err := listPage(ctx, s, &f, "steps", stepColumns, byCreation, p.Page, scanStep)
	if err != nil {
		return nil, fmt.Errorf("list steps: %w", err)
	}
	return steps, nil
}
