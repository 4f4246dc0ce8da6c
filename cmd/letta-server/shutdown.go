package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/letta-server/letta-server/internal/api"
)

// cancelGrace is how long turns cancelled at the end of the drain get to
// record their failed step and end their streams before connections close.
const cancelGrace = 5 * time.Second

// shutdown stops the server without leaving a turn half done. It stops
// accepting connections and lets in-flight requests (streams included)
// and background runs finish for up to cfg.ShutdownTimeout. Whatever is
// still running then is cancelled: each turn records a cancelled step
// (its input kept out of the agent's context), a stream ends with a
// stop_reason and [DONE], a background run is marked cancelled. After
// cancelGrace more, the remaining connections are closed. The store is
// closed by the caller once this returns.
func shutdown(ctx context.Context, cfg Config, logger *slog.Logger, srv *http.Server, handler *api.Server, cancelTurns context.CancelFunc) {
	logger.Info("shutting down", slog.Duration("drain_timeout", cfg.ShutdownTimeout))
	base := context.WithoutCancel(ctx)
	drainCtx, cancelDrain := context.WithTimeout(base, cfg.ShutdownTimeout)
	defer cancelDrain()
	stop := context.AfterFunc(drainCtx, func() {
		if drainCtx.Err() == context.DeadlineExceeded {
			logger.Warn("drain time is up; cancelling in-flight turns")
		}
		cancelTurns()
	})
	defer stop()

	runsLeft := make(chan int, 1)
	go func() { runsLeft <- handler.DrainRuns(drainCtx, cancelGrace) }()

	closeCtx, cancelClose := context.WithTimeout(base, cfg.ShutdownTimeout+cancelGrace)
	defer cancelClose()
	if err := srv.Shutdown(closeCtx); err != nil {
		logger.Warn("drain incomplete; closing open connections", slog.Any("error", err))
		_ = srv.Close()
	}
	if n := <-runsLeft; n > 0 {
		logger.Warn("background runs still running at exit; they will be marked failed at the next start", slog.Int("runs", n))
	}
}
