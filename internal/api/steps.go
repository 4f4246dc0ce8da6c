package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// normalizeStep makes a step's list and map fields non-null where Letta's are.
func normalizeStep(st *letta.Step) *letta.Step {
	if st.Tags == nil {
		st.Tags = []string{}
	}
	if st.Messages == nil {
		st.Messages = []any{}
	}
	return st
}

// listSteps answers GET /v1/steps: agent_id, model, start_date, end_date,
// before/after/limit (50)/order (desc).
func (s *server) listSteps(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := store.ListStepsParams{
		AgentID:   q.str("agent_id"),
		Model:     q.str("model"),
		StartDate: q.date("start_date"),
		EndDate:   q.date("end_date"),
		Page:      q.page(50, false),
	}
	if err := q.err(); err != nil {
		return err
	}
	steps, err := s.cfg.Store.ListSteps(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]*letta.Step, 0, len(steps))
	for _, st := range steps {
		out = append(out, normalizeStep(st))
	}
	return writeJSON(w, http.StatusOK, out)
}

// getStep answers GET /v1/steps/{step_id}.
func (s *server) getStep(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "step_id")
	st, err := s.cfg.Store.GetStep(r.Context(), id)
	if err != nil {
		return notFound(err, "Step", id)
	}
	return writeJSON(w, http.StatusOK, normalizeStep(st))
}
