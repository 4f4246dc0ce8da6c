package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
)

// TestJobsAreRuns: Letta's job lists show jobs of type "job" only (file
// uploads, which this server has none of), while a job id may name a run,
// answered in the Job shape.
func TestJobsAreRuns(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, ss storeServer) {
		e := ss.env(t)
		_, runs := seedRuns(t, ss.store)
		for _, path := range []string{"/v1/jobs/", "/v1/jobs", "/v1/jobs/active", "/v1/jobs/?source_id=source-1&limit=5&ascending=false", "/v1/jobs/?order=desc&active=true"} {
			r := e.do("GET", path, nil)
			r.expect(t, http.StatusOK)
			if got := ids(t, r.body); len(got) != 0 {
				t.Errorf("GET %s = %s, want []", path, r.body)
			}
		}

		done := runs[1] // completed, max_steps, background
		var got map[string]any
		e.ok("GET", "/v1/jobs/"+done.id, nil, &got)
		want := map[string]any{"id": done.id, "job_type": "run", "status": "completed", "stop_reason": "max_steps", "background": true}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("job %s = %v, want %v", k, got[k], v)
			}
		}
		for _, k := range []string{"created_at", "updated_at", "completed_at", "metadata", "agent_id", "callback_url", "ttft_ns", "total_duration_ns"} {
			if _, ok := got[k]; !ok {
				t.Errorf("job lacks %s: %v", k, got)
			}
		}
		if _, ok := got["request_config"]; ok {
			t.Errorf("a job has no request_config: %v", got)
		}

		// Cancel: an active run is cancelled; an ended one is a 409.
		active := runs[4] // running
		var cancelled letta.Run
		e.ok("PATCH", "/v1/jobs/"+active.id+"/cancel", nil, &cancelled)
		if cancelled.Status != letta.RunCancelled || letta.Deref(cancelled.StopReason) != letta.StopCancelled {
			t.Errorf("cancelled job = %+v", cancelled)
		}
		var run letta.Run
		e.ok("GET", "/v1/runs/"+active.id, nil, &run)
		if run.Status != letta.RunCancelled {
			t.Errorf("run after the job's cancel = %s", run.Status)
		}
		e.do("PATCH", "/v1/jobs/"+active.id+"/cancel", nil).expect(t, http.StatusConflict)

		// Delete: the job is returned, then gone as job and as run.
		var deleted map[string]any
		e.ok("DELETE", "/v1/jobs/"+done.id, nil, &deleted)
		if deleted["id"] != done.id || deleted["status"] != "completed" {
			t.Errorf("deleted job = %v", deleted)
		}
		e.do("GET", "/v1/jobs/"+done.id, nil).expect(t, http.StatusNotFound)
		e.do("GET", "/v1/runs/"+done.id, nil).expect(t, http.StatusNotFound)
		var left []letta.Run
		e.ok("GET", "/v1/runs", nil, &left)
		if slices.ContainsFunc(left, func(r letta.Run) bool { return r.ID == done.id }) || len(left) != len(runs)-1 {
			t.Errorf("runs after the job's delete: %d", len(left))
		}

		// Unknown ids are 404s with a JSON detail.
		missing := "job-00000000-0000-4000-8000-000000000000"
		for _, req := range []struct{ method, path string }{
			{"GET", "/v1/jobs/" + missing},
			{"DELETE", "/v1/jobs/" + missing},
			{"PATCH", "/v1/jobs/" + missing + "/cancel"},
			{"GET", "/v1/jobs/" + done.id},
		} {
			r := e.do(req.method, req.path, nil)
			r.expect(t, http.StatusNotFound)
			var body struct {
				Detail string `json:"detail"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil || body.Detail == "" {
				t.Errorf("%s %s: body %s", req.method, req.path, r.body)
			}
		}
	})
}

func TestListJobsRejectsBadParams(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, q := range []string{"limit=0", "limit=x", "ascending=maybe", "order=up", "order_by=id", "active=2x"} {
		e.do("GET", "/v1/jobs/?"+q, nil).expect(t, http.StatusUnprocessableEntity)
	}
}
