package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/pgtest"
	"github.com/letta-server/letta-server/internal/store/postgres"
)

// TestStartOnPostgresSparesLiveReplicasRuns: a replica starting on a
// shared Postgres fails only the runs no live process can finish (old, no
// turn lease on their agent), not those another replica is running.
func TestStartOnPostgresSparesLiveReplicasRuns(t *testing.T) {
	dbURL := pgtest.DatabaseURL(t)
	if dbURL == "" {
		t.Skip("TEST_DATABASE_URL is unset")
	}
	t.Parallel()
	_, schemaURL := pgtest.Schema(t, dbURL, "serve")
	ctx := t.Context()
	st, err := postgres.Open(ctx, schemaURL, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	old := letta.Now().Add(-time.Hour)
	newAgent := func(name string) string {
		a, err := st.CreateAgent(ctx, store.CreateAgentParams{Agent: letta.Agent{
			ID: letta.NewID(letta.PrefixAgent), Name: name, AgentType: letta.AgentTypeLettaV1,
			LLMConfig: letta.LLMConfig{Model: "gpt-4o-mini", ModelEndpointType: "openai", ContextWindow: 128000},
			CreatedAt: old, UpdatedAt: old,
		}})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	newRun := func(agentID string) string {
		r := &letta.Run{ID: letta.NewID(letta.PrefixRun), AgentID: agentID, Status: letta.RunRunning,
			Metadata: map[string]any{}, JobType: letta.JobTypeRun, CreatedAt: old, UpdatedAt: old}
		if err := st.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	live, dead := newAgent("live"), newAgent("dead")
	liveRun, deadRun := newRun(live), newRun(dead)
	// The live replica holds its agent's turn (and renews it).
	if ok, err := st.AcquireLease(ctx, live, "other-replica", time.Minute); err != nil || !ok {
		t.Fatalf("AcquireLease = %v, %v", ok, err)
	}

	startServer(t, map[string]string{"LETTA_PG_URI": schemaURL})
	for id, want := range map[string]string{liveRun: letta.RunRunning, deadRun: letta.RunFailed} {
		got, err := st.GetRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want {
			t.Errorf("run %s after a replica started: %s, want %s", id, got.Status, want)
		}
	}

	// The sweep fails the live replica's run once that replica is gone
	// (its lease released here instead of expiring).
	if err := st.ReleaseLease(ctx, live, "other-replica"); err != nil {
		t.Fatal(err)
	}
	sweepCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	go sweepInterruptedRuns(sweepCtx, st, 50*time.Millisecond, 50*time.Millisecond, slog.New(slog.DiscardHandler))
	for {
		got, err := st.GetRun(ctx, liveRun)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == letta.RunFailed {
			break
		}
		if sweepCtx.Err() != nil {
			t.Fatalf("the sweep left the run of a gone replica %s", got.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
