package api

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/store"
)

// query reads query parameters, collecting every problem as a 422 field error.
type query struct {
	v    url.Values
	errs fieldErrors
}

func newQuery(v url.Values) *query { return &query{v: v} }

// str returns the parameter's value, or "".
func (q *query) str(name string) string { return strings.TrimSpace(q.v.Get(name)) }

// has reports whether the parameter was sent with a value.
func (q *query) has(name string) bool { return q.str(name) != "" }

// strs returns a repeated parameter's values (tags=a&tags=b); with split,
// comma-separated values are split too.
func (q *query) strs(name string, split bool) []string {
	var out []string
	for _, v := range q.v[name] {
		parts := []string{v}
		if split {
			parts = strings.Split(v, ",")
		}
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// boolean parses a bool parameter (true/false/1/0), or returns def.
func (q *query) boolean(name string, def bool) bool {
	s := q.str(name)
	if s == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		q.errs.add("Input should be a valid boolean, unable to interpret input", "query", name)
		return def
	}
	return b
}

// integer parses an int parameter no smaller than min, or returns def.
func (q *query) integer(name string, def, min int) int {
	s := q.str(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		q.errs.add("Input should be a valid integer, unable to parse string as an integer", "query", name)
		return def
	}
	if n < min {
		q.errs.add("Input should be greater than or equal to "+strconv.Itoa(min), "query", name)
		return def
	}
	return n
}

// date parses an ISO 8601 date or date-time parameter; nil when absent.
func (q *query) date(name string) *time.Time {
	s := q.str(name)
	if s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	q.errs.add("Input should be a valid datetime or date", "query", name)
	return nil
}

// ascending reads order (asc|desc) and the legacy ascending flag.
func (q *query) ascending(defAscending bool) bool {
	switch strings.ToLower(q.str("order")) {
	case "asc":
		return true
	case "desc":
		return false
	case "":
		return q.boolean("ascending", defAscending)
	}
	q.errs.add("Input should be 'asc' or 'desc'", "query", "order")
	return defAscending
}

// page reads before, after, limit, order and ascending. defLimit 0 means no
// limit unless the client asks for one.
func (q *query) page(defLimit int, defAscending bool) store.Page {
	return store.Page{
		Before:    q.str("before"),
		After:     q.str("after"),
		Limit:     q.integer("limit", defLimit, 1),
		Ascending: q.ascending(defAscending),
	}
}

// err returns the collected problems, or nil.
func (q *query) err() error { return q.errs.err() }
