package api

import (
	"net/http"
	"strings"
)

// DefaultCORSOrigins are the browser origins allowed when none are
// configured: Letta's web ADE and the local development origins Letta's
// own server allows.
var DefaultCORSOrigins = []string{
	"https://app.letta.com",
	"http://letta.localhost",
	"http://localhost:8283",
	"http://localhost:8083",
	"http://localhost:3000",
}

// corsMethods are the methods a preflight may ask for.
const corsMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"

// corsMaxAge is how long (seconds) a browser may cache a preflight answer.
const corsMaxAge = "600"

// corsPolicy decides which origins may call the API from a browser.
type corsPolicy struct {
	any     bool
	origins map[string]bool
}

func newCORSPolicy(origins []string) corsPolicy {
	p := corsPolicy{origins: map[string]bool{}}
	for _, o := range origins {
		o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
		switch o {
		case "":
		case "*":
			p.any = true
		default:
			p.origins[o] = true
		}
	}
	return p
}

func (p corsPolicy) enabled() bool { return p.any || len(p.origins) > 0 }

func (p corsPolicy) allows(origin string) bool {
	return origin != "" && (p.any || p.origins[strings.ToLower(origin)])
}

// cors answers preflight requests before authentication (a browser sends
// them without credentials) and marks the answers to allowed origins so
// the browser lets the page read them. Requests without an Origin header,
// such as the SDKs' from Node or Python, pass through untouched.
func (s *server) cors(next http.Handler) http.Handler {
	if !s.corsPolicy.enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		allowed := s.corsPolicy.allows(origin)
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if preflight {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			if !allowed {
				_ = writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "Disallowed CORS origin"})
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				h.Set("Access-Control-Allow-Headers", req)
			}
			if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
				// Chrome asks before a public page (the ADE) calls a
				// server on localhost or a private network.
				h.Set("Access-Control-Allow-Private-Network", "true")
			}
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Expose-Headers", requestIDHeader)
		}
		next.ServeHTTP(w, r)
	})
}
