package anthropic

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm"
)

// FuzzChatStream serves arbitrary bytes as a Messages API SSE stream:
// ChatStream returns a response or an error and never panics.
func FuzzChatStream(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "messages-stream-text.sse")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{"", "event: message_stop\ndata: {}\n\n", "event: content_block_delta\ndata: {\"index\":7,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}\n\n",
		"event: content_block_start\ndata: {\"index\":-1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"x\"}}\n\n",
		"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"o\"}}\n\n", "data: {\n\n"} {
		f.Add([]byte(s))
	}
	var body atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(*body.Load())
	}))
	f.Cleanup(srv.Close)
	client := New(Config{APIKey: testAPIKey, BaseURL: srv.URL, Retry: llm.RetryPolicy{MaxRetries: -1, Timeout: 5 * time.Second}}).APIClient()
	f.Fuzz(func(t *testing.T, stream []byte) {
		body.Store(&stream)
		req := llm.ChatRequest{Model: "claude-sonnet-4-5", Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}}
		resp, err := client.ChatStream(context.Background(), req, func(llm.Delta) error { return nil })
		if err == nil && resp == nil {
			t.Fatalf("stream %q: nil response without error", stream)
		}
	})
}
