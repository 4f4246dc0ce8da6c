package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// syncBuffer is a bytes.Buffer safe for the server's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestJSONLogsCarryRequestIDsAndNoSecrets(t *testing.T) {
	t.Parallel()
	const (
		password = "pw-Zq8x-never-logged"
		apiKey   = "sk-key-never-logged"
	)
	fake := llmtest.NewServer(t)
	stderr := &syncBuffer{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, envOf(map[string]string{
			"HOME": t.TempDir(), "LETTA_DATA_DIR": t.TempDir(), "PORT": "0",
			"LETTA_LOG_FORMAT": "json", "LETTA_SERVER_PASSWORD": password,
			"OPENAI_API_KEY": apiKey, "OPENAI_BASE_URL": fake.URL(),
		}), &syncBuffer{}, stderr)
	}()
	addrRe := regexp.MustCompile(`"msg":"letta-server listening"[^\n]*"addr":"([^"]+)"`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addrRe.FindStringSubmatch(stderr.String()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("no listening line: %s", stderr.String())
	}

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/v1/agents/", nil)
	req.Header.Set("Authorization", "Bearer "+password)
	req.Header.Set("X-Request-Id", "trace-abc-123")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("X-Request-Id") != "trace-abc-123" {
		t.Errorf("request id not echoed: %q", res.Header.Get("X-Request-Id"))
	}
	id := newAgent(t, base, password)
	fake.Enqueue(llmtest.Error(http.StatusUnauthorized, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`))
	call(t, http.MethodPost, base+"/v1/agents/"+id+"/messages", password, map[string]any{"messages": []map[string]any{{"role": "user", "content": "hi"}}}, nil)
	call(t, http.MethodGet, base+"/v1/agents/", "wrong-"+password, nil, nil)

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	logs := stderr.String()
	sawTrace := false
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if rec["msg"] == "http request" {
			if rid, _ := rec["request_id"].(string); rid == "" {
				t.Errorf("request log without request_id: %s", line)
			} else if rid == "trace-abc-123" {
				sawTrace = true
			}
		}
	}
	if !sawTrace {
		t.Errorf("the caller's X-Request-Id is not in the request log")
	}
	if strings.Contains(logs, password) {
		t.Errorf("the server password reached the log")
	}
	if strings.Contains(logs, apiKey) {
		t.Errorf("the API key reached the log")
	}
}
