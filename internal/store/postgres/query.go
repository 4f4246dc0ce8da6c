package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/letta-server/letta-server/internal/store"
)

// filter collects the WHERE predicates of a list query and their arguments;
// values only ever travel as arguments.
type filter struct {
	preds []string
	args  []any
}

// arg adds an argument and returns its placeholder ("$3").
func (f *filter) arg(v any) string {
	f.args = append(f.args, v)
	return "$" + strconv.Itoa(len(f.args))
}

// where adds a predicate built with placeholders from arg.
func (f *filter) where(pred string) { f.preds = append(f.preds, pred) }

// clause returns " WHERE a AND b", or "" without predicates.
func (f *filter) clause() string {
	if len(f.preds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.preds, " AND ")
}

// Sort keys of the lists: creation order for most, insertion order (seq)
// for messages.
var (
	byCreation = []string{"created_at", "id"}
	bySeq      = []string{"seq"}
)

// page adds p's cursor predicates to f and returns the ORDER BY and LIMIT
// clause. Cursors are ids of table; an unknown one is store.ErrNotFound.
// "After" and "Before" follow the list's direction: in a descending list,
// after a cursor means older than it.
func (s *Store) page(ctx context.Context, f *filter, table string, key []string, p store.Page) (string, error) {
	keyList := strings.Join(key, ", ")
	cursor := func(id string, op string) error {
		const q = `SELECT EXISTS (SELECT 1 FROM %s WHERE id = $1)`
		var ok bool
		if err := s.q.QueryRow(ctx, fmt.Sprintf(q, table), id).Scan(&ok); err != nil {
			return fmt.Errorf("look up cursor %s: %w", id, interpretError(err))
		}
		if !ok {
			return fmt.Errorf("cursor %s: %w", id, store.ErrNotFound)
		}
		f.where(fmt.Sprintf("(%s) %s (SELECT %s FROM %s WHERE id = %s)", keyList, op, keyList, table, f.arg(id)))
		return nil
	}
	after, before := ">", "<"
	dir := "ASC"
	if !p.Ascending {
		after, before = "<", ">"
		dir = "DESC"
	}
	if p.After != "" {
		if err := cursor(p.After, after); err != nil {
			return "", err
		}
	}
	if p.Before != "" {
		if err := cursor(p.Before, before); err != nil {
			return "", err
		}
	}
	order := make([]string, len(key))
	for i, k := range key {
		order[i] = k + " " + dir
	}
	tail := " ORDER BY " + strings.Join(order, ", ")
	if p.Limit > 0 {
		tail += " LIMIT " + strconv.Itoa(p.Limit)
	}
	return tail, nil
}

// listPage reads one page p of table's rows that f matches, ordered by
// key, selecting columns and reading each row with scan. The caller wraps
// the error with what it lists.
func listPage[T any](ctx context.Context, s *Store, f *filter, table, columns string, key []string, p store.Page, scan func(scanner) (*T, error)) ([]*T, error) {
	tail, err := s.page(ctx, f, table, key, p)
	if err != nil {
		return nil, err
	}
	rows, err := s.q.Query(ctx, `SELECT `+columns+` FROM `+table+f.clause()+tail, f.args...)
	if err != nil {
		return nil, interpretError(err)
	}
	return collect(rows, scan)
}
