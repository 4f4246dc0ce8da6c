package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// runColumns are the columns scanRun reads, in its order.
const runColumns = `runs.id, runs.agent_id, runs.status, runs.created_at, runs.updated_at, runs.data`

// scanRun reads runColumns: the JSON data, overridden by the columns.
func scanRun(row scanner) (*letta.Run, error) {
	var (
		r                   letta.Run
		id, agentID, status string
		created, updated    time.Time
		data                []byte
	)
	if err := row.Scan(&id, &agentID, &status, &created, &updated, &data); err != nil {
		return nil, interpretError(err)
	}
	if err := decodeData(data, &r); err != nil {
		return nil, err
	}
	r.ID, r.AgentID, r.Status = id, agentID, status
	r.CreatedAt, r.UpdatedAt = created.UTC(), updated.UTC()
	return &r, nil
}

// CreateRun inserts r. ErrNotFound when its agent does not exist,
// ErrConflict when the id is taken.
func (s *Store) CreateRun(ctx context.Context, r *letta.Run) error {
	const q = `INSERT INTO runs (id, agent_id, status, created_at, updated_at, data)
		VALUES ($1, $2, $3, $4, $5, $6)`
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	data, err := encodeData(r)
	if err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, err)
	}
	if _, err := s.q.Exec(ctx, q, r.ID, r.AgentID, r.Status, r.CreatedAt, r.UpdatedAt, data); err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, interpretError(err))
	}
	return nil
}

// UpdateRun overwrites r but its agent and creation time, and sets
// r.UpdatedAt to now. ErrNotFound.
func (s *Store) UpdateRun(ctx context.Context, r *letta.Run) error {
	const q = `UPDATE runs SET status = $2, updated_at = $3, data = $4 WHERE id = $1`
	r.UpdatedAt = letta.Now()
	data, err := encodeData(r)
	if err != nil {
		return fmt.Errorf("update run %s: %w", r.ID, err)
	}
	tag, err := s.q.Exec(ctx, q, r.ID, r.Status, r.UpdatedAt, data)
	if err != nil {
		return fmt.Errorf("update run %s: %w", r.ID, interpretError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update run %s: %w", r.ID, store.ErrNotFound)
	}
	return nil
}

// GetRun returns one run. ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id string) (*letta.Run, error) {
	const q = `SELECT ` + runColumns + ` FROM runs WHERE id = $1`
	r, err := scanRun(s.q.QueryRow(ctx, q, id))
	if err != nil {
		return nil, fmt.Errorf("get run %s: %w", id, err)
	}
	return r, nil
}

// ListRuns returns the runs matching every filter, in creation order.
// ErrNotFound for an unknown cursor.
func (s *Store) ListRuns(ctx context.Context, p store.ListRunsParams) ([]*letta.Run, error) {
	f := runFilter(p)
	tail, err := s.page(ctx, &f, "runs", byCreation, p.Page)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	rows, err := s.q.Query(ctx, `SELECT `+runColumns+` FROM runs`+f.clause()+tail, f.args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", interpretError(err))
	}
	runs, err := collect(rows, scanRun)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// runFilter returns the predicates of p's filters. Stop reason and
// background live only in the run's JSON data; a run whose background is
// null is not a background run.
func runFilter(p store.ListRunsParams) filter {
	var f filter
	if len(p.AgentIDs) > 0 {
		f.where("agent_id = ANY(" + f.arg(p.AgentIDs) + ")")
	}
	if len(p.Statuses) > 0 {
		f.where("status = ANY(" + f.arg(p.Statuses) + ")")
	}
	if p.Active {
		f.where("status IN (" + f.arg(letta.RunCreated) + ", " + f.arg(letta.RunRunning) + ")")
	}
	if p.StopReason != "" {
		f.where("data->>'stop_reason' = " + f.arg(p.StopReason))
	}
	if p.Background != nil {
		f.where("coalesce((data->>'background')::boolean, false) = " + f.arg(*p.Background))
	}
	return f
}

// MarkInterruptedRuns sets to failed (stop reason "error", completed now)
// every run still created or running, created before createdBefore, whose
// agent holds no unexpired turn lease, and returns how many it changed.
func (s *Store) MarkInterruptedRuns(ctx context.Context, createdBefore time.Time) (int, error) {
	// SKIP LOCKED: a run locked now is being finished or cancelled.
	const q = `SELECT ` + runColumns + ` FROM runs WHERE status IN ('created', 'running') AND created_at < $1
		AND NOT EXISTS (SELECT 1 FROM agent_leases l WHERE l.agent_id = runs.agent_id AND l.expires_at > clock_timestamp())
		FOR UPDATE OF runs SKIP LOCKED`
	n := 0
	err := s.transact(ctx, func(tx *Store) error {
		rows, err := tx.q.Query(ctx, q, createdBefore)
		if err != nil {
			return interpretError(err)
		}
		runs, err := collect(rows, scanRun)
		if err != nil {
			return err
		}
		for _, r := range runs {
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

// DeleteRun removes the run (its messages and steps stay). ErrNotFound.
func (s *Store) DeleteRun(ctx context.Context, id string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM runs WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete run %s: %w", id, interpretError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete run %s: %w", id, store.ErrNotFound)
	}
	return nil
}
