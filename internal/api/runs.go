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

// runStatuses are the values of the statuses filter (Letta's RunStatus).
var runStatuses = []string{letta.RunCreated, letta.RunRunning, letta.RunCompleted, letta.RunFailed, letta.RunCancelled}

// stopReasons are the values of the stop_reason filter: Letta's
// StopReasonType, every era's members.
var stopReasons = []string{
	letta.StopEndTurn, letta.StopError, letta.StopLLMAPIError, letta.StopInvalidLLMResponse,
	letta.StopInvalidToolCall, letta.StopMaxSteps, letta.StopMaxTokensExceeded, letta.StopNoToolCall,
	letta.StopToolRule, letta.StopCancelled, "insufficient_credits", letta.StopRequiresApproval,
	letta.StopContextOverflowInSystemPrompt,
}

// runFilters reads the filters that GET /v1/runs and /v1/runs/active share:
// agent_id, agent_ids (repeated, as both SDK generations send arrays, or
// comma-separated) and background. agent_id wins over agent_ids, as in
// Letta.
func runFilters(q *query) store.ListRunsParams {
	p := store.ListRunsParams{AgentIDs: q.strs("agent_ids", true)}
	if id := q.str("agent_id"); id != "" {
		p.AgentIDs = []string{id}
	}
	if q.has("background") {
		p.Background = letta.Ptr(q.boolean("background", false))
	}
	return p
}

// oneOf checks that every value is in allowed; a stray one is a 422 at
// loc, whose last element is the value's index for a list parameter.
func oneOf(q *query, values, allowed []string, name string, list bool) {
	for i, v := range values {
		if slices.Contains(allowed, v) {
			continue
		}
		loc := []any{"query", name}
		if list {
			loc = append(loc, i)
		}
		q.errs = append(q.errs, fieldError{Loc: loc, Msg: "Input should be " + quotedList(allowed), Type: "enum"})
	}
}

// quotedList renders values as pydantic does in enum errors: 'a', 'b' or 'c'.
func quotedList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "'" + v + "'"
	}
	last := len(quoted) - 1
	if last == 0 {
		return quoted[0]
	}
	return strings.Join(quoted[:last], ", ") + " or " + quoted[last]
}

// listRuns answers GET /v1/runs: runFilters, statuses, stop_reason, active
// (ignored when statuses are given, as in Letta), conversation_id,
// before/after/limit (100)/order (desc). Every filter is part of the store
// query, so pages stay full and cursors stay right. No run belongs to a
// conversation here, so conversation_id matches nothing.
func (s *server) listRuns(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := runFilters(q)
	p.Statuses = q.strs("statuses", true)
	p.Active = len(p.Statuses) == 0 && q.boolean("active", false)
	p.StopReason = q.str("stop_reason")
	p.Page = q.page(defaultRunListLimit, false)
	oneOf(q, p.Statuses, runStatuses, "statuses", true)
	if p.StopReason != "" {
		oneOf(q, []string{p.StopReason}, stopReasons, "stop_reason", false)
	}
	if by := q.str("order_by"); by != "" && by != "created_at" {
		q.errs.add("Input should be 'created_at'", "query", "order_by")
	}
	conversationID := q.str("conversation_id")
	if err := q.err(); err != nil {
		return err
	}
	if conversationID != "" {
		return writeRuns(w, []*letta.Run{})
	}
	runs, err := s.cfg.Store.ListRuns(r.Context(), p)
	if err != nil {
		return notFound(err, "Run", cmp.Or(p.Page.After, p.Page.Before))
	}
	return writeRuns(w, runs)
}

// listActiveRuns answers GET /v1/runs/active: the runs not yet ended,
// newest first, with runFilters.
func (s *server) listActiveRuns(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := runFilters(q)
	p.Active = true
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
	return s.runByParam(r, "run_id", "Run")
}

// runByParam returns the run named by the path parameter param; a 404
// names it as resource (a run is also a job).
func (s *server) runByParam(r *http.Request, param, resource string) (*letta.Run, error) {
	id := chi.URLParam(r, param)
	run, err := s.cfg.Store.GetRun(r.Context(), id)
	if err != nil {
		return nil, notFound(err, resource, id)
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
	if err := s.removeRun(r, run, "Run"); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, normalizeRun(run))
}

// removeRun cancels run if it is still active, then deletes it (a 404
// names it as resource).
func (s *server) removeRun(r *http.Request, run *letta.Run, resource string) error {
	if !letta.RunDone(run.Status) {
		if _, err := s.cancelRun(r, run); err != nil {
			return err
		}
	}
	if err := s.cfg.Store.DeleteRun(r.Context(), run.ID); err != nil {
		return notFound(err, resource, run.ID)
	}
	return nil
}

// cancelRun marks an active run cancelled in the store (so every replica
// sees it) and stops it if this process executes it. The stored run is
// locked and read again first: when it ended meanwhile, its outcome stays
// and cancelRun reports false. run is set to the stored run.
func (s *server) cancelRun(r *http.Request, run *letta.Run) (cancelled bool, err error) {
	ctx := r.Context()
	err = s.cfg.Store.InTx(ctx, func(tx store.Store) error {
		stored, err := store.Locked(ctx, tx, store.RunRow, run.ID, tx.GetRun)
		if err != nil {
			return err
		}
		*run = *stored
		if letta.RunDone(run.Status) {
			return nil
		}
		run.Finish(letta.RunCancelled, letta.StopCancelled, letta.Now())
		cancelled = true
		return tx.UpdateRun(ctx, run)
	})
	if err != nil {
		return false, notFound(err, "Run", run.ID)
	}
	if cancelled {
		s.runs.cancel(run.ID)
	}
	return cancelled, nil
}

// alreadyEnded is the 409 for cancelling a run (or job) that has ended.
func alreadyEnded(resource string, run *letta.Run) error {
	return errorf(http.StatusConflict, "%s %s has already ended with status %s", resource, run.ID, run.Status)
}

// cancelOneRun answers POST /v1/runs/{run_id}/cancel with the run; 409
// when it has already ended.
func (s *server) cancelOneRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	if cancelled, err := s.cancelRun(r, run); err != nil {
		return err
	} else if !cancelled {
		return alreadyEnded("Run", run)
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
	runs, err := s.cfg.Store.ListRuns(r.Context(), store.ListRunsParams{AgentIDs: []string{a.ID}, Active: true, Page: store.Page{Ascending: true}})
	if err != nil {
		return err
	}
	out := map[string]string{}
	for _, run := range runs {
		if req.RunIDs != nil && !slices.Contains(req.RunIDs, run.ID) {
			continue
		}
		cancelled, err := s.cancelRun(r, run)
		if err != nil {
			return err
		}
		if cancelled {
			out[run.ID] = letta.RunCancelled
		}
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
