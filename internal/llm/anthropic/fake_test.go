package anthropic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm"
)

const testAPIKey = "sk-ant-test-0123456789"

// answer is one scripted HTTP answer of the fake.
type answer struct {
	status      int
	contentType string
	header      map[string]string
	body        []byte
}

// fake is a local Messages API: it checks the headers Anthropic requires,
// records each request body and replays the scripted answers in order
// (the last one repeats).
type fake struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	script  []answer
	bodies  []map[string]any
	arrived []time.Time
}

func newFake(t *testing.T, script ...answer) *fake {
	t.Helper()
	f := &fake{t: t, script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/messages" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("X-Api-Key") != testAPIKey || r.Header.Get("Anthropic-Version") != APIVersion {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write(readFixture(f.t, "error-401-authentication.response.json"))
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.arrived = append(f.arrived, time.Now())
	a := f.script[min(len(f.bodies)-1, len(f.script)-1)]
	f.mu.Unlock()
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", a.contentType)
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

func (f *fake) requests() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.bodies...)
}

func (f *fake) client() *Client {
	return New(Config{APIKey: testAPIKey, BaseURL: f.srv.URL, Retry: llm.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, Timeout: 10 * time.Second}}).APIClient()
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

func jsonAnswer(t *testing.T, status int, file string) answer {
	return answer{status: status, contentType: "application/json", body: readFixture(t, file)}
}

func sseAnswer(t *testing.T, file string) answer {
	return answer{status: 200, contentType: "text/event-stream; charset=utf-8", body: readFixture(t, file)}
}

// sseFromChunks frames payload-only fixture lines (and extra payloads) the
// way Anthropic does: "event: <type>" then "data: <json>", blank line.
func sseFromChunks(t *testing.T, chunks []byte, extra ...string) answer {
	t.Helper()
	var b bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(chunks))
	lines := []string{}
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			lines = append(lines, s)
		}
	}
	for _, line := range append(lines, extra...) {
		var ev struct{ Type string }
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("chunk %q: %v", line, err)
		}
		b.WriteString("event: " + ev.Type + "\ndata: " + line + "\n\n")
	}
	return answer{status: 200, contentType: "text/event-stream", body: b.Bytes()}
}

func userRequest(text string) llm.ChatRequest {
	return llm.ChatRequest{
		Model: "claude-3-5-sonnet-20240620",
		Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: "You are a test persona."},
			{Role: llm.RoleUser, Content: text},
		},
	}
}
