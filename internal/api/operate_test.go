package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/api"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) {
		c.Password = "s3cret"
		c.CORSOrigins = api.DefaultCORSOrigins
	})
	const ade = "https://app.letta.com"

	tests := []struct {
		name        string
		method      string
		path        string
		headers     []string
		wantStatus  int
		wantOrigin  string // Access-Control-Allow-Origin
		wantMethods bool
	}{
		{
			name: "preflight from the ADE skips auth", method: http.MethodOptions, path: "/v1/agents/",
			headers:    []string{"Origin", ade, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type,x-stainless-os"},
			wantStatus: http.StatusNoContent, wantOrigin: ade, wantMethods: true,
		},
		{
			name: "preflight from localhost dev server", method: http.MethodOptions, path: "/v1/agents/agent-x/messages/stream",
			headers:    []string{"Origin", "http://localhost:3000", "Access-Control-Request-Method", "POST"},
			wantStatus: http.StatusNoContent, wantOrigin: "http://localhost:3000", wantMethods: true,
		},
		{
			name: "preflight from a stranger", method: http.MethodOptions, path: "/v1/agents/",
			headers:    []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "GET"},
			wantStatus: http.StatusBadRequest,
		},
		{
			name: "real request still needs the password, but the browser may read the 401", method: http.MethodGet, path: "/v1/agents/",
			headers:    []string{"Origin", ade},
			wantStatus: http.StatusUnauthorized, wantOrigin: ade,
		},
		{
			name: "real request with the password", method: http.MethodGet, path: "/v1/agents/",
			headers:    []string{"Origin", ade, "Authorization", "Bearer s3cret"},
			wantStatus: http.StatusOK, wantOrigin: ade,
		},
		{
			name: "no Origin: no CORS headers", method: http.MethodGet, path: "/v1/health/",
			wantStatus: http.StatusOK,
		},
		{
			name: "disallowed origin gets no CORS headers", method: http.MethodGet, path: "/v1/health/",
			headers:    []string{"Origin", "https://evil.example"},
			wantStatus: http.StatusOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, nil, tt.headers...)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.wantStatus, r.body)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantOrigin)
			}
			if tt.wantOrigin != "" && r.header.Get("Access-Control-Allow-Credentials") != "true" {
				t.Errorf("Access-Control-Allow-Credentials missing")
			}
			if got := r.header.Get("Access-Control-Allow-Methods"); tt.wantMethods != strings.Contains(got, "PATCH") {
				t.Errorf("Access-Control-Allow-Methods = %q", got)
			}
		})
	}

	// The preflight echoes the requested headers and answers Chrome's
	// private-network question (the ADE calling a server on localhost).
	r := e.do(http.MethodOptions, "/v1/agents/", nil, "Origin", ade, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization,x-bare-password", "Access-Control-Request-Private-Network", "true")
	if got := r.header.Get("Access-Control-Allow-Headers"); got != "authorization,x-bare-password" {
		t.Errorf("Access-Control-Allow-Headers = %q", got)
	}
	if r.header.Get("Access-Control-Allow-Private-Network") != "true" {
		t.Errorf("no Access-Control-Allow-Private-Network on a private-network preflight")
	}
	// A browser reading a real answer may see the request id.
	r = e.do(http.MethodGet, "/v1/health/", nil, "Origin", ade)
	if !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
		t.Errorf("Access-Control-Expose-Headers = %q", r.header.Get("Access-Control-Expose-Headers"))
	}
}

