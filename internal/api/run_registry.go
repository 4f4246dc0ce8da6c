package api

import (
	"context"
	"sync"
)

// runRegistry holds the cancel functions of the runs this process is
// executing, keyed by run id. Runs executing on other replicas are not
// here; they notice a cancellation through the store (see watchCancel).
type runRegistry struct {
	mu      sync.Mutex
	cancels map[string]context.CancelFunc
}

func newRunRegistry() *runRegistry {
	return &runRegistry{cancels: map[string]context.CancelFunc{}}
}

// add registers the cancel function of a run.
func (g *runRegistry) add(id string, cancel context.CancelFunc) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cancels[id] = cancel
}

// remove forgets a run that ended.
func (g *runRegistry) remove(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.cancels, id)
}

// cancel cancels the run if this process executes it, and reports whether it did.
func (g *runRegistry) cancel(id string) bool {
	g.mu.Lock()
	cancel, ok := g.cancels[id]
	g.mu.Unlock()
	if ok {
		cancel()
	}
	return ok
}
