package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

func newRun(c *clock, agentID, status string) *letta.Run {
	now := c.now()
	return &letta.Run{
		ID:       letta.NewID(letta.PrefixRun),
		AgentID:  agentID,
		Status:   status,
		Metadata: map[string]any{"source": "storetest"},
		RequestConfig: &letta.RequestConfig{
			UseAssistantMessage:       true,
			AssistantMessageToolName:  "send_message",
			AssistantMessageToolKwarg: "message",
			IncludeReturnMessageTypes: []string{"assistant_message"},
		},
		CallbackURL: letta.Ptr("http://127.0.0.1:9/hook"),
		Background:  letta.Ptr(false),
		JobType:     letta.JobTypeRun,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
}

func runID(r *letta.Run) string { return r.ID }

func testRuns(t *testing.T, newStore newStoreFunc) {
	t.Run("CRUD", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		r := newRun(c, a.ID, letta.RunCreated)
		must(t, "CreateRun", s.CreateRun(ctx, r))
		wantErr(t, "CreateRun with a taken id", s.CreateRun(ctx, r), store.ErrConflict)
		wantErr(t, "CreateRun for an unknown agent", s.CreateRun(ctx, newRun(c, "agent-nope", letta.RunCreated)), store.ErrNotFound)
		got, err := s.GetRun(ctx, r.ID)
		must(t, "GetRun", err)
		if diff := cmp.Diff(r, got, cmpOpts); diff != "" {
			t.Errorf("GetRun mismatch (-want +got):\n%s", diff)
		}
		_, err = s.GetRun(ctx, "run-nope")
		wantErr(t, "GetRun of an unknown id", err, store.ErrNotFound)

		upd := *got
		upd.Finish(letta.RunCompleted, letta.StopEndTurn, c.now())
		upd.Metadata = map[string]any{"result": map[string]any{"messages": []any{"x"}}}
		upd.CallbackSentAt = letta.Ptr(c.now())
		upd.CallbackStatusCode = letta.Ptr(204)
		upd.CallbackError = letta.Ptr("none")
		upd.TTFTNs = letta.Ptr(int64(12345))
		must(t, "UpdateRun", s.UpdateRun(ctx, &upd))
		if !upd.UpdatedAt.After(r.UpdatedAt) {
			t.Errorf("UpdatedAt %v not after %v", upd.UpdatedAt, r.UpdatedAt)
		}
		got, err = s.GetRun(ctx, r.ID)
		must(t, "GetRun after update", err)
		if diff := cmp.Diff(&upd, got, cmpOpts); diff != "" {
			t.Errorf("after UpdateRun (-want +got):\n%s", diff)
		}
		missing := newRun(c, a.ID, letta.RunRunning)
		wantErr(t, "UpdateRun of an unknown id", s.UpdateRun(ctx, missing), store.ErrNotFound)

		must(t, "DeleteRun", s.DeleteRun(ctx, upd.ID))
		_, err = s.GetRun(ctx, r.ID)
		wantErr(t, "GetRun after DeleteRun", err, store.ErrNotFound)
		wantErr(t, "DeleteRun again", s.DeleteRun(ctx, r.ID), store.ErrNotFound)

		r2 := newRun(c, a.ID, letta.RunRunning)
		must(t, "CreateRun", s.CreateRun(ctx, r2))
		must(t, "DeleteAgent", s.DeleteAgent(ctx, a.ID))
		_, err = s.GetRun(ctx, r2.ID)
		wantErr(t, "GetRun after DeleteAgent", err, store.ErrNotFound)
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		b := plainAgent(ctx, t, s, c, "b")
		mk := func(agent, status string) *letta.Run {
			r := newRun(c, agent, status)
			must(t, "CreateRun", s.CreateRun(ctx, r))
			return r
		}
		r1 := mk(a.ID, letta.RunCompleted)
		r2 := mk(a.ID, letta.RunRunning)
		r3 := mk(b.ID, letta.RunCreated)
		r4 := mk(a.ID, letta.RunFailed)
		r5 := mk(b.ID, letta.RunCancelled)
		cases := []runListCase{
			{"all", store.ListRunsParams{}, []*letta.Run{r1, r2, r3, r4, r5}},
			{"agent", store.ListRunsParams{AgentIDs: []string{a.ID}}, []*letta.Run{r1, r2, r4}},
			{"agents", store.ListRunsParams{AgentIDs: []string{b.ID, a.ID}}, []*letta.Run{r1, r2, r3, r4, r5}},
			{"unknown agent", store.ListRunsParams{AgentIDs: []string{"agent-nope"}}, nil},
			{"statuses", store.ListRunsParams{Statuses: []string{letta.RunFailed, letta.RunCompleted}}, []*letta.Run{r1, r4}},
			{"active", store.ListRunsParams{Active: true}, []*letta.Run{r2, r3}},
			{"active of agent", store.ListRunsParams{AgentIDs: []string{b.ID}, Active: true}, []*letta.Run{r3}},
			{"active and statuses", store.ListRunsParams{Active: true, Statuses: []string{letta.RunRunning}}, []*letta.Run{r2}},
			{"nothing", store.ListRunsParams{Statuses: []string{"nope"}}, nil},
		}
		checkRunLists(ctx, t, s, cases)
		got, err := s.ListRuns(ctx, store.ListRunsParams{Statuses: []string{letta.RunCancelled}})
		must(t, "ListRuns", err)
		if diff := cmp.Diff([]*letta.Run{r5}, got, cmpOpts); diff != "" {
			t.Errorf("listed run mismatch (-want +got):\n%s", diff)
		}
		checkPaging(t, ids([]*letta.Run{r1, r2, r3, r4, r5}, runID), func(p store.Page) ([]string, error) {
			got, err := s.ListRuns(ctx, store.ListRunsParams{Page: p})
			return ids(got, runID), err
		})
	})

	t.Run("ListByOutcome", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		b := plainAgent(ctx, t, s, c, "b")
		d := plainAgent(ctx, t, s, c, "d")
		// mk stores a run; stop "" leaves it running, background nil
		// leaves the flag unset (null), as for runs that are not streams.
		mk := func(agent, stop string, background *bool) *letta.Run {
			r := newRun(c, agent, letta.RunRunning)
			r.Background = background
			if stop != "" {
				r.Finish(letta.RunCompleted, stop, c.now())
			}
			must(t, "CreateRun", s.CreateRun(ctx, r))
			return r
		}
		yes, no := letta.Ptr(true), letta.Ptr(false)
		r1 := mk(a.ID, letta.StopEndTurn, nil)
		r2 := mk(b.ID, letta.StopMaxSteps, yes)
		r3 := mk(a.ID, letta.StopMaxSteps, no)
		r4 := mk(d.ID, letta.StopMaxSteps, yes)
		r5 := mk(b.ID, "", yes)
		r6 := mk(a.ID, letta.StopEndTurn, yes)
		r7 := mk(b.ID, letta.StopMaxSteps, nil)
		cases := []runListCase{
			{"stop reason", store.ListRunsParams{StopReason: letta.StopMaxSteps}, []*letta.Run{r2, r3, r4, r7}},
			{"other stop reason", store.ListRunsParams{StopReason: letta.StopEndTurn}, []*letta.Run{r1, r6}},
			{"unused stop reason", store.ListRunsParams{StopReason: letta.StopToolRule}, nil},
			{"background", store.ListRunsParams{Background: yes}, []*letta.Run{r2, r4, r5, r6}},
			{"not background, null included", store.ListRunsParams{Background: no}, []*letta.Run{r1, r3, r7}},
			{"agents and stop reason", store.ListRunsParams{AgentIDs: []string{a.ID, b.ID}, StopReason: letta.StopMaxSteps}, []*letta.Run{r2, r3, r7}},
			{"agents, stop reason and background", store.ListRunsParams{AgentIDs: []string{a.ID, b.ID}, StopReason: letta.StopMaxSteps, Background: yes}, []*letta.Run{r2}},
			{"active background", store.ListRunsParams{Active: true, Background: yes}, []*letta.Run{r5}},
			{"statuses and stop reason", store.ListRunsParams{Statuses: []string{letta.RunRunning}, StopReason: letta.StopMaxSteps}, nil},
		}
		checkRunLists(ctx, t, s, cases)
		// Filters are part of the query, so a page of a filtered list is
		// full of matching runs, and cursors step over the others.
		filtered := store.ListRunsParams{AgentIDs: []string{a.ID, b.ID}, StopReason: letta.StopMaxSteps}
		more := mk(a.ID, letta.StopMaxSteps, nil)
		mk(d.ID, letta.StopMaxSteps, no)
		last := mk(b.ID, letta.StopMaxSteps, yes)
		checkPaging(t, ids([]*letta.Run{r2, r3, r7, more, last}, runID), func(p store.Page) ([]string, error) {
			q := filtered
			q.Page = p
			got, err := s.ListRuns(ctx, q)
			return ids(got, runID), err
		})
	})

	t.Run("MarkInterrupted", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		done := newRun(c, a.ID, letta.RunCompleted)
		running := newRun(c, a.ID, letta.RunRunning)
		created := newRun(c, a.ID, letta.RunCreated)
		for _, r := range []*letta.Run{done, running, created} {
			must(t, "CreateRun", s.CreateRun(ctx, r))
		}
		// Not marked: a run of an agent whose turn lease is held (a live
		// process runs or waits for it), and one created after the cutoff.
		busy := plainAgent(ctx, t, s, c, "busy")
		leased := newRun(c, busy.ID, letta.RunRunning)
		must(t, "CreateRun", s.CreateRun(ctx, leased))
		if ok, err := s.AcquireLease(ctx, busy.ID, "live-holder", time.Minute); err != nil || !ok {
			t.Fatalf("AcquireLease = %v, %v", ok, err)
		}
		cutoff := c.now()
		late := newRun(c, a.ID, letta.RunRunning)
		must(t, "CreateRun", s.CreateRun(ctx, late))

		n, err := s.MarkInterruptedRuns(ctx, cutoff)
		must(t, "MarkInterruptedRuns", err)
		if n != 2 {
			t.Errorf("MarkInterruptedRuns = %d, want 2", n)
		}
		for _, r := range []*letta.Run{running, created} {
			got, err := s.GetRun(ctx, r.ID)
			must(t, "GetRun", err)
			if got.Status != letta.RunFailed || got.StopReason == nil || *got.StopReason != letta.StopError ||
				got.CompletedAt == nil || got.Metadata["error"] != letta.InterruptedRunError {
				t.Errorf("interrupted run = %+v, want failed with stop reason error", got)
			}
			if got.Metadata["source"] != "storetest" {
				t.Errorf("metadata %v lost its old keys", got.Metadata)
			}
		}
		got, err := s.GetRun(ctx, done.ID)
		must(t, "GetRun", err)
		if diff := cmp.Diff(done, got, cmpOpts); diff != "" {
			t.Errorf("finished run changed (-want +got):\n%s", diff)
		}
		for _, r := range []*letta.Run{leased, late} {
			got, err := s.GetRun(ctx, r.ID)
			must(t, "GetRun", err)
			if got.Status != letta.RunRunning {
				t.Errorf("run %s (leased agent or after the cutoff) marked %s", r.ID, got.Status)
			}
		}
		n, err = s.MarkInterruptedRuns(ctx, cutoff)
		must(t, "MarkInterruptedRuns again", err)
		if n != 0 {
			t.Errorf("second MarkInterruptedRuns = %d, want 0", n)
		}
		// Once the lease is gone, the leased agent's run is interrupted too.
		must(t, "ReleaseLease", s.ReleaseLease(ctx, busy.ID, "live-holder"))
		if n, err = s.MarkInterruptedRuns(ctx, cutoff); err != nil || n != 1 {
			t.Errorf("MarkInterruptedRuns after the lease's release = %d, %v; want 1", n, err)
		}
	})
}

// runListCase is a ListRuns query and the runs it must list, oldest first.
type runListCase struct {
	name string
	p    store.ListRunsParams
	want []*letta.Run
}

// checkRunLists runs each case in ascending order and compares the ids.
func checkRunLists(ctx context.Context, t *testing.T, s store.Store, cases []runListCase) {
	t.Helper()
	for _, tc := range cases {
		tc.p.Page.Ascending = true
		got, err := s.ListRuns(ctx, tc.p)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got == nil {
			t.Errorf("%s: nil slice, want non-nil", tc.name)
		}
		if diff := cmp.Diff(ids(tc.want, runID), ids(got, runID), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: ids mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}
