package postgres

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// scanner is a pgx.Row or pgx.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// encodeData marshals the JSON kept in a data column. jsonb cannot hold
// U+0000, so each one becomes U+FFFD (see replaceNUL).
func encodeData(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode data: %w", err)
	}
	return replaceJSONNUL(b), nil
}

// replaceNUL replaces U+0000 with U+FFFD in a value for a text column:
// Postgres text cannot hold it (SQLite can; a tool's binary output or a
// model's reply may carry one, and must not fail the whole step).
func replaceNUL(s string) string {
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// replaceJSONNUL rewrites each \u0000 escape of encoding/json output as
// \ufffd. In that output every backslash starts an escape, so escapes are
// found by skipping over the escaped character.
func replaceJSONNUL(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u0000`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if bytes.HasPrefix(b[i:], []byte(`\u0000`)) {
			out = append(out, `\ufffd`...)
			i += len(`\u0000`) - 1
			continue
		}
		out = append(out, b[i], b[i+1])
		i++
	}
	return out
}

// decodeData unmarshals a data column into v.
func decodeData(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode data: %w", err)
	}
	return nil
}

// collect scans every row with scan and returns the records, [] when none.
func collect[T any](rows pgx.Rows, scan func(scanner) (*T, error)) ([]*T, error) {
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, interpretError(err)
	}
	return out, nil
}

// orEmpty returns s, or an empty slice for nil (so JSON says [], not null).
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
