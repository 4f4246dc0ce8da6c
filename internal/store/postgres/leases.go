package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Lease times come from the database clock (clock_timestamp, which moves
// inside a transaction too), so replicas with skewed clocks agree on expiry.

// AcquireLease takes the agent's lease for holder until now+ttl when it is
// free, expired or already holder's, in one upsert. It reports whether it
// did. ErrNotFound when the agent does not exist.
func (s *Store) AcquireLease(ctx context.Context, agentID, holder string, ttl time.Duration) (bool, error) {
	const q = `INSERT INTO agent_leases AS l (agent_id, holder, expires_at)
		VALUES ($1, $2, clock_timestamp() + $3 * interval '1 microsecond')
		ON CONFLICT (agent_id) DO UPDATE
			SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
			WHERE l.expires_at <= clock_timestamp() OR l.holder = EXCLUDED.holder
		RETURNING true`
	var took bool
	err := s.q.QueryRow(ctx, q, agentID, holder, ttl.Microseconds()).Scan(&took)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("acquire lease of agent %s: %w", agentID, interpretError(err))
	}
	return took, nil
}

// RenewLease extends holder's unexpired lease to now+ttl; false when holder
// no longer has it (taken by another, released, or expired).
func (s *Store) RenewLease(ctx context.Context, agentID, holder string, ttl time.Duration) (bool, error) {
	const q = `UPDATE agent_leases SET expires_at = clock_timestamp() + $3 * interval '1 microsecond'
		WHERE agent_id = $1 AND holder = $2 AND expires_at > clock_timestamp()`
	tag, err := s.q.Exec(ctx, q, agentID, holder, ttl.Microseconds())
	if err != nil {
		return false, fmt.Errorf("renew lease of agent %s: %w", agentID, interpretError(err))
	}
	return tag.RowsAffected() == 1, nil
}

// ReleaseLease frees the lease if holder has it.
func (s *Store) ReleaseLease(ctx context.Context, agentID, holder string) error {
	const q = `DELETE FROM agent_leases WHERE agent_id = $1 AND holder = $2`
	if _, err := s.q.Exec(ctx, q, agentID, holder); err != nil {
		return fmt.Errorf("release lease of agent %s: %w", agentID, interpretError(err))
	}
	return nil
}
