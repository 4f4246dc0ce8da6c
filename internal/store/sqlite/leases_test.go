package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// leasedAgent creates an agent in st.
func leasedAgent(t *testing.T, st store.Store) *letta.Agent {
	t.Helper()
	now := letta.Now()
	a, err := st.CreateAgent(t.Context(), store.CreateAgentParams{Agent: letta.Agent{
		ID: letta.NewID(letta.PrefixAgent), Name: "leased", AgentType: letta.AgentTypeLettaV1,
		LLMConfig: letta.LLMConfig{Model: "m", ModelEndpointType: "openai", ContextWindow: 1000}, CreatedAt: now, UpdatedAt: now,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestLeasesDieWithTheProcess: leases live in the serving process, so a
// process that stopped mid-turn leaves none behind for the next one.
func TestLeasesDieWithTheProcess(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "letta.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	a := leasedAgent(t, st)
	if ok, err := st.AcquireLease(ctx, a.ID, "dead-process", time.Hour); !ok || err != nil {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	st.Close()

	st, err = sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ok, err := st.AcquireLease(ctx, a.ID, "new-process", time.Minute); !ok || err != nil {
		t.Errorf("new process got the lease = %v (%v), want true", ok, err)
	}
}

// TestLeasesSharedWithTransactions: a Store and its transaction views see
// one set of leases.
func TestLeasesSharedWithTransactions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := newStore(t)
	a, b := leasedAgent(t, st), leasedAgent(t, st)
	if ok, err := st.AcquireLease(ctx, a.ID, "outside", time.Minute); !ok || err != nil {
		t.Fatalf("acquire outside: %v %v", ok, err)
	}
	err := st.InTx(ctx, func(tx store.Store) error {
		if ok, err := tx.AcquireLease(ctx, a.ID, "inside", time.Minute); ok || err != nil {
			t.Errorf("transaction took a lease held outside: %v %v", ok, err)
		}
		if ok, err := tx.AcquireLease(ctx, b.ID, "inside", time.Minute); !ok || err != nil {
			t.Errorf("acquire inside: %v %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := st.AcquireLease(ctx, b.ID, "outside", time.Minute); ok || err != nil {
		t.Errorf("outside took a lease held by the transaction: %v %v", ok, err)
	}
	if ok, err := st.RenewLease(ctx, b.ID, "inside", time.Minute); !ok || err != nil {
		t.Errorf("renew outside of a lease taken inside: %v %v", ok, err)
	}
}
