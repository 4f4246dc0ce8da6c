package api

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// RequestObserver is told about HTTP requests, for metrics.
type RequestObserver interface {
	// RequestStarted is called as a request arrives; done as it ends.
	RequestStarted() (done func())
	// ObserveRequest is called once a request is answered, with its
	// matched route pattern ("" when none matched), never the raw path.
	ObserveRequest(method, route string, status int, elapsed time.Duration)
}

// observeRequests reports every request to the configured RequestObserver.
func (s *server) observeRequests(next http.Handler) http.Handler {
	obs := s.cfg.Requests
	if obs == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		done := obs.RequestStarted()
		defer done()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		route := ""
		if rctx := chi.RouteContext(r.Context()); rctx != nil {
			route = rctx.RoutePattern()
		}
		obs.ObserveRequest(r.Method, route, status, time.Since(start))
	})
}
