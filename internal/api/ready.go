package api

import (
	"context"
	"net/http"
	"time"
)

// readyTimeout bounds the database check of a readiness probe.
const readyTimeout = 3 * time.Second

// ready answers GET /v1/ready (never password-protected): 200 when the
// database answers, else 503, both as JSON. Unlike /v1/health, which says
// the process is up, this says it can serve requests.
func (s *server) ready(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness check failed", "request_id", requestID(ctx), "error", err)
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{
			"status": "unavailable",
			"detail": "the database is not answering",
		})
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "version": s.cfg.Version})
}