func TestCORSDisabled(t *testing.T) {
	t.Parallel()
	e := setup(t) // no CORSOrigins
	r := e.do(http.MethodOptions, "/v1/agents/", nil, "Origin", "https://app.letta.com", "Access-Control-Request-Method", "GET")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS headers sent with CORS disabled")
	}
	if r.status == http.StatusNoContent {
		t.Errorf("preflight answered 204 with CORS disabled")
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.CORSOrigins = []string{"*"} })
	r := e.do(http.MethodOptions, "/v1/tools/", nil, "Origin", "https://anything.example", "Access-Control-Request-Method", "GET")
	if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "https://anything.example" {
		t.Errorf("preflight with *: status %d origin %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
}

func TestBasePath(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) {
		c.BasePath = "/letta/" // cleaned to /letta
		c.Password = "pw"
	})
	auth := []string{"Authorization", "Bearer pw"}
	tests := []struct {
		path    string
		headers []string
		want    int
	}{
		{"/letta/v1/health/", nil, http.StatusOK},
		{"/letta/v1/ready", nil, http.StatusOK},
		{"/letta/v1/agents/", nil, http.StatusUnauthorized}, // the prefix does not open a way past auth
		{"/letta/v1/agents/", auth, http.StatusOK},
		{"/letta/latest/agents", auth, http.StatusOK},
		{"/v1/agents/", auth, http.StatusOK}, // a proxy that strips the prefix
		{"/lettax/v1/agents/", auth, http.StatusNotFound},
		{"/letta/openapi.json", nil, http.StatusOK},
	}
	for _, tt := range tests {
		r := e.do(http.MethodGet, tt.path, nil, tt.headers...)
		if r.status != tt.want {
			t.Errorf("GET %s: status %d, want %d; body %s", tt.path, r.status, tt.want, r.body)
		}
	}
}

func TestReady(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.Password = "pw" })
	for _, p := range []string{"/v1/ready", "/v1/ready/", "/latest/ready"} {
		r := e.do(http.MethodGet, p, nil) // no password: probes carry none
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"status":"ready"`) {
			t.Errorf("GET %s = %d %s", p, r.status, r.body)
		}
	}
	// The database goes away: readiness says so, as JSON; health does not care.
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	r := e.do(http.MethodGet, "/v1/ready", nil)
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("ready with the store closed: %d %s", r.status, r.body)
	}
	var body map[string]string
	if err := json.Unmarshal(r.body, &body); err != nil || body["status"] != "unavailable" || body["detail"] == "" {
		t.Errorf("ready body %s (%v)", r.body, err)
	}
	if r := e.do(http.MethodGet, "/v1/health/", nil); r.status != http.StatusOK {
		t.Errorf("health with the store closed: %d", r.status)
	}
}

// recordingObserver is an api.RequestObserver that keeps what it is told.
type recordingObserver struct {
	mu       sync.Mutex
	inFlight int
	seen     []string // "METHOD route status"
}

func (o *recordingObserver) RequestStarted() func() {
	o.mu.Lock()
	o.inFlight++
	o.mu.Unlock()
	return func() {
		o.mu.Lock()
		o.inFlight--
		o.mu.Unlock()
	}
}

func (o *recordingObserver) ObserveRequest(method, route string, status int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, method+" "+route+" "+http.StatusText(status))
}

func TestRequestObserverAndMetricsRoute(t *testing.T) {
	t.Parallel()
	obs := &recordingObserver{}
	e := setup(t, func(c *api.Config) {
		c.Password = "pw"
		c.Requests = obs
		c.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("letta_test 1\n")) })
	})
	auth := []string{"Authorization", "Bearer pw"}
	e.do(http.MethodGet, "/v1/agents/agent-00000000-0000-4000-8000-000000000000", nil, auth...)
	e.do(http.MethodGet, "/v1/nowhere", nil, auth...)
	if r := e.do(http.MethodGet, "/metrics", nil); r.status != http.StatusUnauthorized {
		t.Errorf("/metrics without the password: %d, want 401", r.status)
	}
	if r := e.do(http.MethodGet, "/metrics", nil, auth...); r.status != http.StatusOK || string(r.body) != "letta_test 1\n" {
		t.Errorf("/metrics: %d %q", r.status, r.body)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	want := []string{
		"GET /v1/agents/{agent_id} Not Found", // the pattern, never the id
		"GET /v1/* Not Found",
		"GET  Unauthorized", // refused before routing: no pattern
		"GET /metrics OK",
	}
	got := slices.Clone(obs.seen)
	if len(got) != len(want) {
		t.Fatalf("observed %q, want %q", obs.seen, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("observed[%d] = %q, want %q", i, got[i], want[i])
		}
	}
	if obs.inFlight != 0 {
		t.Errorf("in flight after all answered: %d", obs.inFlight)
	}
}
