package agent

import (
	"context"
	"slices"
	"sync"
	"time"
)

// turnQueue lines up one process's turns of each agent, first come, first
// served, before they take the agent's lease in the store: messages sent
// one after another are answered in that order, and a finished turn hands
// the agent straight to the next instead of leaving it to a poll. It holds
// nothing for an agent no turn wants (no entry, no goroutine).
type turnQueue struct {
	mu     sync.Mutex
	agents map[string]*agentLine
}

// agentLine is the agent's turn: held by one caller, waited for by the
// others in arrival order.
type agentLine struct {
	waiters []chan struct{} // closed when the turn passes to its owner
}

// enter waits until the caller holds the agent's turn, until deadline
// (ErrBusy) or until ctx ends (its error). leave passes the turn on; it
// must be called exactly once after a nil error.
func (q *turnQueue) enter(ctx context.Context, agentID string, deadline time.Time) (leave func(), err error) {
	leave = func() { q.leave(agentID) }
	q.mu.Lock()
	if q.agents == nil {
		q.agents = map[string]*agentLine{}
	}
	line, held := q.agents[agentID]
	if !held {
		q.agents[agentID] = &agentLine{}
		q.mu.Unlock()
		return leave, nil
	}
	mine := make(chan struct{})
	line.waiters = append(line.waiters, mine)
	q.mu.Unlock()

	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-mine:
		return leave, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = ErrBusy
	}
	q.mu.Lock()
	if i := slices.Index(line.waiters, mine); i >= 0 {
		line.waiters = slices.Delete(line.waiters, i, i+1)
		q.mu.Unlock()
		return nil, err
	}
	q.mu.Unlock()
	// The turn reached us as we gave up: pass it on.
	q.leave(agentID)
	return nil, err
}

// leave gives the agent's turn to the longest waiter, or frees it.
func (q *turnQueue) leave(agentID string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	line := q.agents[agentID]
	if len(line.waiters) == 0 {
		delete(q.agents, agentID)
		return
	}
	next := line.waiters[0]
	line.waiters = slices.Delete(line.waiters, 0, 1)
	close(next)
}
