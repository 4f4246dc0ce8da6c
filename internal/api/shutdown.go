package api

import (
	"context"
	"net/http"
	"time"
)

// drainPoll is how often DrainRuns looks whether the runs have ended.
const drainPoll = 25 * time.Millisecond

// Server is the API's http.Handler with what the process needs to stop it
// cleanly.
type Server struct {
	http.Handler
	s *server
}

// NewServer returns the API as a Server (New returns just the handler).
func NewServer(cfg Config) *Server {
	s := newServer(cfg)
	return &Server{Handler: s.routes(), s: s}
}

// DrainRuns waits for the background runs this process executes
// (messages/async) to end. When ctx ends first it cancels them, so each
// records itself cancelled, and waits up to grace for that. It returns how
// many were still running at the end.
func (srv *Server) DrainRuns(ctx context.Context, grace time.Duration) int {
	runs := srv.s.runs
	if waitForRuns(ctx, runs) {
		return 0
	}
	n := runs.cancelAll()
	srv.s.log.WarnContext(ctx, "cancelled background runs at shutdown", "runs", n)
	graceCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	waitForRuns(graceCtx, runs)
	return runs.count()
}

// waitForRuns reports whether every run ended before ctx did.
func waitForRuns(ctx context.Context, runs *runRegistry) bool {
	t := time.NewTicker(drainPoll)
	defer t.Stop()
	for runs.count() > 0 {
		select {
		case <-ctx.Done():
			return runs.count() == 0
		case <-t.C:
		}
	}
	return true
}

// count returns how many runs this process executes now.
func (g *runRegistry) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.cancels)
}

// cancelAll cancels every run this process executes and returns how many.
func (g *runRegistry) cancelAll() int {
	g.mu.Lock()
	cancels := make([]context.CancelFunc, 0, len(g.cancels))
	for _, c := range g.cancels {
		cancels = append(cancels, c)
	}
	g.mu.Unlock()
	for _, c := range cancels {
		c()
	}
	return len(cancels)
}
