package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/letta-server/letta-server/internal/letta"
)

// ctxKey is the type of this package's context keys.
type ctxKey int

const requestIDKey ctxKey = iota

// requestIDHeader carries the request id in both directions.
const requestIDHeader = "X-Request-Id"

// requestID returns the id the requestID middleware gave the request.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// withRequestID gives every request an id: the caller's X-Request-Id when it
// is short and printable, else a new one. It is echoed in the response.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestIDHeader)
		if !printableID(id) {
			id = strings.TrimPrefix(letta.NewID("req"), "req-")
		}
		w.Header().Set(requestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

func printableID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

// logRequests logs one line per request: method, path, status, size and
// duration. It never logs headers (they carry the password) or bodies.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		s.log.InfoContext(r.Context(), "http request",
			"request_id", requestID(r.Context()),
			"method", r.Method,
			"path", r.URL.Path,
			"status", status,
			"bytes", ww.BytesWritten(),
			"duration_ms", time.Since(start).Milliseconds(),
		)
	})
}

// recoverPanics turns a handler panic into a logged 500 JSON answer.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			ctx := r.Context()
			s.log.ErrorContext(ctx, "handler panicked", "request_id", requestID(ctx), "panic", v, "stack", string(debug.Stack()))
			w.Header().Set("x-should-retry", "false")
			_ = writeJSON(w, http.StatusInternalServerError, map[string]string{
				"detail": "Internal server error (request id " + requestID(ctx) + ")",
			})
		}()
		next.ServeHTTP(w, r)
	})
}

// trimTrailingSlash makes "/v1/agents/" and "/v1/agents" the same route,
// without a redirect: the SDKs call collection routes with the slash.
func trimTrailingSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r.URL.Path = strings.TrimRight(p, "/")
			if r.URL.Path == "" {
				r.URL.Path = "/"
			}
			r.URL.RawPath = ""
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				rctx.RoutePath = r.URL.Path
			}
		}
		next.ServeHTTP(w, r)
	})
}

// openPaths need no password (health and readiness probes, the API document).
var openPaths = map[string]bool{
	"/v1/health": true, "/latest/health": true,
	"/v1/ready": true, "/latest/ready": true,
	"/openapi.json": true,
}

// authenticate requires the server password, when one is set, as
// "Authorization: Bearer <pw>" or "X-BARE-PASSWORD: password <pw>". Without
// a password every auth header is ignored (the 0.1.x SDK sends "Bearer
// undefined").
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Password == "" || openPaths[r.URL.Path] || s.passwordMatches(r) {
			next.ServeHTTP(w, r)
			return
		}
		_ = writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Unauthorized"})
	})
}

func (s *server) passwordMatches(r *http.Request) bool {
	ok := false
	if scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " "); found && strings.EqualFold(scheme, "Bearer") {
		ok = s.equalsPassword(strings.TrimSpace(token)) || ok
	}
	if word, pw, found := strings.Cut(r.Header.Get("X-BARE-PASSWORD"), " "); found && word == "password" {
		ok = s.equalsPassword(pw) || ok
	}
	return ok
}

// equalsPassword compares in constant time, on hashes of equal length.
func (s *server) equalsPassword(candidate string) bool {
	h := sha256.Sum256([]byte(candidate))
	return subtle.ConstantTimeCompare(h[:], s.pwHash[:]) == 1
}

// actorID returns the acting user: the user_id header, or the default user.
func actorID(r *http.Request) (string, error) {
	id := strings.TrimSpace(r.Header.Get("user_id"))
	if id == "" {
		return letta.DefaultUserID, nil
	}
	if !letta.ValidID(letta.PrefixUser, id) {
		return "", errorf(http.StatusBadRequest, "Invalid user_id header %q: expected user-<uuid>", id)
	}
	return id, nil
}

// rejectNUL refuses a path or query string holding a NUL character (see
// nulMessage) before any handler passes it to the store.
func (s *server) rejectNUL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.ContainsRune(r.URL.Path, 0) || strings.Contains(r.URL.RawQuery, "%00") || strings.ContainsRune(r.URL.RawQuery, 0) {
			s.writeError(w, r, fieldErrors{{Loc: []any{"query"}, Msg: nulMessage, Type: "value_error"}})
			return
		}
		next.ServeHTTP(w, r)
	})
}
