package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/pgtest"
	"github.com/letta-server/letta-server/internal/store/postgres"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// storeServer is a server (no engine) over one real store.
type storeServer struct {
	name  string
	store store.Store
	url   string
}

// forEachStore runs test as a parallel subtest for each of storeServers,
// named after the store.
func forEachStore(t *testing.T, test func(t *testing.T, ss storeServer)) {
	t.Helper()
	for _, ss := range storeServers(t) {
		t.Run(ss.name, func(t *testing.T) {
			t.Parallel()
			test(t, ss)
		})
	}
}

// env returns a client of the server for the test t.
func (ss storeServer) env(t *testing.T) *env {
	return &env{t: t, url: ss.url, store: ss.store, client: http.DefaultClient}
}

// storeServers returns a server over a fresh SQLite store and, when
// TEST_DATABASE_URL is set, one over a fresh Postgres schema (without it the
// Postgres case is skipped, or fails when LETTA_REQUIRE_PG=1).
func storeServers(t *testing.T) []storeServer {
	t.Helper()
	lite, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "letta.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = lite.Close() })
	out := []storeServer{{name: "sqlite", store: lite}}
	if pg := openPostgres(t); pg != nil {
		out = append(out, storeServer{name: "postgres", store: pg})
	}
	for i := range out {
		st := out[i].store
		srv := httptest.NewServer(api.New(api.Config{Store: st, Engine: agent.New(agent.Config{Store: st})}))
		t.Cleanup(srv.Close)
		out[i].url = srv.URL
	}
	return out
}

// openPostgres opens a migrated store on a new schema dropped at cleanup,
// or returns nil when there is no test database.
func openPostgres(t *testing.T) store.Store {
	t.Helper()
	dbURL := pgtest.DatabaseURL(t)
	if dbURL == "" {
		t.Log("TEST_DATABASE_URL is not set: SQLite only")
		return nil
	}
	_, schemaURL := pgtest.Schema(t, dbURL, "apitest")
	pg, err := postgres.Open(t.Context(), schemaURL, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = pg.Close() })
	return pg
}

// seededRun is one stored run of the listing fixture.
type seededRun struct {
	id, agent, status, stop string
	background              *bool
}

// seedRuns stores agents a, b and c and runs of every kind: statuses,
// stop reasons and background flags (unset, false, true), one millisecond
// apart. It returns the agents' ids and the runs in creation order.
func seedRuns(t *testing.T, st store.Store) (agents map[string]string, runs []seededRun) {
	t.Helper()
	ctx := t.Context()
	base := letta.Now().Add(-time.Hour)
	agents = map[string]string{}
	for i, name := range []string{"a", "b", "c"} {
		a, err := st.CreateAgent(ctx, store.CreateAgentParams{Agent: letta.Agent{
			ID:        letta.NewID(letta.PrefixAgent),
			Name:      "runs-" + name,
			AgentType: letta.AgentTypeLettaV1,
			LLMConfig: letta.LLMConfig{Model: "gpt-4o-mini", ModelEndpointType: "openai", ContextWindow: 128000},
			CreatedAt: base.Add(time.Duration(i) * time.Millisecond),
			UpdatedAt: base,
		}})
		if err != nil {
			t.Fatalf("create agent: %v", err)
		}
		agents[name] = a.ID
	}
	yes, no := letta.Ptr(true), letta.Ptr(false)
	specs := []struct {
		agent, status, stop string
		background          *bool
	}{
		{"a", letta.RunCompleted, letta.StopEndTurn, nil},
		{"b", letta.RunCompleted, letta.StopMaxSteps, yes},
		{"c", letta.RunCompleted, letta.StopMaxSteps, no},
		{"a", letta.RunFailed, letta.StopLLMAPIError, nil},
		{"b", letta.RunRunning, "", yes},
		{"a", letta.RunCompleted, letta.StopMaxSteps, no},
		{"c", letta.RunCreated, "", nil},
		{"b", letta.RunCancelled, letta.StopCancelled, nil},
		{"a", letta.RunCompleted, letta.StopMaxSteps, yes},
		{"b", letta.RunCompleted, letta.StopEndTurn, no},
	}
	for i, sp := range specs {
		at := base.Add(time.Second + time.Duration(i)*time.Millisecond)
		r := &letta.Run{
			ID:         letta.NewID(letta.PrefixRun),
			AgentID:    agents[sp.agent],
			Status:     sp.status,
			Metadata:   map[string]any{},
			Background: sp.background,
			JobType:    letta.JobTypeRun,
			CreatedAt:  at,
			UpdatedAt:  at,
		}
		if sp.stop != "" {
			r.Finish(sp.status, sp.stop, at)
		}
		if err := st.CreateRun(ctx, r); err != nil {
			t.Fatalf("create run: %v", err)
		}
		runs = append(runs, seededRun{id: r.ID, agent: sp.agent, status: sp.status, stop: sp.stop, background: sp.background})
	}
	return agents, runs
}

