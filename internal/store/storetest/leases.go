package storetest

import (
	"testing"
	"time"
)

func testLeases(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	a := plainAgent(ctx, t, s, c, "a")
	b := plainAgent(ctx, t, s, c, "b")

	acquire := func(agent, holder string, ttl time.Duration, want bool) {
		t.Helper()
		got, err := s.AcquireLease(ctx, agent, holder, ttl)
		must(t, "AcquireLease", err)
		if got != want {
			t.Fatalf("AcquireLease(%s, %s) = %v, want %v", agent, holder, got, want)
		}
	}
	renew := func(agent, holder string, ttl time.Duration, want bool) {
		t.Helper()
		got, err := s.RenewLease(ctx, agent, holder, ttl)
		must(t, "RenewLease", err)
		if got != want {
			t.Fatalf("RenewLease(%s, %s) = %v, want %v", agent, holder, got, want)
		}
	}

	acquire(a.ID, "h1", time.Minute, true)
	acquire(a.ID, "h2", time.Minute, false)
	acquire(a.ID, "h1", time.Minute, true) // the holder re-acquires
	acquire(b.ID, "h2", time.Minute, true) // leases are per agent
	renew(a.ID, "h1", time.Minute, true)
	renew(a.ID, "h2", time.Minute, false)

	must(t, "ReleaseLease by a non-holder", s.ReleaseLease(ctx, a.ID, "h2"))
	acquire(a.ID, "h2", time.Minute, false)
	must(t, "ReleaseLease", s.ReleaseLease(ctx, a.ID, "h1"))
	must(t, "ReleaseLease again", s.ReleaseLease(ctx, a.ID, "h1"))
	renew(a.ID, "h1", time.Minute, false) // released: nothing to renew
	acquire(a.ID, "h2", time.Minute, true)
	must(t, "ReleaseLease", s.ReleaseLease(ctx, a.ID, "h2"))

	// An expired lease may be taken by another holder, and its old holder
	// can no longer renew it.
	acquire(a.ID, "h1", 30*time.Millisecond, true)
	acquire(a.ID, "h2", time.Minute, false)
	time.Sleep(80 * time.Millisecond)
	acquire(a.ID, "h2", time.Minute, true)
	renew(a.ID, "h1", time.Minute, false)
	renew(a.ID, "h2", time.Minute, true)
}
