package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

const toolColumns = `id, name, created_at, updated_at, data`

func scanTool(row interface{ Scan(...any) error }) (*letta.Tool, error) {
	var (
		id, name, data       string
		createdAt, updatedAt int64
	)
	if err := row.Scan(&id, &name, &createdAt, &updatedAt, &data); err != nil {
		return nil, err
	}
	return decodeTool(id, name, createdAt, updatedAt, data)
}

// decodeTool builds a tool from its stored columns.
func decodeTool(id, name string, createdAt, updatedAt int64, data string) (*letta.Tool, error) {
	var x letta.Tool
	if err := json.Unmarshal([]byte(data), &x); err != nil {
		return nil, fmt.Errorf("decode tool %s: %w", id, err)
	}
	x.ID, x.Name = id, name
	x.CreatedAt, x.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return &x, nil
}

const createToolSQL = `INSERT INTO tools (id, name, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?)`

// CreateTool inserts t; ErrConflict when the id or name is taken.
func (s *Store) CreateTool(ctx context.Context, t *letta.Tool) error {
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode tool: %w", err)
	}
	_, err = s.q.ExecContext(ctx, createToolSQL, t.ID, t.Name, micros(t.CreatedAt), micros(t.UpdatedAt), string(data))
	if err != nil {
		return fmt.Errorf("create tool %s: %w", t.Name, interpretError(err))
	}
	return nil
}

const (
	getToolSQL       = `SELECT ` + toolColumns + ` FROM tools WHERE id = ?`
	getToolByNameSQL = `SELECT ` + toolColumns + ` FROM tools WHERE name = ?`
)

// GetTool returns one tool. ErrNotFound.
func (s *Store) GetTool(ctx context.Context, id string) (*letta.Tool, error) {
	x, err := scanTool(s.r.QueryRowContext(ctx, getToolSQL, id))
	if err != nil {
		return nil, fmt.Errorf("get tool %s: %w", id, interpretError(err))
	}
	return x, nil
}

// GetToolByName returns the tool with that exact name. ErrNotFound.
func (s *Store) GetToolByName(ctx context.Context, name string) (*letta.Tool, error) {
	x, err := scanTool(s.r.QueryRowContext(ctx, getToolByNameSQL, name))
	if err != nil {
		return nil, fmt.Errorf("get tool named %q: %w", name, interpretError(err))
	}
	return x, nil
}

const listToolsSQL = `SELECT ` + toolColumns + ` FROM tools`

// ListTools returns tools matching every given filter.
func (s *Store) ListTools(ctx context.Context, p store.ListToolsParams) ([]*letta.Tool, error) {
	var q query
	if len(p.Names) > 0 {
		q.add("name IN ("+placeholders(len(p.Names))+")", anys(p.Names)...)
	}
	tail, err := s.pageByCreation(ctx, &q, "tools", p.Page)
	if err != nil {
		return nil, fmt.Errorf("list tools: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, listToolsSQL+q.whereSQL()+tail, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list tools: %w", interpretError(err))
	}
	defer rows.Close()
	out := []*letta.Tool{}
	for rows.Next() {
		x, err := scanTool(rows)
		if err != nil {
			return nil, fmt.Errorf("list tools: %w", err)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tools: %w", interpretError(err))
	}
	return out, nil
}

const updateToolSQL = `UPDATE tools SET name = ?, updated_at = ?, data = ? WHERE id = ?`

// UpdateTool overwrites t but its CreatedAt and sets t.UpdatedAt to now.
// ErrNotFound, ErrConflict (name taken).
func (s *Store) UpdateTool(ctx context.Context, t *letta.Tool) error {
	t.UpdatedAt = letta.Now()
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode tool: %w", err)
	}
	res, err := s.q.ExecContext(ctx, updateToolSQL, t.Name, micros(t.UpdatedAt), string(data), t.ID)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("update tool %s: %w", t.ID, interpretError(err))
	}
	return nil
}

const deleteToolSQL = `DELETE FROM tools WHERE id = ?`

// DeleteTool removes the tool and (by cascade) its agent links. ErrNotFound.
func (s *Store) DeleteTool(ctx context.Context, id string) error {
	res, err := s.q.ExecContext(ctx, deleteToolSQL, id)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("delete tool %s: %w", id, interpretError(err))
	}
	return nil
}
