package api

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// defaultRunListLimit is the page size of run lists.
const defaultRunListLimit = 100

// normalizeRun fills the fields Letta always writes.
func normalizeRun(r *letta.Run) *letta.Run {
	if r.JobType == "" {
		r.JobType = letta.JobTypeRun
	}
	if r.Metadata == nil {
		r.Metadata = map[string]any{}
	}
	return r
}

// writeRuns writes a list of runs.
func writeRuns(w http.ResponseWriter, runs []*letta.Run) error {
	for _, r := range runs {
		normalizeRun(r)
	}
	return writeJSON(w, http.StatusOK, runs)
}

// listRuns answers GET /v1/runs: agent_id (or one agent_ids), statuses,
// active, before/after/limit (100)/order (desc).
func (s *server) listRuns(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := store.ListRunsParams{
		AgentID:  q.str("agent_id"),
		Statuses: q.strs("statuses", true),
		Active:   q.boolean("active", false),
		Page:     q.page(defaultRunListLimit, false),
	}
	agentIDs := q.strs("agent_ids", true)
	if err := q.err(); err != nil {
		return err
	}
	switch {
	case len(agentIDs) > 1:
		return fieldErrors{{Loc: []any{"query", "agent_ids"}, Msg: "Filtering by more than one agent is not supported; pass one agent_id", Type: "value_error"}}
	case len(agentIDs) == 1 && p.AgentID == "":
		p.AgentID = agentIDs[0]
	}
	runs, err := s.cfg.Store.ListRuns(r.Context(), p)
	if err != nil {
		return notFound(err, "Run", cmp.Or(p.Page.After, p.Page.Before))
	}
	return writeRuns(w, runs)
}

// listActiveRuns answers GET /v1/runs/active: the runs not yet ended,
// optionally of one agent.
func (s *server) listActiveRuns(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := store.ListRunsParams{AgentID: q.str("agent_id"), Active: true, Page: store.Page{Ascending: false}}
	if err := q.err(); err != nil {
		return err
	}
	runs, err := s.cfg.Store.ListRuns(r.Context(), p)
	if err != nil {
		return err
	}
	return writeRuns(w, runs)
}

// loadRun returns the run named by the {run_id} path parameter.
func (s *server) loadRun(r *http.Request) (*letta.Run, error) {
	id := chi.URLParam(r, "run_id")
	run, err := s.cfg.Store.GetRun(r.Context(), id)
	if err != nil {
		return nil, notFound(err, "Run", id)
	}
	return run, nil
}

// getRun answers GET /v1/runs/{run_id}.
func (s *server) getRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, normalizeRun(run))
}

// deleteRun answers DELETE /v1/runs/{run_id}: an active run is cancelled
// first; the deleted run is returned. Its messages and steps stay.
func (s *server) deleteRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	if !letta.RunDone(run.Status) {
		if err := s.cancelRun(r, run); err != nil {
			return err
		}
	}
	if err := s.cfg.Store.DeleteRun(r.Context(), run.ID); err != nil {
		return notFound(err, "Run", run.ID)
	}
	return writeJSON(w, http.StatusOK, normalizeRun(run))
}

// cancelRun marks an active run cancelled in the store (so every replica
// sees it) and stops it if this process executes it.
func (s *server) cancelRun(r *http.Request, run *letta.Run) error {
	run.Finish(letta.RunCancelled, letta.StopCancelled, letta.Now())
	if err := s.cfg.Store.UpdateRun(r.Context(), run); err != nil {
		return notFound(err, "Run", run.ID)
	}
	s.runs.cancel(run.ID)
	return nil
}

// cancelOneRun answers POST /v1/runs/{run_id}/cancel with the run; 409
// when it has already ended.
func (s *server) cancelOneRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	if letta.RunDone(run.Status) {
		return errorf(http.StatusConflict, "Run %s has already ended with status %s", run.ID, run.Status)
	}
	if err := s.cancelRun(r, run); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, normalizeRun(run))
}

