// Package storetest is the one contract suite every store.Store
// implementation must pass. A backend's _test.go calls Run with a
// constructor that returns a fresh, migrated, empty store per call.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// newStoreFunc returns a fresh, migrated, empty store for one test. It
// registers its own cleanup with t.
type newStoreFunc = func(t *testing.T) store.Store

// Run runs every contract subtest against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Backend", func(t *testing.T) { testBackend(t, newStore) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, newStore) })
	t.Run("Agents", func(t *testing.T) { testAgents(t, newStore) })
	t.Run("AgentBlocks", func(t *testing.T) { testAgentBlocks(t, newStore) })
	t.Run("ReadsAreCopies", func(t *testing.T) { testReadsAreCopies(t, newStore) })
	t.Run("Blocks", func(t *testing.T) { testBlocks(t, newStore) })
	t.Run("Tools", func(t *testing.T) { testTools(t, newStore) })
	t.Run("Messages", func(t *testing.T) { testMessages(t, newStore) })
	t.Run("MessageCounts", func(t *testing.T) { testMessageCounts(t, newStore) })
	t.Run("AgentRunState", func(t *testing.T) { testAgentRunState(t, newStore) })
	t.Run("Steps", func(t *testing.T) { testSteps(t, newStore) })
	t.Run("Runs", func(t *testing.T) { testRuns(t, newStore) })
	t.Run("RunChunks", func(t *testing.T) { testRunChunks(t, newStore) })
	t.Run("Passages", func(t *testing.T) { testPassages(t, newStore) })
	t.Run("PassageCounts", func(t *testing.T) { testPassageCounts(t, newStore) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, newStore) })
	t.Run("Identities", func(t *testing.T) { testIdentities(t, newStore) })
	t.Run("InTx", func(t *testing.T) { testInTx(t, newStore) })
	t.Run("Fresh", func(t *testing.T) { testFresh(t, newStore) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, newStore) })
}

// setup returns a context bound to the test and a fresh store.
func setup(t *testing.T, newStore newStoreFunc) (context.Context, store.Store) {
	t.Helper()
	s := newStore(t)
	if s == nil {
		t.Fatal("newStore returned nil")
	}
	return t.Context(), s
}

func testBackend(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	switch b := s.Backend(); b {
	case store.BackendSQLite, store.BackendPostgres:
	default:
		t.Fatalf("Backend() = %q, an unknown backend", b)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// cmpOpts compares letta records: nil and empty lists/maps are equal, times
// compare with Equal (the stores keep microseconds exactly), and tool rules
// compare by the JSON they write (they keep unknown fields privately).
var cmpOpts = cmp.Options{
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b letta.ToolRule) bool { return jsonEqual(a, b) }),
}

// ignoreUpdatedAt leaves out fields a store sets itself on update.
var ignoreUpdatedAt = cmp.Options{
	cmpopts.IgnoreFields(letta.Agent{}, "UpdatedAt"),
	cmpopts.IgnoreFields(letta.Block{}, "UpdatedAt"),
	cmpopts.IgnoreFields(letta.Tool{}, "UpdatedAt"),
	cmpopts.IgnoreFields(letta.Step{}, "UpdatedAt"),
}

func jsonEqual(a, b any) bool {
	return reflect.DeepEqual(jsonValue(a), jsonValue(b))
}

func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// wantErr fails the test unless errors.Is(err, want).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

// must fails the test on a non-nil error.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// clock hands out distinct, increasing timestamps at microsecond precision,
// so lists ordered by creation are deterministic.
type clock struct {
	mu   sync.Mutex
	next time.Time
}

func newClock() *clock {
	return &clock{next: letta.Now().Add(-time.Hour)}
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next = c.next.Add(time.Millisecond + 7*time.Microsecond)
	return c.next
}

// ids returns the ids of records in order (nil for a nil slice, so callers
// can check that lists are never nil).
func ids[T any](items []*T, id func(*T) string) []string {
	if items == nil {
		return nil
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func agentID(a *letta.Agent) string     { return a.ID }
func blockID(b *letta.Block) string     { return b.ID }
func toolID(x *letta.Tool) string       { return x.ID }
func messageID(m *letta.Message) string { return m.ID }
func stepID(s *letta.Step) string       { return s.ID }

// reversed returns a reversed copy of s.
func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// checkPaging runs the pagination contract on a list of exactly five items
// whose ids, in ascending creation order, are asc. list runs the query.
func checkPaging(t *testing.T, asc []string, list func(p store.Page) ([]string, error)) {
	t.Helper()
	if len(asc) != 5 {
		t.Fatalf("checkPaging needs 5 items, got %d", len(asc))
	}
	desc := reversed(asc)
	cases := []struct {
		name string
		page store.Page
		want []string
	}{
		{"ascending", store.Page{Ascending: true}, asc},
		{"descending", store.Page{}, desc},
		{"limit ascending", store.Page{Ascending: true, Limit: 2}, asc[:2]},
		{"limit descending", store.Page{Limit: 2}, desc[:2]},
		{"after ascending", store.Page{Ascending: true, After: asc[1], Limit: 2}, asc[2:4]},
		{"after descending", store.Page{After: desc[1], Limit: 2}, desc[2:4]},
		{"before ascending", store.Page{Ascending: true, Before: asc[3]}, asc[:3]},
		{"before descending", store.Page{Before: desc[3]}, desc[:3]},
		{"after and before", store.Page{Ascending: true, After: asc[0], Before: asc[4]}, asc[1:4]},
		{"after the last", store.Page{Ascending: true, After: asc[4]}, []string{}},
		{"after the last descending", store.Page{After: desc[4], Limit: 3}, []string{}},
	}
	for _, tc := range cases {
		got, err := list(tc.page)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got == nil {
			t.Errorf("%s: got a nil slice, want a non-nil one", tc.name)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: ids mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
	for _, p := range []store.Page{{After: "no-such-id"}, {Before: "no-such-id", Ascending: true}} {
		_, err := list(p)
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown cursor %+v: err = %v, want ErrNotFound", p, err)
		}
	}
}
