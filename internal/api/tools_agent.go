package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// attachTool answers PATCH /v1/agents/{agent_id}/tools/attach/{tool_id}
// with the agent.
func (s *server) attachTool(w http.ResponseWriter, r *http.Request) error {
	return s.linkTool(w, r, true)
}

// detachTool answers PATCH /v1/agents/{agent_id}/tools/detach/{tool_id}
// with the agent.
func (s *server) detachTool(w http.ResponseWriter, r *http.Request) error {
	return s.linkTool(w, r, false)
}

func (s *server) linkTool(w http.ResponseWriter, r *http.Request, attach bool) error {
	ctx := r.Context()
	toolID := chi.URLParam(r, "tool_id")
	return s.relinkAgent(w, r, func(tx store.Store, agentID string) error {
		if _, err := tx.GetTool(ctx, toolID); err != nil {
			return notFound(err, "Tool", toolID)
		}
		if attach {
			return tx.AttachTool(ctx, agentID, toolID)
		}
		return tx.DetachTool(ctx, agentID, toolID)
	})
}

// setToolApproval answers PATCH
// /v1/agents/{agent_id}/tools/approval/{tool_name}: requires_approval comes
// as a query parameter (0.1.x) or in the body (1.x); the agent's
// requires_approval rule for the tool is added or removed.
func (s *server) setToolApproval(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	var requires *bool
	if q.has("requires_approval") {
		requires = letta.Ptr(q.boolean("requires_approval", false))
	}
	if err := q.err(); err != nil {
		return err
	}
	if r.ContentLength != 0 {
		var body approvalRequest
		if err := s.decode(w, r, &body); err != nil {
			return err
		}
		if body.RequiresApproval != nil {
			requires = body.RequiresApproval
		}
	}
	if requires == nil {
		var fe fieldErrors
		fe.add("Field required", "query", "requires_approval")
		return fe.err()
	}
	eng, err := s.engine()
	if err != nil {
		return err
	}
	agentID, name := chi.URLParam(r, "agent_id"), chi.URLParam(r, "tool_name")
	a, err := eng.SetToolApproval(r.Context(), agentID, name, *requires)
	if errors.Is(err, agent.ErrToolNotAttached) {
		return errorf(http.StatusNotFound, "Tool %s is not attached to agent %s", name, agentID)
	}
	if err != nil {
		return notFound(err, "Agent", agentID)
	}
	return writeAgent(w, a)
}

// runAgentTool answers POST /v1/agents/{agent_id}/tools/{tool_name}/run
// with a ToolExecutionResult.
func (s *server) runAgentTool(w http.ResponseWriter, r *http.Request) error {
	var req toolExecuteRequest
	if r.ContentLength != 0 {
		if err := s.decode(w, r, &req); err != nil {
			return err
		}
	}
	args := map[string]any{}
	if raw := bytes.TrimSpace(req.Args); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if err := json.Unmarshal(raw, &args); err != nil {
			var fe fieldErrors
			fe.add("Input should be an object", "body", "args")
			return fe.err()
		}
	}
	eng, err := s.engine()
	if err != nil {
		return err
	}
	agentID, name := chi.URLParam(r, "agent_id"), chi.URLParam(r, "tool_name")
	res, err := eng.RunAgentTool(r.Context(), agentID, name, args)
	if err != nil {
		return notFound(err, "Agent", agentID)
	}
	return writeJSON(w, http.StatusOK, res)
}
