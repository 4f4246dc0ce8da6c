package api

import (
	"net/http"

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

// listTools answers GET /v1/tools: name (exact), names (repeated or
// comma-separated), before/after/limit (50)/order (desc).
func (s *server) listTools(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := store.ListToolsParams{Names: q.strs("names", true), Page: q.page(50, false)}
	if name := q.str("name"); name != "" {
		p.Names = append(p.Names, name)
	}
	if err := q.err(); err != nil {
		return err
	}
	tools, err := s.cfg.Store.ListTools(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]*letta.Tool, 0, len(tools))
	for _, t := range tools {
		out = append(out, normalizeTool(t))
	}
	return writeJSON(w, http.StatusOK, out)
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
	q := newQuery(r.URL.Query())
	p := q.page(0, true)
	if err := q.err(); err != nil {
		return err
	}
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	tools, err := pageOf(a.Tools, func(t letta.Tool) string { return t.ID }, p)
	if err != nil {
		return err
	}
	out := make([]letta.Tool, 0, len(tools))
	for _, t := range tools {
		out = append(out, *normalizeTool(&t))
	}
	return writeJSON(w, http.StatusOK, out)
}
