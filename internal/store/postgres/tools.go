package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// toolColumns are the columns scanTool reads, in its order.
const toolColumns = `tools.id, tools.name, tools.created_at, tools.updated_at, tools.data`

// scanTool reads toolColumns: the JSON data, overridden by the columns.
func scanTool(row scanner) (*letta.Tool, error) {
	var (
		t        letta.Tool
		id, name string
		created  time.Time
		updated  time.Time
		data     []byte
	)
	if err := row.Scan(&id, &name, &created, &updated, &data); err != nil {
		return nil, interpretError(err)
	}
	return decodeTool(&t, id, name, created, updated, data)
}

// decodeTool fills t from its stored columns.
func decodeTool(t *letta.Tool, id, name string, created, updated time.Time, data []byte) (*letta.Tool, error) {
	if err := decodeData(data, t); err != nil {
		return nil, err
	}
	t.ID, t.Name = id, name
	t.CreatedAt, t.UpdatedAt = created.UTC(), updated.UTC()
	t.Tags = orEmpty(t.Tags)
	return t, nil
}

// CreateTool inserts t. ErrConflict when the name or id is taken.
func (s *Store) CreateTool(ctx context.Context, t *letta.Tool) error {
	const q = `INSERT INTO tools (id, name, created_at, updated_at, data) VALUES ($1, $2, $3, $4, $5)`
	data, err := encodeData(t)
	if err != nil {
		return fmt.Errorf("create tool %s: %w", t.Name, err)
	}
	if _, err := s.q.Exec(ctx, q, t.ID, t.Name, t.CreatedAt, t.UpdatedAt, data); err != nil {
		return fmt.Errorf("create tool %s: %w", t.Name, interpretError(err))
	}
	return nil
}

// GetTool returns one tool. ErrNotFound.
func (s *Store) GetTool(ctx context.Context, id string) (*letta.Tool, error) {
	const q = `SELECT ` + toolColumns + ` FROM tools WHERE id = $1`
	t, err := scanTool(s.q.QueryRow(ctx, q, id))
	if err != nil {
		return nil, fmt.Errorf("get tool %s: %w", id, err)
	}
	return t, nil
}

// GetToolByName returns the tool with that name. ErrNotFound.
func (s *Store) GetToolByName(ctx context.Context, name string) (*letta.Tool, error) {
	const q = `SELECT ` + toolColumns + ` FROM tools WHERE name = $1`
	t, err := scanTool(s.q.QueryRow(ctx, q, name))
	if err != nil {
		return nil, fmt.Errorf("get tool named %q: %w", name, err)
	}
	return t, nil
}

// ListTools returns the tools matching every given filter, in creation
// order. ErrNotFound for an unknown cursor.
func (s *Store) ListTools(ctx context.Context, p store.ListToolsParams) ([]*letta.Tool, error) {
	var f filter
	if len(p.Names) > 0 {
		f.where("name = ANY(" + f.arg(p.Names) + ")")
	}
	tools, err := listPage(ctx, s, &f, "tools", toolColumns, byCreation, p.Page, scanTool)
	if err != nil {
		return nil, fmt.Errorf("list tools: %w", err)
	}
	return tools, nil
}

// UpdateTool overwrites the tool but its creation time and sets
// t.UpdatedAt to now. ErrNotFound; ErrConflict when the new name is taken.
func (s *Store) UpdateTool(ctx context.Context, t *letta.Tool) error {
	const q = `UPDATE tools SET name = $2, updated_at = $3, data = $4 WHERE id = $1`
	updated := *t
	updated.UpdatedAt = letta.Now()
	data, err := encodeData(&updated)
	if err != nil {
		return fmt.Errorf("update tool %s: %w", t.ID, err)
	}
	tag, err := s.q.Exec(ctx, q, t.ID, t.Name, updated.UpdatedAt, data)
	if err != nil {
		return fmt.Errorf("update tool %s: %w", t.ID, interpretError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update tool %s: %w", t.ID, store.ErrNotFound)
	}
	t.UpdatedAt = updated.UpdatedAt
	return nil
}

// DeleteTool removes the tool and its agent links. ErrNotFound.
func (s *Store) DeleteTool(ctx context.Context, id string) error {
	return s.deleteByID(ctx, "tools", "tool", id)
}
