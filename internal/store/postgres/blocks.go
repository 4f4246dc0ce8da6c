package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// blockColumns are the columns scanBlock reads, in its order.
const blockColumns = `blocks.id, blocks.label, blocks.value, blocks.is_template, blocks.template_name,
	blocks.project_id, blocks.created_at, blocks.updated_at, blocks.data`

// scanBlock reads blockColumns: the JSON data (through the cache),
// overridden by the columns.
func (s *Store) scanBlock(row scanner) (*letta.Block, error) {
	var (
		id, label  string
		value      string
		isTemplate bool
		tmplName   *string
		projectID  *string
		created    time.Time
		updated    time.Time
		data       []byte
	)
	if err := row.Scan(&id, &label, &value, &isTemplate, &tmplName, &projectID, &created, &updated, &data); err != nil {
		return nil, interpretError(err)
	}
	b, err := s.blocks.Decode(id, data)
	if err != nil {
		return nil, fmt.Errorf("decode block %s: %w", id, err)
	}
	b.ID, b.Label, b.Value, b.IsTemplate = id, label, value, isTemplate
	b.TemplateName, b.ProjectID = tmplName, projectID
	b.CreatedAt, b.UpdatedAt = created.UTC(), updated.UTC()
	b.Tags = orEmpty(b.Tags)
	return b, nil
}

// blockData is the JSON kept for b: everything but the value, which has a
// column of its own.
func blockData(b *letta.Block) ([]byte, error) {
	cp := *b
	cp.Value = ""
	return encodeData(&cp)
}

// CreateBlock inserts b. ErrConflict when the id is taken.
func (s *Store) CreateBlock(ctx context.Context, b *letta.Block) error {
	const q = `INSERT INTO blocks (id, label, value, is_template, template_name, project_id, created_at, updated_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	data, err := blockData(b)
	if err != nil {
		return fmt.Errorf("create block %s: %w", b.ID, err)
	}
	if _, err := s.q.Exec(ctx, q, b.ID, b.Label, replaceNUL(b.Value), b.IsTemplate, b.TemplateName, b.ProjectID, b.CreatedAt, b.UpdatedAt, data); err != nil {
		return fmt.Errorf("create block %s: %w", b.ID, interpretError(err))
	}
	return nil
}

// GetBlock returns one block. ErrNotFound.
func (s *Store) GetBlock(ctx context.Context, id string) (*letta.Block, error) {
	const q = `SELECT ` + blockColumns + ` FROM blocks WHERE id = $1`
	b, err := s.scanBlock(s.q.QueryRow(ctx, q, id))
	if err != nil {
		return nil, fmt.Errorf("get block %s: %w", id, err)
	}
	return b, nil
}

// ListBlocks returns the blocks matching every given filter, in creation
// order. ErrNotFound for an unknown cursor.
func (s *Store) ListBlocks(ctx context.Context, p store.ListBlocksParams) ([]*letta.Block, error) {
	var f filter
	if p.Label != "" {
		f.where("label = " + f.arg(p.Label))
	}
	if p.TemplatesOnly {
		f.where("is_template")
	}
	if p.Name != "" {
		f.where("template_name = " + f.arg(p.Name))
	}
	if p.ProjectID != "" {
		f.where("project_id = " + f.arg(p.ProjectID))
	}
	blocks, err := listPage(ctx, s, &f, "blocks", blockColumns, byCreation, p.Page, s.scanBlock)
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	return blocks, nil
}

// UpdateBlock overwrites every field of the block but its creation time,
// and sets b.UpdatedAt to now. ErrNotFound.
func (s *Store) UpdateBlock(ctx context.Context, b *letta.Block) error {
	const q = `UPDATE blocks SET label = $2, value = $3, is_template = $4, template_name = $5,
		project_id = $6, updated_at = $7, data = $8 WHERE id = $1`
	updated := *b
	updated.UpdatedAt = letta.Now()
	data, err := blockData(&updated)
	if err != nil {
		return fmt.Errorf("update block %s: %w", b.ID, err)
	}
	tag, err := s.q.Exec(ctx, q, b.ID, b.Label, replaceNUL(b.Value), b.IsTemplate, b.TemplateName, b.ProjectID, updated.UpdatedAt, data)
	if err != nil {
		return fmt.Errorf("update block %s: %w", b.ID, interpretError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update block %s: %w", b.ID, store.ErrNotFound)
	}
	b.UpdatedAt = updated.UpdatedAt
	return nil
}

// CompareAndSetBlockValue sets the value only if it still equals oldValue:
// ErrConflict if it changed, ErrNotFound if the block is gone.
func (s *Store) CompareAndSetBlockValue(ctx context.Context, id, oldValue, newValue string) error {
	const q = `UPDATE blocks SET value = $3, updated_at = $4 WHERE id = $1 AND value = $2`
	tag, err := s.q.Exec(ctx, q, id, replaceNUL(oldValue), replaceNUL(newValue), letta.Now())
	if err != nil {
		return fmt.Errorf("set block %s value: %w", id, interpretError(err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	exists, err := s.exists(ctx, "blocks", id)
	if err != nil {
		return fmt.Errorf("set block %s value: %w", id, err)
	}
	if !exists {
		return fmt.Errorf("set block %s value: %w", id, store.ErrNotFound)
	}
	return fmt.Errorf("set block %s value: it changed: %w", id, store.ErrConflict)
}

// DeleteBlock removes the block and its agent links. ErrNotFound.
func (s *Store) DeleteBlock(ctx context.Context, id string) error {
	return s.deleteByID(ctx, "blocks", "block", id)
}

// ListBlockAgentIDs returns the ids of the agents the block is attached to,
// sorted.
func (s *Store) ListBlockAgentIDs(ctx context.Context, blockID string) ([]string, error) {
	const q = `SELECT agent_id FROM agent_blocks WHERE block_id = $1 ORDER BY agent_id`
	ids, err := s.strings(ctx, q, blockID)
	if err != nil {
		return nil, fmt.Errorf("list agents of block %s: %w", blockID, err)
	}
	return ids, nil
}

// exists reports whether table has a row with this id. table is one of
// this package's constants, never input.
func (s *Store) exists(ctx context.Context, table, id string) (bool, error) {
	var ok bool
	err := s.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = $1)`, id).Scan(&ok)
	if err != nil {
		return false, interpretError(err)
	}
	return ok, nil
}

// deleteByID deletes the row of table with this id (the schema cascades to
// its links). ErrNotFound when there is none. kind names it in errors.
func (s *Store) deleteByID(ctx context.Context, table, kind, id string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM `+table+` WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", kind, id, interpretError(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete %s %s: %w", kind, id, store.ErrNotFound)
	}
	return nil
}

// strings runs a query of one text column and returns its values, [] when none.
func (s *Store) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.q.Query(ctx, q, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	vals, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, interpretError(err)
	}
	return orEmpty(vals), nil
}
