package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/letta-server/letta-server/internal/store"
)

// query collects the predicates and arguments of a list query.
type query struct {
	where []string
	args  []any
}

func (q *query) add(pred string, args ...any) {
	q.where = append(q.where, pred)
	q.args = append(q.args, args...)
}

// whereSQL returns " WHERE a AND b", or "" without predicates.
func (q *query) whereSQL() string {
	if len(q.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.where, " AND ")
}

// pageByCreation adds p's cursors to q for a table ordered by (created_at,
// id) and returns the ORDER BY and LIMIT tail. table is a constant from this
// package, never input.
func (s *Store) pageByCreation(ctx context.Context, q *query, table string, p store.Page) (string, error) {
	cursor := func(id string) (int64, error) {
		var at int64
		err := s.r.QueryRowContext(ctx, `SELECT created_at FROM `+table+` WHERE id = ?`, id).Scan(&at)
		if err != nil {
			return 0, fmt.Errorf("find cursor %s: %w", id, interpretError(err))
		}
		return at, nil
	}
	// after in ascending order, and before in descending order, keep the
	// larger keys.
	bound := func(id string, greater bool) error {
		at, err := cursor(id)
		if err != nil {
			return err
		}
		op := "<"
		if greater {
			op = ">"
		}
		q.add("(created_at, id) "+op+" (?, ?)", at, id)
		return nil
	}
	dir, err := boundPage(p, bound)
	if err != nil {
		return "", err
	}
	return " ORDER BY created_at" + dir + ", id" + dir + limitSQL(q, p), nil
}

// pageBySeq adds p's cursors (message ids) to q for the messages table,
// ordered by seq, and returns the ORDER BY and LIMIT tail.
func (s *Store) pageBySeq(ctx context.Context, q *query, p store.Page) (string, error) {
	bound := func(id string, greater bool) error {
		var seq int64
		err := s.r.QueryRowContext(ctx, `SELECT seq FROM messages WHERE id = ?`, id).Scan(&seq)
		if err != nil {
			return fmt.Errorf("find cursor %s: %w", id, interpretError(err))
		}
		if greater {
			q.add("seq > ?", seq)
		} else {
			q.add("seq < ?", seq)
		}
		return nil
	}
	dir, err := boundPage(p, bound)
	if err != nil {
		return "", err
	}
	return " ORDER BY seq" + dir + limitSQL(q, p), nil
}

// boundPage applies p's After and Before cursors through bound (greater:
// keep the keys above the cursor's) and returns the sort direction of the
// page, " ASC" or " DESC".
func boundPage(p store.Page, bound func(id string, greater bool) error) (string, error) {
	if p.After != "" {
		if err := bound(p.After, p.Ascending); err != nil {
			return "", err
		}
	}
	if p.Before != "" {
		if err := bound(p.Before, !p.Ascending); err != nil {
			return "", err
		}
	}
	if p.Ascending {
		return " ASC", nil
	}
	return " DESC", nil
}

// limitSQL returns " LIMIT ?" (adding the argument to q) or "".
func limitSQL(q *query, p store.Page) string {
	if p.Limit <= 0 {
		return ""
	}
	q.args = append(q.args, p.Limit)
	return " LIMIT ?"
}

// isNotFound reports whether err is store.ErrNotFound.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
