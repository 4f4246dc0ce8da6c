package api

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// normalizeTool makes a tool's list fields [] for the wire.
func normalizeTool(t *letta.Tool) *letta.Tool {
	if t.Tags == nil {
		t.Tags = []string{}
	}
	return t
}

// toolFilter is the query of GET /v1/tools and /v1/tools/count.
type toolFilter struct {
	names, ids, types, excluded []string
	search                      string
	lettaOnly                   bool
}

// readToolFilter reads name (exact; the 1.x SDK's tools.list(name=...)),
// names and tool_ids (repeated or comma-separated), search (a
// case-insensitive substring of the name), tool_types,
// exclude_tool_types and return_only_letta_tools.
func readToolFilter(q *query) toolFilter {
	f := toolFilter{
		names:     q.strs("names", true),
		ids:       q.strs("tool_ids", true),
		types:     q.strs("tool_types", true),
		excluded:  q.strs("exclude_tool_types", true),
		search:    strings.ToLower(q.str("search")),
		lettaOnly: q.boolean("return_only_letta_tools", false),
	}
	if name := q.str("name"); name != "" {
		f.names = append(f.names, name)
	}
	return f
}

func (f toolFilter) keep(t *letta.Tool) bool {
	switch {
	case len(f.ids) > 0 && !slices.Contains(f.ids, t.ID),
		len(f.types) > 0 && !slices.Contains(f.types, t.ToolType),
		slices.Contains(f.excluded, t.ToolType),
		f.search != "" && !strings.Contains(strings.ToLower(t.Name), f.search),
		f.lettaOnly && !strings.HasPrefix(t.ToolType, "letta_"):
		return false
	}
	return true
}

// matchingTools returns every tool the filter keeps, oldest first.
// The built-in tools exist from the start, as in Letta: they are
// created, once, before the first listing.
func (s *server) matchingTools(r *http.Request, f toolFilter) ([]*letta.Tool, error) {
	if s.cfg.Engine != nil {
		if err := s.cfg.Engine.EnsureBaseTools(r.Context()); err != nil {
			return nil, err
		}
	}
	tools, err := s.cfg.Store.ListTools(r.Context(), store.ListToolsParams{Names: f.names, Page: store.Page{Ascending: true}})
	if err != nil {
		return nil, err
	}
	out := make([]*letta.Tool, 0, len(tools))
	for _, t := range tools {
		if f.keep(t) {
			out = append(out, normalizeTool(t))
		}
	}
	return out, nil
}

// listTools answers GET /v1/tools: the filters of readToolFilter, then
// before/after/limit (50)/order (desc).
func (s *server) listTools(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	f := readToolFilter(q)
	p := q.page(50, false)
	if err := q.err(); err != nil {
		return err
	}
	tools, err := s.matchingTools(r, f)
	if err != nil {
		return err
	}
	out, err := pageOf(tools, func(t *letta.Tool) string { return t.ID }, p)
	if err != nil {
		return notFound(err, "Tool", cmp.Or(p.After, p.Before))
	}
	return writeJSON(w, http.StatusOK, out)
}

// countTools answers GET /v1/tools/count with the number of matching tools.
func (s *server) countTools(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	f := readToolFilter(q)
	if err := q.err(); err != nil {
		return err
	}
	tools, err := s.matchingTools(r, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, len(tools))
}

// getTool answers GET /v1/tools/{tool_id}.
func (s *server) getTool(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "tool_id")
	t, err := s.cfg.Store.GetTool(r.Context(), id)
	if err != nil {
		return notFound(err, "Tool", id)
	}
	return writeJSON(w, http.StatusOK, normalizeTool(t))
}

// listAgentTools answers GET /v1/agents/{agent_id}/tools: the attached
// tools in attachment order (order=desc reverses it), every one unless a
// limit is given (0.1.x callers send no parameters and expect them all).
func (s *server) listAgentTools(w http.ResponseWriter, r *http.Request) error {
	return listAttached(s, w, r, func(a *letta.Agent) []letta.Tool { return a.Tools },
		func(t letta.Tool) string { return t.ID }, normalizeTool)
}
