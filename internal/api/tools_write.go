package api

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
)

// toolError maps the engine's tool errors: a name clash is Letta's 409,
// source a schema cannot be derived from is a 400 naming the problem.
func toolError(err error) error {
	var ve *agent.ValidationError
	switch {
	case errors.Is(err, agent.ErrToolNameTaken):
		return errorf(http.StatusConflict, "%s", agent.ErrToolNameTaken.Error())
	case errors.As(err, &ve) && (ve.Field == "source_code" || ve.Field == "json_schema" || ve.Field == "source_type"):
		return errorf(http.StatusBadRequest, "Invalid tool %s: %s", ve.Field, ve.Message)
	}
	return err
}

// createTool answers POST /v1/tools: a custom tool from Python source.
func (s *server) createTool(w http.ResponseWriter, r *http.Request) error {
	return s.writeTool(w, r, func(eng *agent.Engine, p agent.ToolParams) (*letta.Tool, error) {
		return eng.CreateTool(r.Context(), p)
	})
}

// upsertTool answers PUT /v1/tools: create, or update the tool with the
// name derived from the source.
func (s *server) upsertTool(w http.ResponseWriter, r *http.Request) error {
	return s.writeTool(w, r, func(eng *agent.Engine, p agent.ToolParams) (*letta.Tool, error) {
		return eng.UpsertTool(r.Context(), p)
	})
}

func (s *server) writeTool(w http.ResponseWriter, r *http.Request, do func(*agent.Engine, agent.ToolParams) (*letta.Tool, error)) error {
	eng, params, err := s.toolInput(w, r, true)
	if err != nil {
		return err
	}
	t, err := do(eng, params)
	if err != nil {
		return toolError(err)
	}
	return writeJSON(w, http.StatusOK, normalizeTool(t))
}

// toolInput reads the acting user and the tool request body, validated
// for a create (or upsert) or for an update, as engine parameters, with the
// engine to apply them.
func (s *server) toolInput(w http.ResponseWriter, r *http.Request, create bool) (*agent.Engine, agent.ToolParams, error) {
	actor, err := actorID(r)
	if err != nil {
		return nil, agent.ToolParams{}, err
	}
	var req toolRequest
	if err := s.decode(w, r, &req); err != nil {
		return nil, agent.ToolParams{}, err
	}
	if err := req.validate(create); err != nil {
		return nil, agent.ToolParams{}, err
	}
	eng, err := s.engine()
	if err != nil {
		return nil, agent.ToolParams{}, err
	}
	return eng, req.params(actor), nil
}

// updateTool answers PATCH /v1/tools/{tool_id}.
func (s *server) updateTool(w http.ResponseWriter, r *http.Request) error {
	eng, params, err := s.toolInput(w, r, false)
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "tool_id")
	t, err := eng.UpdateTool(r.Context(), id, params)
	if err != nil {
		return notFound(toolError(err), "Tool", id)
	}
	return writeJSON(w, http.StatusOK, normalizeTool(t))
}

// deleteTool answers DELETE /v1/tools/{tool_id} with JSON null.
func (s *server) deleteTool(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "tool_id")
	if err := s.cfg.Store.DeleteTool(r.Context(), id); err != nil {
		return notFound(err, "Tool", id)
	}
	return writeJSON(w, http.StatusOK, nil)
}

// addBaseTools answers POST /v1/tools/add-base-tools with the built-in tools.
func (s *server) addBaseTools(w http.ResponseWriter, r *http.Request) error {
	eng, err := s.engine()
	if err != nil {
		return err
	}
	tools, err := eng.UpsertBaseTools(r.Context())
	if err != nil {
		return err
	}
	for _, t := range tools {
		normalizeTool(t)
	}
	return writeJSON(w, http.StatusOK, tools)
}

// runToolFromSource answers POST /v1/tools/run with a tool_return_message.
func (s *server) runToolFromSource(w http.ResponseWriter, r *http.Request) error {
	var req runSourceRequest
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
	msg, err := eng.RunToolFromSource(r.Context(), agent.RunSourceParams{
		SourceCode: *req.SourceCode, SourceType: letta.Deref(req.SourceType), Args: req.Args,
		EnvVars: req.EnvVars, Name: req.Name, JSONSchema: req.JSONSchema,
	})
	if err != nil {
		return toolError(err)
	}
	return writeJSON(w, http.StatusOK, msg)
}
