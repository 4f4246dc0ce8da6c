package api

import (
	"net/http"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// Jobs (/v1/jobs, used by the 0.1.x SDKs).
//
// In Letta a run is a job whose job_type is "run"; the other job types are
// file uploads ("job") and LLM batches ("batch"). Letta's job lists ask
// for job_type "job" only, so they never show runs, while a job id reads,
// deletes or cancels any job, runs included. This server has no file
// uploads or batches: its job lists are always empty, and a run id names
// that run, answered in the Job shape.

// job is Letta's Job: a Run without its request config.
type job struct {
	ID                 string         `json:"id"`
	AgentID            string         `json:"agent_id"`
	Status             string         `json:"status"`
	StopReason         *string        `json:"stop_reason"`
	Metadata           map[string]any `json:"metadata"`
	JobType            string         `json:"job_type"`
	Background         *bool          `json:"background"`
	CallbackURL        *string        `json:"callback_url"`
	CallbackSentAt     *time.Time     `json:"callback_sent_at"`
	CallbackStatusCode *int           `json:"callback_status_code"`
	CallbackError      *string        `json:"callback_error"`
	TTFTNs             *int64         `json:"ttft_ns"`
	TotalDurationNs    *int64         `json:"total_duration_ns"`
	CreatedByID        *string        `json:"created_by_id"`
	LastUpdatedByID    *string        `json:"last_updated_by_id"`
	CompletedAt        *time.Time     `json:"completed_at"`
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
}

// jobOf returns the run in the Job shape.
func jobOf(r *letta.Run) job {
	r = normalizeRun(r)
	return job{
		ID:                 r.ID,
		AgentID:            r.AgentID,
		Status:             r.Status,
		StopReason:         r.StopReason,
		Metadata:           r.Metadata,
		JobType:            r.JobType,
		Background:         r.Background,
		CallbackURL:        r.CallbackURL,
		CallbackSentAt:     r.CallbackSentAt,
		CallbackStatusCode: r.CallbackStatusCode,
		CallbackError:      r.CallbackError,
		TTFTNs:             r.TTFTNs,
		TotalDurationNs:    r.TotalDurationNs,
		CreatedByID:        r.CreatedByID,
		LastUpdatedByID:    r.LastUpdatedByID,
		CompletedAt:        r.CompletedAt,
		CreatedAt:          r.CreatedAt,
		UpdatedAt:          r.UpdatedAt,
	}
}

// listJobs answers GET /v1/jobs and GET /v1/jobs/active: Letta lists jobs
// of type "job" only, and there are none here (see above). The paging
// parameters are still checked.
func (s *server) listJobs(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	q.page(defaultRunListLimit, true)
	q.boolean("active", false)
	if by := q.str("order_by"); by != "" && by != "created_at" {
		q.errs.add("Input should be 'created_at'", "query", "order_by")
	}
	if err := q.err(); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, []job{})
}

// loadJob returns the run named by the {job_id} path parameter; 404 "Job
// not found" for any other id.
func (s *server) loadJob(r *http.Request) (*letta.Run, error) {
	return s.runByParam(r, "job_id", "Job")
}

// getJob answers GET /v1/jobs/{job_id}.
func (s *server) getJob(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadJob(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jobOf(run))
}

// deleteJob answers DELETE /v1/jobs/{job_id} as DELETE /v1/runs/{run_id}
// does: an active run is cancelled first; the deleted job is returned.
func (s *server) deleteJob(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadJob(r)
	if err != nil {
		return err
	}
	if err := s.removeRun(r, run, "Job"); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jobOf(run))
}

// cancelJob answers PATCH /v1/jobs/{job_id}/cancel with the cancelled job;
// 409 when it has already ended. (Letta answers a bare boolean here, which
// its own response model rejects, so its clients got a 500; this answers
// as POST /v1/runs/{run_id}/cancel does.)
func (s *server) cancelJob(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadJob(r)
	if err != nil {
		return err
	}
	if cancelled, err := s.cancelRun(r, run); err != nil {
		return err
	} else if !cancelled {
		return alreadyEnded("Job", run)
	}
	return writeJSON(w, http.StatusOK, jobOf(run))
}
