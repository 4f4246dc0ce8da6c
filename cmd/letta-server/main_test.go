package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// startServer runs the whole server in-process on 127.0.0.1:0 with cfg
// adjusted for tests, and returns its base URL. Cleanup stops it and checks
// that it shut down cleanly.
func startServer(t *testing.T, env map[string]string) (baseURL string, cfg Config) {
	t.Helper()
	fake, err := llmtest.New("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start fake LLM: %v", err)
	}
	t.Cleanup(fake.Close)

	full := map[string]string{
		"HOME":            t.TempDir(),
		"LETTA_DATA_DIR":  filepath.Join(t.TempDir(), "data"),
		"PORT":            "0",
		"OPENAI_API_KEY":  "sk-test",
		"OPENAI_BASE_URL": fake.URL(),
	}
	for k, v := range env {
		full[k] = v
	}
	cfg, err = LoadConfig(nil, envOf(full), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg.ShutdownTimeout = 5 * time.Second

	ctx, cancel := context.WithCancel(t.Context())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	go func() { done <- serve(ctx, cfg, logger, func(addr string) { addrc <- addr }) }()

	select {
	case addr := <-addrc:
		baseURL = "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("serve returned before listening: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server did not start within 30s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve after shutdown: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("server did not shut down within 15s")
		}
	})
	return baseURL, cfg
}

func getJSON(t *testing.T, url string, header http.Header) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var v map[string]any
	if len(body) > 0 && body[0] == '{' {
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("GET %s: decode %q: %v", url, body, err)
		}
	}
	return res.StatusCode, v
}

func TestServeSQLite(t *testing.T) {
	t.Parallel()
	base, cfg := startServer(t, nil)

	for _, path := range []string{"/v1/health/", "/v1/health"} {
		status, body := getJSON(t, base+path, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, status)
		}
		if body["status"] != "ok" || body["version"] != buildVersion() {
			t.Errorf("GET %s = %v, want status ok and version %q", path, body, buildVersion())
		}
	}
	if _, err := os.Stat(cfg.SQLitePath()); err != nil {
		t.Errorf("SQLite file not created at %s: %v", cfg.SQLitePath(), err)
	}

	// The store and the model registry are wired: an agent can be created.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/v1/agents/", strings.NewReader(
		`{"name":"cmd-test","model":"openai/gpt-4o-mini","embedding":"openai/text-embedding-ada-002","memory_blocks":[{"label":"human","value":"name: Caren"}]}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"agent-`)) {
		t.Errorf("create agent: status %d body %s", res.StatusCode, body)
	}
}

func TestServePassword(t *testing.T) {
	t.Parallel()
	base, _ := startServer(t, map[string]string{"LETTA_SERVER_PASSWORD": "banana"})

	if status, _ := getJSON(t, base+"/v1/health/", nil); status != http.StatusOK {
		t.Errorf("health without token: %d, want 200", status)
	}
	if status, _ := getJSON(t, base+"/v1/agents/", nil); status != http.StatusUnauthorized {
		t.Errorf("agents without token: %d, want 401", status)
	}
	if status, _ := getJSON(t, base+"/v1/agents/", http.Header{"Authorization": {"Bearer banana"}}); status != http.StatusOK {
		t.Errorf("agents with token: %d, want 200", status)
	}
}

func TestServePostgres(t *testing.T) {
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("LETTA_REQUIRE_PG") == "1" {
			t.Fatal("LETTA_REQUIRE_PG=1 but TEST_DATABASE_URL is unset")
		}
		t.Skip("TEST_DATABASE_URL is unset")
	}
	t.Parallel()
	base, cfg := startServer(t, map[string]string{"LETTA_PG_URI": url})
	if cfg.Backend() != "postgres" {
		t.Fatalf("backend %q", cfg.Backend())
	}
	if status, body := getJSON(t, base+"/v1/health/", nil); status != http.StatusOK || body["status"] != "ok" {
		t.Errorf("health: %d %v", status, body)
	}
	if status, _ := getJSON(t, base+"/v1/agents/?limit=1", nil); status != http.StatusOK {
		t.Errorf("list agents: %d", status)
	}
}

func TestServeReportsListenError(t *testing.T) {
	t.Parallel()
	base, _ := startServer(t, nil)
	cfg, err := LoadConfig(nil, envOf(map[string]string{
		"LETTA_DATA_DIR": t.TempDir(),
		"PORT":           strings.TrimPrefix(base[strings.LastIndex(base, ":"):], ":"),
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = serve(t.Context(), cfg, slog.New(slog.DiscardHandler), nil)
	if err == nil || !strings.Contains(err.Error(), "listen on 127.0.0.1:") {
		t.Errorf("serve on a taken port = %v, want a listen error", err)
	}
}

// TestSecondServerOnOneSQLiteFileRefuses: a server started on the data
// directory another one serves fails at once, naming the rule, while an
// import or export beside the first (openStore without serving) works.
func TestSecondServerOnOneSQLiteFileRefuses(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	startServer(t, map[string]string{"LETTA_DATA_DIR": dataDir})
	cfg, err := LoadConfig(nil, envOf(map[string]string{"LETTA_DATA_DIR": dataDir, "PORT": "0"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = serve(t.Context(), cfg, slog.New(slog.DiscardHandler), nil)
	if err == nil || !strings.Contains(err.Error(), "another letta-server process is serving") {
		t.Errorf("second server on one SQLite file = %v, want a refusal", err)
	}
	st, err := openStore(t.Context(), cfg, slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatalf("one-off open beside the server: %v", err)
	}
	st.Close()
}

// cancelOnWrite cancels once the text written to it contains marker.
type cancelOnWrite struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.marker) {
		w.cancel()
	}
	return len(p), nil
}

func (w *cancelOnWrite) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestRunSecureGeneratesPassword(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var stdout bytes.Buffer
	stderr := &cancelOnWrite{marker: "letta-server listening", cancel: cancel}
	err := run(ctx, []string{"--secure"}, envOf(map[string]string{
		"LETTA_DATA_DIR": t.TempDir(),
		"PORT":           "0",
	}), &stdout, stderr)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	_, pw, ok := strings.Cut(strings.TrimSpace(stdout.String()), "password (use it as the SDK token): ")
	if !ok || len(pw) < 24 {
		t.Fatalf("no generated password printed; stdout %q", stdout.String())
	}
	logs := stderr.String()
	if !strings.Contains(logs, "letta-server listening") || !strings.Contains(logs, "password=true") {
		t.Errorf("start line missing or wrong: %s", logs)
	}
	if strings.Contains(logs, pw) {
		t.Errorf("the password reached the log: %s", logs)
	}
}
