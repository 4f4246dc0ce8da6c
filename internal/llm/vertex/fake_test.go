package vertex

import (
	"context"
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

const (
	testProject  = "test-project"
	testLocation = "us-central1"
)

// answer is one scripted HTTP answer of the fake.
type answer struct {
	status      int
	contentType string
	header      map[string]string
	body        []byte
}

// fake is a local Vertex AI endpoint: it checks the path genai builds for
// the Vertex backend, records each request and replays scripted answers in
// order (the last one repeats).
type fake struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	script  []answer
	paths   []string
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
	prefix := "/v1beta1/projects/" + testProject + "/locations/" + testLocation + "/publishers/google/models/"
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, prefix) {
		http.NotFound(w, r)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.paths = append(f.paths, strings.TrimPrefix(r.URL.Path, prefix)+"?"+r.URL.RawQuery)
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

func (f *fake) calls() ([]string, []map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...), append([]map[string]any(nil), f.bodies...)
}

// provider builds the real provider pointed at the fake. The test HTTP
// client stands in for application default credentials.
func (f *fake) provider(t *testing.T) *Provider {
	t.Helper()
	p, err := New(context.Background(), Config{
		Project: testProject, Location: testLocation, BaseURL: f.srv.URL + "/",
		HTTPClient: &http.Client{},
		Retry:      llm.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, Timeout: 10 * time.Second},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
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
	return answer{status: status, contentType: "application/json; charset=UTF-8", body: readFixture(t, file)}
}

func sseAnswer(t *testing.T, file string) answer {
	return answer{status: 200, contentType: "text/event-stream", body: readFixture(t, file)}
}

func userRequest(model, text string) llm.ChatRequest {
	return llm.ChatRequest{
		Model: model,
		Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: "You are a test persona."},
			{Role: llm.RoleUser, Content: text},
		},
	}
}
