package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

func newStep(c *clock, agentID, runID, model string) *letta.Step {
	now := c.now()
	return &letta.Step{
		ID:                 letta.NewID(letta.PrefixStep),
		Origin:             letta.Ptr("http://127.0.0.1"),
		RunID:              letta.Ptr(runID),
		AgentID:            agentID,
		ProviderName:       letta.Ptr("openai"),
		ProviderCategory:   letta.Ptr("base"),
		Model:              letta.Ptr(model),
		ModelHandle:        letta.Ptr("openai/" + model),
		ContextWindowLimit: letta.Ptr(8192),
		Tags:               []string{},
		Messages:           []any{},
		Status:             letta.StepPending,
		CreatedAt:          now,
		UpdatedAt:          now,
	}
}

func testSteps(t *testing.T, newStore newStoreFunc) {
	t.Run("CRUD", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		st := newStep(c, a.ID, "run-1", "gpt-4o")
		must(t, "CreateStep", s.CreateStep(ctx, st))
		wantErr(t, "CreateStep with a taken id", s.CreateStep(ctx, st), store.ErrConflict)
		got, err := s.GetStep(ctx, st.ID)
		must(t, "GetStep", err)
		if diff := cmp.Diff(st, got, cmpOpts); diff != "" {
			t.Errorf("GetStep mismatch (-want +got):\n%s", diff)
		}

		upd := *st
		upd.Status = letta.StepSuccess
		upd.PromptTokens, upd.CompletionTokens, upd.TotalTokens = 100, 20, 120
		upd.CachedInputTokens = letta.Ptr(50)
		upd.StopReason = letta.Ptr("end_turn")
		upd.CompletionTokensDetails = map[string]any{"reasoning_tokens": 3.0}
		upd.LLMRequestNs = letta.Ptr(int64(1_500_000))
		upd.StepNs = letta.Ptr(int64(2_000_000))
		upd.ErrorData = map[string]any{"message": "none"}
		upd.UpdatedAt = c.now()
		must(t, "UpdateStep", s.UpdateStep(ctx, &upd))
		got, err = s.GetStep(ctx, st.ID)
		must(t, "GetStep after update", err)
		if diff := cmp.Diff(&upd, got, cmpOpts, ignoreUpdatedAt); diff != "" {
			t.Errorf("after UpdateStep (-want +got):\n%s", diff)
		}
		if !got.CreatedAt.Equal(st.CreatedAt) {
			t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, st.CreatedAt)
		}
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		ctx, s := setup(t, newStore)
		c := newClock()
		a := plainAgent(ctx, t, s, c, "a")
		b := plainAgent(ctx, t, s, c, "b")
		mk := func(agent, run, model string) *letta.Step {
			st := newStep(c, agent, run, model)
			must(t, "CreateStep", s.CreateStep(ctx, st))
			return st
		}
		s1 := mk(a.ID, "run-1", "gpt-4o")
		s2 := mk(a.ID, "run-1", "gpt-4o-mini")
		mid := c.now()
		s3 := mk(b.ID, "run-2", "gpt-4o")
		s4 := mk(a.ID, "run-3", "gpt-4o")
		s5 := mk(b.ID, "run-2", "claude")
		start := s2.CreatedAt.Add(-time.Microsecond)
		end := s4.CreatedAt.Add(time.Microsecond)
		cases := []struct {
			name string
			p    store.ListStepsParams
			want []*letta.Step
		}{
			{"all", store.ListStepsParams{}, []*letta.Step{s1, s2, s3, s4, s5}},
			{"agent", store.ListStepsParams{AgentID: a.ID}, []*letta.Step{s1, s2, s4}},
			{"run", store.ListStepsParams{RunID: "run-2"}, []*letta.Step{s3, s5}},
			{"model", store.ListStepsParams{Model: "gpt-4o"}, []*letta.Step{s1, s3, s4}},
			{"start date", store.ListStepsParams{StartDate: &mid}, []*letta.Step{s3, s4, s5}},
			{"end date", store.ListStepsParams{EndDate: &mid}, []*letta.Step{s1, s2}},
			{"date range", store.ListStepsParams{StartDate: &start, EndDate: &end}, []*letta.Step{s2, s3, s4}},
			{"combined", store.ListStepsParams{AgentID: a.ID, Model: "gpt-4o", StartDate: &mid}, []*letta.Step{s4}},
			{"nothing", store.ListStepsParams{RunID: "run-9"}, nil},
		}
		for _, tc := range cases {
			tc.p.Page.Ascending = true
			got, err := s.ListSteps(ctx, tc.p)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if got == nil {
				t.Errorf("%s: nil slice, want non-nil", tc.name)
			}
			if diff := cmp.Diff(ids(tc.want, stepID), ids(got, stepID), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: ids mismatch (-want +got):\n%s", tc.name, diff)
			}
		}
		got, err := s.ListSteps(ctx, store.ListStepsParams{Model: "claude"})
		must(t, "ListSteps", err)
		if diff := cmp.Diff([]*letta.Step{s5}, got, cmpOpts); diff != "" {
			t.Errorf("listed step mismatch (-want +got):\n%s", diff)
		}
		checkPaging(t, ids([]*letta.Step{s1, s2, s3, s4, s5}, stepID), func(p store.Page) ([]string, error) {
			got, err := s.ListSteps(ctx, store.ListStepsParams{Page: p})
			return ids(got, stepID), err
		})
	})
}
