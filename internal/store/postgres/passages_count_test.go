package postgres

import (
	"testing"

	"github.com/letta-server/letta-server/internal/store/storetest"
)

// TestPassageCountsBackfilled: the migration that adds the passage counts
// counts the passages already stored. The counts are dropped (one step
// down) and the migration applied again, so what CountPassages returns
// after it can only come from the backfill.
func TestPassageCountsBackfilled(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schemaURL := freshSchema(t)
	s, err := Open(ctx, schemaURL, Options{Migrate: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	want := map[string]int{}
	for i, n := range []int{7, 3, 0} {
		a, err := storetest.BenchAgent(ctx, s, "backfilled")
		if err != nil {
			t.Fatalf("create agent: %v", err)
		}
		if _, err := storetest.LoadPassages(ctx, s, a.ID, n, 8, uint64(i)); err != nil {
			t.Fatalf("load passages: %v", err)
		}
		want[a.ID] = n
	}

	m := migrator(t, schemaURL)
	if err := m.Migrate(5); err != nil {
		t.Fatalf("down to 5: %v", err)
	}
	if err := m.Up(); err != nil {
		t.Fatalf("up again: %v", err)
	}
	for agentID, n := range want {
		got, err := s.CountPassages(ctx, agentID)
		if err != nil {
			t.Fatalf("CountPassages: %v", err)
		}
		if got != n {
			t.Errorf("CountPassages(%s) = %d after the backfill, want %d", agentID, got, n)
		}
	}
}
