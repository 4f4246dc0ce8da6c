package faulttest

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/store/pgtest"
)

// cutProxy forwards TCP connections to a target until cut: then it closes
// every open connection and drops new ones at once, until restored.
type cutProxy struct {
	ln     net.Listener
	target string
	down   atomic.Bool
	mu     sync.Mutex
	conns  map[net.Conn]bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			c.Close()
			continue
		}
		go p.pipe(c)
	}
}

func (p *cutProxy) pipe(c net.Conn) {
	u, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[u] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(u, c); u.Close(); c.Close() }()
	_, _ = io.Copy(c, u)
	c.Close()
	u.Close()
}

// cut closes every connection and refuses new ones.
func (p *cutProxy) cut() {
	p.down.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *cutProxy) restore() { p.down.Store(false) }

// TestPostgresOutage runs the server on Postgres through a proxy, cuts the
// database off while requests are flowing, and checks that requests fail
// cleanly (503 with a JSON body, no hang beyond the client's patience) and
// that the server serves again by itself once the database is back.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.DatabaseURL(t)
	if dbURL == "" {
		t.Skip("TEST_DATABASE_URL is not set")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema, _ := pgtest.Schema(t, dbURL, "fault")
	proxy := newCutProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	q := u.Query()
	q.Set("search_path", schema+",public")
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()

	fake := llmtest.NewServer(t)
	srv := startServer(t, "LETTA_PG_URI="+u.String(), "OPENAI_API_KEY=test", "OPENAI_BASE_URL="+fake.URL())
	agentID := createAgent(t, srv.base, "outage")
	if r := send(t, srv.base, agentID, "hello"); r.status != http.StatusOK {
		t.Fatalf("turn before the outage: %d %s", r.status, r.body)
	}

	proxy.cut()
	for _, req := range []struct{ method, path string }{
		{"GET", "/v1/agents"},
		{"GET", "/v1/agents/" + agentID},
		{"POST", "/v1/agents/" + agentID + "/messages"},
	} {
		start := time.Now()
		var r result
		if req.method == "POST" {
			r = send(t, srv.base, agentID, "are you there?")
		} else {
			r = call(t, srv.base, req.method, req.path, nil)
		}
		if r.status != http.StatusServiceUnavailable || !isJSONError(r) {
			t.Errorf("%s %s during the outage = %d %s, want 503 with a JSON body", req.method, req.path, r.status, r.body)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("%s %s took %v to fail", req.method, req.path, d)
		}
	}
	if r := call(t, srv.base, "GET", "/v1/health", nil); r.status != http.StatusOK {
		t.Errorf("health during the outage = %d", r.status)
	}

	proxy.restore()
	deadline := time.Now().Add(30 * time.Second)
	var r result
	for time.Now().Before(deadline) {
		if r = call(t, srv.base, "GET", "/v1/agents/"+agentID, nil); r.status == http.StatusOK {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r.status != http.StatusOK {
		t.Fatalf("server did not recover in 30s: %d %s", r.status, r.body)
	}
	if r := send(t, srv.base, agentID, "back again?"); r.status != http.StatusOK || stopReason(t, r) != "end_turn" {
		t.Fatalf("turn after the outage: %d %s", r.status, r.body)
	}
	checkPaired(t, agentID, messages(t, srv.base, agentID))
}
