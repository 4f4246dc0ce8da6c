package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

const blockColumns = `id, value, created_at, updated_at, data`

// scanBlock reads a row of blockColumns, the JSON through the cache. The
// value and times columns win over the JSON, since CompareAndSetBlockValue
// changes only them.
func (s *Store) scanBlock(row interface{ Scan(...any) error }) (*letta.Block, error) {
	var (
		id, value, data      string
		createdAt, updatedAt int64
	)
	if err := row.Scan(&id, &value, &createdAt, &updatedAt, &data); err != nil {
		return nil, err
	}
	b, err := s.blocks.Decode(id, []byte(data))
	if err != nil {
		return nil, fmt.Errorf("decode block %s: %w", id, err)
	}
	b.ID, b.Value = id, value
	b.CreatedAt, b.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return b, nil
}

const createBlockSQL = `
INSERT INTO blocks (id, label, value, is_template, template_name, project_id, created_at, updated_at, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateBlock inserts b. ErrConflict when the id is taken.
func (s *Store) CreateBlock(ctx context.Context, b *letta.Block) error {
	data, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode block: %w", err)
	}
	_, err = s.q.ExecContext(ctx, createBlockSQL, b.ID, b.Label, b.Value, b.IsTemplate,
		nullString(b.TemplateName), nullString(b.ProjectID), micros(b.CreatedAt), micros(b.UpdatedAt), string(data))
	if err != nil {
		return fmt.Errorf("create block %s: %w", b.ID, interpretError(err))
	}
	return nil
}

const getBlockSQL = `SELECT ` + blockColumns + ` FROM blocks WHERE id = ?`

// GetBlock returns one block. ErrNotFound.
func (s *Store) GetBlock(ctx context.Context, id string) (*letta.Block, error) {
	b, err := s.scanBlock(s.r.QueryRowContext(ctx, getBlockSQL, id))
	if err != nil {
		return nil, fmt.Errorf("get block %s: %w", id, interpretError(err))
	}
	return b, nil
}

const listBlocksSQL = `SELECT ` + blockColumns + ` FROM blocks`

// ListBlocks returns blocks matching every given filter.
func (s *Store) ListBlocks(ctx context.Context, p store.ListBlocksParams) ([]*letta.Block, error) {
	var q query
	if p.Label != "" {
		q.add("label = ?", p.Label)
	}
	if p.TemplatesOnly {
		q.add("is_template = 1")
	}
	if p.Name != "" {
		q.add("template_name = ?", p.Name)
	}
	if p.ProjectID != "" {
		q.add("project_id = ?", p.ProjectID)
	}
	tail, err := s.pageByCreation(ctx, &q, "blocks", p.Page)
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, listBlocksSQL+q.whereSQL()+tail, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", interpretError(err))
	}
	defer rows.Close()
	out := []*letta.Block{}
	for rows.Next() {
		b, err := s.scanBlock(rows)
		if err != nil {
			return nil, fmt.Errorf("list blocks: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list blocks: %w", interpretError(err))
	}
	return out, nil
}

const updateBlockSQL = `
UPDATE blocks SET label = ?, value = ?, is_template = ?, template_name = ?, project_id = ?, updated_at = ?, data = ?
WHERE id = ?`

// UpdateBlock overwrites every field of b but CreatedAt and sets
// b.UpdatedAt to now. ErrNotFound.
func (s *Store) UpdateBlock(ctx context.Context, b *letta.Block) error {
	b.UpdatedAt = letta.Now()
	data, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode block: %w", err)
	}
	res, err := s.q.ExecContext(ctx, updateBlockSQL, b.Label, b.Value, b.IsTemplate,
		nullString(b.TemplateName), nullString(b.ProjectID), micros(b.UpdatedAt), string(data), b.ID)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("update block %s: %w", b.ID, interpretError(err))
	}
	return nil
}

const casBlockSQL = `UPDATE blocks SET value = ?, updated_at = ? WHERE id = ? AND value = ?`

// CompareAndSetBlockValue sets the value only if it still equals oldValue:
// ErrConflict if it changed, ErrNotFound if the block is gone.
func (s *Store) CompareAndSetBlockValue(ctx context.Context, id, oldValue, newValue string) error {
	res, err := s.q.ExecContext(ctx, casBlockSQL, newValue, micros(letta.Now()), id, oldValue)
	if err != nil {
		return fmt.Errorf("set block %s value: %w", id, interpretError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("set block %s value: %w", id, err)
	}
	if n == 1 {
		return nil
	}
	ok, err := s.exists(ctx, existsBlockSQL, id)
	if err != nil {
		return fmt.Errorf("set block %s value: %w", id, err)
	}
	if !ok {
		return fmt.Errorf("set block %s value: %w", id, store.ErrNotFound)
	}
	return fmt.Errorf("set block %s value: it changed: %w", id, store.ErrConflict)
}

const deleteBlockSQL = `DELETE FROM blocks WHERE id = ?`

// DeleteBlock removes the block and (by cascade) its agent links. ErrNotFound.
func (s *Store) DeleteBlock(ctx context.Context, id string) error {
	res, err := s.q.ExecContext(ctx, deleteBlockSQL, id)
	if err == nil {
		err = affectedOne(res)
	}
	if err != nil {
		return fmt.Errorf("delete block %s: %w", id, interpretError(err))
	}
	return nil
}

const listBlockAgentIDsSQL = `SELECT agent_id FROM agent_blocks WHERE block_id = ? ORDER BY agent_id`

// ListBlockAgentIDs returns the ids of the agents the block is attached to.
func (s *Store) ListBlockAgentIDs(ctx context.Context, blockID string) ([]string, error) {
	ids, err := s.strings(ctx, listBlockAgentIDsSQL, blockID)
	if err != nil {
		return nil, fmt.Errorf("list agents of block %s: %w", blockID, err)
	}
	return ids, nil
}

const (
	existsBlockSQL = `SELECT 1 FROM blocks WHERE id = ?`
	existsAgentSQL = `SELECT 1 FROM agents WHERE id = ?`
	existsToolSQL  = `SELECT 1 FROM tools WHERE id = ?`
)

// exists runs a one-row existence query.
func (s *Store) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, query, args...).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, interpretError(err)
	}
	return true, nil
}

// mustExist returns ErrNotFound (naming what) when the query finds no row.
func (s *Store) mustExist(ctx context.Context, what, query, id string) error {
	ok, err := s.exists(ctx, query, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s %s: %w", what, id, store.ErrNotFound)
	}
	return nil
}

// strings runs a query returning one text column, as a non-nil slice.
func (s *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, interpretError(err)
	}
	return out, nil
}
