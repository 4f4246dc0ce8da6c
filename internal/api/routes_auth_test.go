package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/api"
)

// TestEveryRouteDemandsPassword walks every registered route and checks
// that, with a password set, a request without it or with a wrong one is
// a 401 and never reaches the handler. Only the probes and the public API
// document stay open; a new open route must be added here on purpose.
func TestEveryRouteDemandsPassword(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.Password = "s3cret" })
	routes, ok := api.New(api.Config{Password: "x"}).(chi.Routes)
	if !ok {
		t.Fatal("api.New does not return a chi router")
	}
	open := map[string]bool{
		"/v1/health": true, "/latest/health": true,
		"/v1/ready": true, "/latest/ready": true,
		"/openapi.json": true,
	}
	count := 0
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		path := fillParams(strings.TrimSuffix(route, "/"))
		if path == "" {
			path = "/"
		}
		count++
		for _, auth := range [][]string{nil, {"Authorization", "Bearer wrong"}, {"X-BARE-PASSWORD", "password wrong"}, {"Authorization", "Bearer"}} {
			got := e.do(method, path, nil, auth...)
			if open[path] {
				if got.status == http.StatusUnauthorized {
					t.Errorf("%s %s with %v = 401, want open", method, path, auth)
				}
				continue
			}
			if got.status != http.StatusUnauthorized {
				t.Errorf("%s %s with %v = %d, want 401", method, path, auth, got.status)
			}
		}
		if !open[path] {
			// The right password gets past auth (any status but 401).
			if got := e.do(method, path, nil, "Authorization", "Bearer s3cret"); got.status == http.StatusUnauthorized {
				t.Errorf("%s %s with the password = 401", method, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk routes: %v", err)
	}
	if count < 50 {
		t.Errorf("walked %d routes, want the whole API", count)
	}
}

// fillParams replaces {name} segments with a plausible id.
func fillParams(route string) string {
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") {
			parts[i] = "x-00000000-0000-0000-0000-000000000000"
		}
	}
	return strings.Join(parts, "/")
}
