package sqlite

import (
	"context"
	"fmt"
	"time"
)

// acquireLeaseSQL inserts the lease, or takes it over when the row's holder
// is the caller or its expiry has passed; otherwise it changes nothing.
const acquireLeaseSQL = `
INSERT INTO agent_leases (agent_id, holder, expires_at) VALUES (?, ?, ?)
ON CONFLICT (agent_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE agent_leases.holder = excluded.holder OR agent_leases.expires_at <= ?`

// AcquireLease takes the agent's lease for holder until now+ttl if it is
// free, expired or already held by holder, and reports whether it did.
// ErrNotFound for an unknown agent.
func (s *Store) AcquireLease(ctx context.Context, agentID, holder string, ttl time.Duration) (bool, error) {
	now := time.Now()
	res, err := s.q.ExecContext(ctx, acquireLeaseSQL, agentID, holder, micros(now.Add(ttl)), micros(now))
	if err != nil {
		return false, fmt.Errorf("acquire agent %s lease: %w", agentID, interpretError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("acquire agent %s lease: %w", agentID, err)
	}
	return n == 1, nil
}

const renewLeaseSQL = `UPDATE agent_leases SET expires_at = ? WHERE agent_id = ? AND holder = ? AND expires_at > ?`

// RenewLease extends a lease the holder still has; false if it lost it.
func (s *Store) RenewLease(ctx context.Context, agentID, holder string, ttl time.Duration) (bool, error) {
	now := time.Now()
	res, err := s.q.ExecContext(ctx, renewLeaseSQL, micros(now.Add(ttl)), agentID, holder, micros(now))
	if err != nil {
		return false, fmt.Errorf("renew agent %s lease: %w", agentID, interpretError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("renew agent %s lease: %w", agentID, err)
	}
	return n == 1, nil
}

const releaseLeaseSQL = `DELETE FROM agent_leases WHERE agent_id = ? AND holder = ?`

// ReleaseLease frees the lease if holder has it.
func (s *Store) ReleaseLease(ctx context.Context, agentID, holder string) error {
	if _, err := s.q.ExecContext(ctx, releaseLeaseSQL, agentID, holder); err != nil {
		return fmt.Errorf("release agent %s lease: %w", agentID, interpretError(err))
	}
	return nil
}
