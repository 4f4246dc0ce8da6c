package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// Turn lease timings: the lease outlives a crashed holder by at most
// leaseTTL (on Postgres, where other replicas may hold leases; SQLite drops
// every lease when it opens); a waiting request polls for up to
// Config.TurnWaitTimeout (leaseWait by default). A renewal is one small
// UPDATE every leaseRenew per running turn, with leaseTTL-leaseRenew of
// slack for a slow database.
const (
	leaseTTL   = 15 * time.Second
	leaseRenew = 5 * time.Second
	leaseWait  = 10 * time.Second
	leasePoll  = 50 * time.Millisecond
	// maxLeasePoll bounds the slowed-down poll of a long wait.
	maxLeasePoll = time.Second
)

// BackgroundTurnWait is how long a run in the background (async, or a
// background stream) waits for its agent's turn (SendParams.TurnWait): it
// is queued behind the agent's other turns, which with a real model often
// take longer than a request's wait; a cancel ends the wait.
const BackgroundTurnWait = 10 * time.Minute

// OrphanAge is how old an active run must be, with no turn lease on its
// agent, for no live process to be running or waiting for it: the longest
// wait for a turn (a background run's) plus two lease lifetimes (a lost
// renewal, clock skew).
func (e *Engine) OrphanAge() time.Duration {
	return max(e.cfg.TurnWaitTimeout, BackgroundTurnWait) + 2*leaseTTL
}

// acquireTurn takes the agent's turn, waiting up to wait: first its place
// in this process's line (turnQueue), then the turn lease in the store,
// which it keeps renewed until release is called. The returned context is
// cancelled if the lease is lost. The lease is polled only while another
// replica holds it; past leaseWait the poll slows down (to maxLeasePoll),
// so that long waits (runs in the background) cost the database little.
func (e *Engine) acquireTurn(ctx context.Context, agentID string, wait time.Duration) (context.Context, func(), error) {
	holder := letta.NewID("turn")
	start := time.Now()
	deadline := start.Add(wait)
	leaveLine, err := e.turns.enter(ctx, agentID, deadline)
	if err != nil {
		return nil, nil, err
	}
	leased := false
	defer func() {
		if !leased {
			leaveLine()
		}
	}()
	poll := leasePoll
	for {
		ok, err := e.cfg.Store.AcquireLease(ctx, agentID, holder, leaseTTL)
		if err != nil {
			return nil, nil, fmt.Errorf("acquire turn of agent %s: %w", agentID, err)
		}
		if ok {
			leased = true
			break
		}
		if time.Now().After(deadline) {
			return nil, nil, ErrBusy
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(poll):
		}
		if time.Since(start) > leaseWait {
			poll = min(poll+poll/4, maxLeasePoll)
		}
	}
	turnCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(leaseRenew)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ok, err := e.cfg.Store.RenewLease(context.WithoutCancel(ctx), agentID, holder, leaseTTL)
				if err != nil || !ok {
					e.cfg.Logger.WarnContext(ctx, "agent turn lease lost", "agent_id", agentID, "error", err)
					cancel()
					return
				}
			}
		}
	}()
	release := func() {
		close(done)
		<-stopped
		cancel()
		if err := e.cfg.Store.ReleaseLease(context.WithoutCancel(ctx), agentID, holder); err != nil {
			e.cfg.Logger.WarnContext(ctx, "release agent turn lease", "agent_id", agentID, "error", err)
		}
		leaveLine() // after the lease is free, so the next in line takes it at once
	}
	return turnCtx, release, nil
}
