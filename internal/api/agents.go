package api

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// engine returns the agent engine, or a 503 when the server runs without one.
func (s *server) engine() (*agent.Engine, error) {
	if s.cfg.Engine == nil {
		return nil, errorf(http.StatusServiceUnavailable, "The agent engine is not configured")
	}
	return s.cfg.Engine, nil
}

// loadAgent returns the agent named by the {agent_id} path parameter.
func (s *server) loadAgent(r *http.Request) (*letta.Agent, error) {
	id := chi.URLParam(r, "agent_id")
	a, err := s.cfg.Store.GetAgent(r.Context(), id)
	if err != nil {
		return nil, notFound(err, "Agent", id)
	}
	return a, nil
}

// writeAgent writes the full AgentState.
func writeAgent(w http.ResponseWriter, a *letta.Agent) error {
	a.Normalize()
	return writeAgentsJSON(w, []*letta.Agent{a}, false)
}

// writeAgents writes a bare array of full AgentStates.
func writeAgents(w http.ResponseWriter, agents []*letta.Agent) error {
	for _, a := range agents {
		a.Normalize()
	}
	return writeAgentsJSON(w, agents, true)
}

// createAgent answers POST /v1/agents.
func (s *server) createAgent(w http.ResponseWriter, r *http.Request) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	var req createAgentRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	if req.ProjectID == nil {
		if pid := headerProject(r); pid != "" {
			req.ProjectID = &pid
		}
	}
	eng, err := s.engine()
	if err != nil {
		return err
	}
	a, err := eng.CreateAgent(r.Context(), req.params(actor))
	if err != nil {
		return err
	}
	return writeAgent(w, a)
}

// headerProject is the project a request names by header: X-Project-Id
// (1.x projectID) or else X-Project (the project slug both SDK generations
// send when the client is given a project). Without projects of its own,
// the server stores the slug as the agent's project_id.
func headerProject(r *http.Request) string {
	if pid := strings.TrimSpace(r.Header.Get("X-Project-Id")); pid != "" {
		return pid
	}
	return strings.TrimSpace(r.Header.Get("X-Project"))
}

// listAgents answers GET /v1/agents: name, tags (repeated) with
// match_all_tags, query_text, project_id (or the project header),
// identity_id, identifier_keys (repeated), before/after/limit (50)/order
// (desc) or the legacy ascending flag.
func (s *server) listAgents(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := store.ListAgentsParams{
		Name:           q.str("name"),
		QueryText:      q.str("query_text"),
		Tags:           q.strs("tags", false),
		MatchAllTags:   q.boolean("match_all_tags", false),
		ProjectID:      cmp.Or(q.str("project_id"), headerProject(r)),
		IdentityID:     q.str("identity_id"),
		IdentifierKeys: q.strs("identifier_keys", false),
		Page:           q.page(50, false),
	}
	if err := q.err(); err != nil {
		return err
	}
	agents, err := s.cfg.Store.ListAgents(r.Context(), p)
	if err != nil {
		return err
	}
	return writeAgents(w, agents)
}

// countAgents answers GET /v1/agents/count with a bare integer.
func (s *server) countAgents(w http.ResponseWriter, r *http.Request) error {
	agents, err := s.cfg.Store.ListAgents(r.Context(), store.ListAgentsParams{})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, len(agents))
}

// getAgent answers GET /v1/agents/{agent_id}.
func (s *server) getAgent(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	return writeAgent(w, a)
}

// updateAgent answers PATCH /v1/agents/{agent_id}: only sent fields change.
func (s *server) updateAgent(w http.ResponseWriter, r *http.Request) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	var req updateAgentRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	eng, err := s.engine()
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "agent_id")
	if _, err := s.cfg.Store.GetAgent(r.Context(), id); err != nil {
		return notFound(err, "Agent", id)
	}
	a, err := eng.UpdateAgent(r.Context(), id, req.params(actor))
	if err != nil {
		return err
	}
	return writeAgent(w, a)
}

// deleteAgent answers DELETE /v1/agents/{agent_id} with Letta's message.
func (s *server) deleteAgent(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "agent_id")
	if err := s.cfg.Store.DeleteAgent(r.Context(), id); err != nil {
		return notFound(err, "Agent", id)
	}
	return writeJSON(w, http.StatusOK, map[string]string{"message": "Agent id=" + id + " successfully deleted"})
}

// getCoreMemory answers GET /v1/agents/{agent_id}/core-memory (Memory).
func (s *server) getCoreMemory(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	a.Normalize()
	return writeJSON(w, http.StatusOK, a.Memory)
}
