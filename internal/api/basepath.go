package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// forwardedPrefixHeader is the path prefix a reverse proxy stripped.
const forwardedPrefixHeader = "X-Forwarded-Prefix"

// cleanBasePath returns p as "/prefix" (leading slash, none trailing), or
// "" for no prefix.
func cleanBasePath(p string) string {
	p = strings.Trim(strings.TrimSpace(p), "/")
	if p == "" {
		return ""
	}
	return "/" + p
}

// stripBasePath serves requests under the configured base path as if it
// were absent, for a reverse proxy that forwards "/prefix/v1/..." as is.
// Requests without the prefix (from a proxy that strips it, or from inside
// the network) are served unchanged.
func (s *server) stripBasePath(next http.Handler) http.Handler {
	base := s.cfg.BasePath
	if base == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == base || strings.HasPrefix(p, base+"/") {
			r.URL.Path = strings.TrimPrefix(p, base)
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

// externalBasePath is the prefix clients reach the API under: the proxy's
// X-Forwarded-Prefix, else the configured base path, else "".
func (s *server) externalBasePath(r *http.Request) string {
	if p := cleanBasePath(r.Header.Get(forwardedPrefixHeader)); p != "" && printableID(p) {
		return p
	}
	return s.cfg.BasePath
}