// cancelRequest is the body of POST /v1/agents/{agent_id}/messages/cancel.
type cancelRequest struct {
	RunIDs []string `json:"run_ids"`
}

// cancelAgentRuns answers POST /v1/agents/{agent_id}/messages/cancel: it
// cancels the agent's active runs (only those in run_ids when given) and
// returns {run_id: "cancelled"}; 409 when there is nothing to cancel.
func (s *server) cancelAgentRuns(w http.ResponseWriter, r *http.Request) error {
	var req cancelRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	runs, err := s.cfg.Store.ListRuns(r.Context(), store.ListRunsParams{AgentID: a.ID, Active: true, Page: store.Page{Ascending: true}})
	if err != nil {
		return err
	}
	out := map[string]string{}
	for _, run := range runs {
		if req.RunIDs != nil && !slices.Contains(req.RunIDs, run.ID) {
			continue
		}
		if err := s.cancelRun(r, run); err != nil {
			return err
		}
		out[run.ID] = letta.RunCancelled
	}
	if len(out) == 0 {
		return errorf(http.StatusConflict, "No active runs to cancel for agent %s", a.ID)
	}
	return writeJSON(w, http.StatusOK, out)
}

// listRunMessages answers GET /v1/runs/{run_id}/messages: the messages the
// run wrote, rendered with its request config; before/after/limit
// (100)/order (asc).
func (s *server) listRunMessages(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	page := q.page(defaultMessageListLimit, true)
	if err := q.err(); err != nil {
		return err
	}
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	msgs, err := s.cfg.Store.ListMessages(r.Context(), store.ListMessagesParams{RunID: run.ID, Page: page})
	if err != nil {
		return notFound(err, "Message", cmp.Or(page.After, page.Before))
	}
	opts := letta.RenderOptions{
		UseAssistantMessage:       true,
		AssistantMessageToolName:  defaultAssistantToolName,
		AssistantMessageToolKwarg: defaultAssistantToolKwarg,
	}
	if rc := run.RequestConfig; rc != nil {
		opts.UseAssistantMessage = rc.UseAssistantMessage
		opts.AssistantMessageToolName = cmp.Or(rc.AssistantMessageToolName, defaultAssistantToolName)
		opts.AssistantMessageToolKwarg = cmp.Or(rc.AssistantMessageToolKwarg, defaultAssistantToolKwarg)
	}
	out := letta.ToLettaMessages(msgs, opts)
	if out == nil {
		out = []letta.LettaMessage{}
	}
	return writeJSON(w, http.StatusOK, out)
}

// listRunSteps answers GET /v1/runs/{run_id}/steps: before/after/limit
// (100)/order (desc).
func (s *server) listRunSteps(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	page := q.page(defaultRunListLimit, false)
	if err := q.err(); err != nil {
		return err
	}
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	steps, err := s.cfg.Store.ListSteps(r.Context(), store.ListStepsParams{RunID: run.ID, Page: page})
	if err != nil {
		return notFound(err, "Step", cmp.Or(page.After, page.Before))
	}
	for _, st := range steps {
		normalizeStep(st)
	}
	return writeJSON(w, http.StatusOK, steps)
}

// runUsage is the body of GET /v1/runs/{run_id}/usage.
type runUsage struct {
	CompletionTokens int `json:"completion_tokens"`
	PromptTokens     int `json:"prompt_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// getRunUsage answers GET /v1/runs/{run_id}/usage: token sums over the
// run's steps.
func (s *server) getRunUsage(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	steps, err := s.cfg.Store.ListSteps(r.Context(), store.ListStepsParams{RunID: run.ID})
	if err != nil {
		return err
	}
	var u runUsage
	for _, st := range steps {
		u.CompletionTokens += st.CompletionTokens
		u.PromptTokens += st.PromptTokens
		u.TotalTokens += st.TotalTokens
	}
	return writeJSON(w, http.StatusOK, u)
}
