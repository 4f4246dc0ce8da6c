package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/letta-server/letta-server/internal/store"
)

// leaseTable holds the agents' turn leases in the Store's memory. One
// serving process owns a SQLite file (one-off commands beside it take no
// leases), so a lease needs no row: writing one cost two WAL commits per
// turn plus one per renewal. A crashed process's leases die with it. The
// agent_leases table is no longer used.
type leaseTable struct {
	mu      sync.Mutex
	byAgent map[string]lease
	// sweepAt is the table size at which acquire drops expired leases, so
	// leases never released (a holder that died mid-turn) do not pile up.
	sweepAt int
}

type lease struct {
	holder  string
	expires time.Time
}

// minLeaseSweep is the smallest table size worth sweeping.
const minLeaseSweep = 1024

func newLeaseTable() *leaseTable {
	return &leaseTable{byAgent: map[string]lease{}, sweepAt: minLeaseSweep}
}

// acquire takes the lease for holder until now+ttl if it is free, expired
// or already held by holder, and reports whether it did.
func (t *leaseTable) acquire(agentID, holder string, now time.Time, ttl time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l, ok := t.byAgent[agentID]; ok && l.holder != holder && now.Before(l.expires) {
		return false
	}
	if len(t.byAgent) >= t.sweepAt {
		t.sweep(now)
	}
	t.byAgent[agentID] = lease{holder: holder, expires: now.Add(ttl)}
	return true
}

// sweep drops the expired leases. t.mu is held.
func (t *leaseTable) sweep(now time.Time) {
	for id, l := range t.byAgent {
		if !now.Before(l.expires) {
			delete(t.byAgent, id)
		}
	}
	t.sweepAt = max(2*len(t.byAgent), minLeaseSweep)
}

// renew extends holder's unexpired lease to now+ttl; false if holder lost it.
func (t *leaseTable) renew(agentID, holder string, now time.Time, ttl time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.byAgent[agentID]
	if !ok || l.holder != holder || !now.Before(l.expires) {
		return false
	}
	t.byAgent[agentID] = lease{holder: holder, expires: now.Add(ttl)}
	return true
}

// held reports whether someone holds an unexpired lease on the agent.
func (t *leaseTable) held(agentID string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.byAgent[agentID]
	return ok && now.Before(l.expires)
}

// release drops the lease if holder has it.
func (t *leaseTable) release(agentID, holder string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l, ok := t.byAgent[agentID]; ok && l.holder == holder {
		delete(t.byAgent, agentID)
	}
}

const agentExistsSQL = `SELECT 1 FROM agents WHERE id = ?`

// agentExists returns ErrNotFound for an unknown agent.
func (s *Store) agentExists(ctx context.Context, agentID string) error {
	var one int
	return interpretError(s.r.QueryRowContext(ctx, agentExistsSQL, agentID).Scan(&one))
}

// AcquireLease takes the agent's lease for holder until now+ttl if it is
// free, expired or already held by holder, and reports whether it did.
// ErrNotFound for an unknown agent. Inside a transaction the lease is taken
// at once and stays taken if the transaction rolls back.
func (s *Store) AcquireLease(ctx context.Context, agentID, holder string, ttl time.Duration) (bool, error) {
	if err := s.agentExists(ctx, agentID); err != nil {
		return false, fmt.Errorf("acquire agent %s lease: %w", agentID, err)
	}
	return s.leases.acquire(agentID, holder, time.Now(), ttl), nil
}

// RenewLease extends a lease the holder still has; false if it lost it,
// which includes the agent having been deleted meanwhile.
func (s *Store) RenewLease(ctx context.Context, agentID, holder string, ttl time.Duration) (bool, error) {
	err := s.agentExists(ctx, agentID)
	if errors.Is(err, store.ErrNotFound) {
		s.leases.release(agentID, holder)
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("renew agent %s lease: %w", agentID, err)
	}
	return s.leases.renew(agentID, holder, time.Now(), ttl), nil
}

// ReleaseLease frees the lease if holder has it.
func (s *Store) ReleaseLease(_ context.Context, agentID, holder string) error {
	s.leases.release(agentID, holder)
	return nil
}
