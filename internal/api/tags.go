package api

import (
	"net/http"
	"slices"
	"strings"
)

// listTags answers GET /v1/tags: the distinct agent tags, sorted, as a bare
// array. query_text filters by substring; after/before are tag names.
func (s *server) listTags(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := q.page(0, true)
	text := strings.ToLower(q.str("query_text"))
	name := q.str("name")
	if err := q.err(); err != nil {
		return err
	}
	tags, err := s.cfg.Store.ListTags(r.Context())
	if err != nil {
		return err
	}
	out := []string{}
	for _, t := range tags {
		if text != "" && !strings.Contains(strings.ToLower(t), text) {
			continue
		}
		if name != "" && t != name {
			continue
		}
		if p.After != "" && ((p.Ascending && t <= p.After) || (!p.Ascending && t >= p.After)) {
			continue
		}
		if p.Before != "" && ((p.Ascending && t >= p.Before) || (!p.Ascending && t <= p.Before)) {
			continue
		}
		out = append(out, t)
	}
	if !p.Ascending {
		slices.Reverse(out)
	}
	if p.Limit > 0 && len(out) > p.Limit {
		out = out[:p.Limit]
	}
	return writeJSON(w, http.StatusOK, out)
}