// pick returns the ids of the runs keep accepts, newest first (the
// default order of GET /v1/runs).
func pick(runs []seededRun, keep func(seededRun) bool) []string {
	out := []string{}
	for _, r := range slices.Backward(runs) {
		if keep(r) {
			out = append(out, r.id)
		}
	}
	return out
}

func TestListRunsFilters(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, ss storeServer) {
		e := ss.env(t)
		agents, runs := seedRuns(t, ss.store)
		a, b, c := agents["a"], agents["b"], agents["c"]
		of := func(names ...string) func(seededRun) bool {
			return func(r seededRun) bool { return slices.Contains(names, r.agent) }
		}
		isBackground := func(r seededRun) bool { return letta.Deref(r.background) }
		cases := []struct {
			name  string
			query string
			keep  func(seededRun) bool
		}{
			{"no filter", "", func(seededRun) bool { return true }},
			{"agent_ids repeated", "agent_ids=" + a + "&agent_ids=" + b, of("a", "b")},
			{"agent_ids comma-separated", "agent_ids=" + c + "," + b, of("b", "c")},
			{"one agent_ids", "agent_ids=" + c, of("c")},
			{"agent_id wins over agent_ids", "agent_id=" + c + "&agent_ids=" + a + "&agent_ids=" + b, of("c")},
			{"unknown agent", "agent_ids=agent-00000000-0000-4000-8000-000000000000", func(seededRun) bool { return false }},
			{"statuses", "statuses=failed&statuses=cancelled", func(r seededRun) bool {
				return r.status == letta.RunFailed || r.status == letta.RunCancelled
			}},
			{"stop_reason", "stop_reason=max_steps", func(r seededRun) bool { return r.stop == letta.StopMaxSteps }},
			{"stop_reason nobody has", "stop_reason=tool_rule", func(seededRun) bool { return false }},
			{"agent_ids and stop_reason", "agent_ids=" + a + "&agent_ids=" + b + "&stop_reason=max_steps", func(r seededRun) bool {
				return of("a", "b")(r) && r.stop == letta.StopMaxSteps
			}},
			{"background", "background=true", isBackground},
			{"not background (unset counts)", "background=false", func(r seededRun) bool { return !isBackground(r) }},
			{"background and stop_reason", "background=true&stop_reason=max_steps", func(r seededRun) bool {
				return isBackground(r) && r.stop == letta.StopMaxSteps
			}},
			{"active", "active=true", func(r seededRun) bool { return !letta.RunDone(r.status) }},
			{"active ignored beside statuses", "active=true&statuses=completed", func(r seededRun) bool { return r.status == letta.RunCompleted }},
			{"conversation_id matches nothing", "conversation_id=conv-1", func(seededRun) bool { return false }},
		}
		for _, tc := range cases {
			var got []letta.Run
			e.ok("GET", "/v1/runs/?"+tc.query, nil, &got)
			want := pick(runs, tc.keep)
			if diff := cmp.Diff(want, runIDs(got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: ids mismatch (-want +got):\n%s", tc.name, diff)
			}
		}

		var asc []letta.Run
		e.ok("GET", "/v1/runs?order=asc&stop_reason=max_steps", nil, &asc)
		want := pick(runs, func(r seededRun) bool { return r.stop == letta.StopMaxSteps })
		slices.Reverse(want)
		if diff := cmp.Diff(want, runIDs(asc)); diff != "" {
			t.Errorf("order=asc: ids mismatch (-want +got):\n%s", diff)
		}

		var active []letta.Run
		e.ok("GET", "/v1/runs/active?agent_ids="+b+"&agent_ids="+c+"&background=true", nil, &active)
		if diff := cmp.Diff(pick(runs, func(r seededRun) bool {
			return of("b", "c")(r) && isBackground(r) && !letta.RunDone(r.status)
		}), runIDs(active), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("active runs: ids mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestListRunsPagesFiltered walks a filtered list two at a time, as the
// 1.x SDK does (after=<last id> until an empty page): the pages hold only
// matching runs, none twice, none missed.
func TestListRunsPagesFiltered(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, ss storeServer) {
		e := ss.env(t)
		agents, runs := seedRuns(t, ss.store)
		filter := "agent_ids=" + agents["a"] + "&agent_ids=" + agents["b"] + "&statuses=completed&statuses=running"
		want := pick(runs, func(r seededRun) bool {
			return (r.agent == "a" || r.agent == "b") && (r.status == letta.RunCompleted || r.status == letta.RunRunning)
		})
		got := []string{}
		after := ""
		for range len(runs) + 1 {
			var page []letta.Run
			e.ok("GET", "/v1/runs?limit=2&"+filter+after, nil, &page)
			if len(page) == 0 {
				break
			}
			if len(page) > 2 {
				t.Fatalf("page of %d runs with limit=2", len(page))
			}
			got = append(got, runIDs(page)...)
			after = "&after=" + page[len(page)-1].ID
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("walked ids mismatch (-want +got):\n%s", diff)
		}
		// A page before a cursor, too.
		var before []letta.Run
		e.ok("GET", "/v1/runs?"+filter+"&before="+want[3], nil, &before)
		if diff := cmp.Diff(want[:3], runIDs(before)); diff != "" {
			t.Errorf("before: ids mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestListRunsRejectsBadFilters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cases := []struct {
		query string
		loc   []any
	}{
		{"statuses=completed&statuses=done", []any{"query", "statuses", 1.0}},
		{"statuses=completed,pending", []any{"query", "statuses", 1.0}},
		{"stop_reason=finished", []any{"query", "stop_reason"}},
		{"background=maybe", []any{"query", "background"}},
		{"active=sometimes", []any{"query", "active"}},
		{"order_by=updated_at", []any{"query", "order_by"}},
		{"order=up", []any{"query", "order"}},
		{"limit=0", []any{"query", "limit"}},
	}
	for _, tc := range cases {
		r := e.do("GET", "/v1/runs/?"+tc.query, nil)
		r.expect(t, http.StatusUnprocessableEntity)
		var body struct {
			Detail []struct {
				Loc  []any  `json:"loc"`
				Msg  string `json:"msg"`
				Type string `json:"type"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil || len(body.Detail) != 1 {
			t.Errorf("%s: body %s, want one field error", tc.query, r.body)
			continue
		}
		if diff := cmp.Diff(tc.loc, body.Detail[0].Loc); diff != "" || body.Detail[0].Msg == "" {
			t.Errorf("%s: error %+v (loc -want +got):\n%s", tc.query, body.Detail[0], diff)
		}
	}
	e.do("GET", "/v1/runs/active?background=maybe", nil).expect(t, http.StatusUnprocessableEntity)
	// Every member of Letta's StopReasonType is accepted.
	for _, reason := range []string{"end_turn", "insufficient_credits", "context_window_overflow_in_system_prompt", "requires_approval"} {
		e.do("GET", "/v1/runs?stop_reason="+reason, nil).expect(t, http.StatusOK)
	}
}

func runIDs(runs []letta.Run) []string {
	out := []string{}
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}
