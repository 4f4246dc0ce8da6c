package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// prefixProxy is a reverse proxy on 127.0.0.1 that publishes the server
// under /letta. With strip it removes the prefix and says so in
// X-Forwarded-Prefix (Traefik, nginx with a trailing slash); without, it
// forwards the path as is and the server is told via LETTA_BASE_PATH.
func prefixProxy(t *testing.T, backend string, strip bool) string {
	t.Helper()
	target, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.SetXForwarded()
			if strip {
				r.Out.URL.Path = strings.TrimPrefix(r.In.URL.Path, "/letta")
				r.Out.URL.RawPath = ""
				r.Out.Header.Set("X-Forwarded-Prefix", "/letta")
			}
		},
		FlushInterval: -1, // pass stream events through at once
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL + "/letta"
}

func TestBehindPathPrefixProxyWithPassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		strip bool
		env   map[string]string
	}{
		{"proxy keeps the prefix, LETTA_BASE_PATH set", false, map[string]string{"LETTA_BASE_PATH": "/letta"}},
		{"proxy strips the prefix", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const pw = "correct horse"
			fake := llmtest.NewServer(t)
			env := map[string]string{"LETTA_SERVER_PASSWORD": pw}
			for k, v := range tc.env {
				env[k] = v
			}
			in := launch(t, fake, env)
			base := prefixProxy(t, in.base, tc.strip)

			for _, p := range []string{"/v1/health/", "/v1/ready"} {
				if st := call(t, http.MethodGet, base+p, "", nil, nil); st != http.StatusOK {
					t.Errorf("GET %s through the proxy: %d", p, st)
				}
			}
			if st := call(t, http.MethodGet, base+"/v1/agents/", "", nil, nil); st != http.StatusUnauthorized {
				t.Errorf("agents without the password: %d, want 401", st)
			}
			if st := call(t, http.MethodGet, base+"/v1/agents/", "wrong", nil, nil); st != http.StatusUnauthorized {
				t.Errorf("agents with a wrong password: %d, want 401", st)
			}
			id := newAgent(t, base, pw)

			// A streamed turn through the proxy arrives whole and in order.
			fake.Enqueue(llmtest.Text("hello through the proxy"))
			res := send(t, http.MethodPost, base+"/v1/agents/"+id+"/messages/stream", pw,
				map[string]any{"messages": []map[string]any{{"role": "user", "content": "hi"}}, "stream_tokens": true})
			events := readSSE(t, res.Body, nil)
			res.Body.Close()
			got := kinds(events)
			if n := len(got); n < 3 || got[n-1] != "[DONE]" || got[n-3] != "stop_reason:end_turn" {
				t.Errorf("stream through the proxy: %v", got)
			}
			var text strings.Builder
			for _, e := range events {
				if e.kind == "assistant_message" {
					s, _ := e.body["content"].(string)
					text.WriteString(s)
				}
			}
			if text.String() != "hello through the proxy" {
				t.Errorf("streamed text = %q", text.String())
			}

			// The API document names the prefix clients use.
			var doc struct {
				Servers []struct{ URL string } `json:"servers"`
			}
			if st := call(t, http.MethodGet, base+"/openapi.json", "", nil, &doc); st != http.StatusOK || len(doc.Servers) == 0 || doc.Servers[0].URL != "/letta/" {
				t.Errorf("openapi through the proxy: %d %+v", st, doc.Servers)
			}

			// The metrics need the password too, and count the turn.
			if st := call(t, http.MethodGet, base+"/metrics", "", nil, nil); st != http.StatusUnauthorized {
				t.Errorf("/metrics without the password: %d", st)
			}
			res = send(t, http.MethodGet, base+"/metrics", pw, nil)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			m := string(body)
			for _, re := range []string{
				`letta_agent_steps_total\{model="gpt-4o-mini",provider="openai",status="success"\} (\d+)`,
				`letta_llm_tokens_total\{kind="prompt",model="gpt-4o-mini",provider="openai"\} (\d+)`,
				`letta_llm_tokens_total\{kind="completion",model="gpt-4o-mini",provider="openai"\} (\d+)`,
				`letta_llm_calls_total\{model="gpt-4o-mini",outcome="ok",provider="openai",stream="true"\} (\d+)`,
				`letta_http_requests_total\{method="POST",route="/v1/agents/\{agent_id\}/messages/stream",status="200"\} (\d+)`,
				`letta_db_pool_max_connections\{backend="sqlite"\} (\d+)`,
			} {
				match := regexp.MustCompile(re).FindStringSubmatch(m)
				if match == nil {
					t.Errorf("metrics lack %s", re)
					continue
				}
				if n, _ := strconv.Atoi(match[1]); n <= 0 {
					t.Errorf("%s = %d, want > 0", re, n)
				}
			}
		})
	}
}
