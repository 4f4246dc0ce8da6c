package openai

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm"
)

// FuzzChatStream serves arbitrary bytes as a chat completions SSE stream:
// ChatStream returns a response or an error, never panics, and an error
// is an *llm.APIError or the context's.
func FuzzChatStream(f *testing.F) {
	for _, name := range []string{"chat-stream-text-usage.sse", "chat-stream-tool-call-usage.sse", "chat-stream-parallel-tool-calls.sse"} {
		b, err := os.ReadFile(filepath.Join("testdata", "openai", name))
		if err != nil {
			f.Fatalf("read seed: %v", err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "data: [DONE]\n\n", "data: {\n\n", "data: null\n\n", "event: error\ndata: {\"error\":{\"message\":\"x\"}}\n\n",
		`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":99999999,"function":{"arguments":"{"}}]}}]}` + "\n\n",
		`data: {"choices":[{"index":-1,"delta":{"tool_calls":[{"index":-3,"id":"a","function":{"name":"x"}}]}}]}` + "\n\n",
		": comment only\n\n", "data: {\"choices\":[]}\n\ndata: [DONE]\n\n"} {
		f.Add([]byte(s))
	}
	var body atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(*body.Load())
	}))
	f.Cleanup(srv.Close)
	client := New(Config{APIKey: testAPIKey, BaseURL: srv.URL + "/v1", MaxRetries: -1, Timeout: 5 * time.Second}).APIClient()
	f.Fuzz(func(t *testing.T, stream []byte) {
		body.Store(&stream)
		req := llm.ChatRequest{Model: "gpt-4o-mini", Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}}
		resp, err := client.ChatStream(context.Background(), req, func(llm.Delta) error { return nil })
		if err != nil {
			var apiErr *llm.APIError
			if !errors.As(err, &apiErr) && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("stream %q: error %v (%T) is not an *llm.APIError", stream, err, err)
			}
			return
		}
		if resp == nil {
			t.Fatalf("stream %q: nil response without error", stream)
		}
	})
}
