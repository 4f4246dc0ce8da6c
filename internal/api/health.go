package api

import "net/http"

// health answers GET /v1/health (never password-protected).
func (s *server) health(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"version": s.cfg.Version, "status": "ok"})
}
