package openai

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

func TestRetryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{RetryBaseDelay: time.Millisecond})
	srv.Enqueue(llmtest.RateLimited("1"), llmtest.Text("finally"))
	start := time.Now()
	got, err := c.Chat(context.Background(), userRequest("hi"))
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("retried after %s, want at least the 1s of Retry-After", elapsed)
	}
	if got.Content != "finally" || len(srv.Requests()) != 2 {
		t.Errorf("content %q after %d requests", got.Content, len(srv.Requests()))
	}
}

func TestRetryStreamBeforeFirstDelta(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Error(503, ""), llmtest.Dropped(0), llmtest.Text("ok"))
	got, err := c.ChatStream(context.Background(), userRequest("hi"), func(llm.Delta) error { return nil })
	if err != nil {
		t.Fatalf("ChatStream: %v", err)
	}
	if got.Content != "ok" || len(srv.Requests()) != 3 {
		t.Errorf("content %q after %d requests", got.Content, len(srv.Requests()))
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		cfg        Config
		stream     bool
		replies    []llmtest.Reply
		wantKind   string
		wantStatus int
		wantRetry  bool
		wantCalls  int
	}{
		{
			name:     "server error until retries run out",
			replies:  []llmtest.Reply{llmtest.Error(500, fixtureText("openai/error-500-server-error.response.json")), llmtest.Error(500, ""), llmtest.Error(502, "<html>bad gateway</html>")},
			wantKind: llm.ErrKindServer, wantStatus: 502, wantRetry: true, wantCalls: 3,
		},
		{
			name:     "401 is not retried",
			replies:  []llmtest.Reply{llmtest.Error(401, fixtureText("openai/error-401-invalid-api-key.response.json")), llmtest.Text("never")},
			wantKind: llm.ErrKindAuthentication, wantStatus: 401, wantCalls: 1,
		},
		{
			name:     "context window",
			replies:  []llmtest.Reply{llmtest.Error(400, fixtureText("openai/error-400-context-length-exceeded.response.json"))},
			wantKind: llm.ErrKindContextWindow, wantStatus: 400, wantCalls: 1,
		},
		{
			name:     "insufficient quota 429 is not retried",
			replies:  []llmtest.Reply{llmtest.Error(429, fixtureText("openai/error-429-insufficient-quota.response.json")), llmtest.Text("never")},
			wantKind: llm.ErrKindRateLimit, wantStatus: 429, wantCalls: 1,
		},
		{
			name:     "rate limit without Retry-After backs off",
			replies:  []llmtest.Reply{llmtest.Error(429, fixtureText("openai/error-429-rate-limit.response.json")), llmtest.Error(429, ""), llmtest.Error(429, "")},
			wantKind: llm.ErrKindRateLimit, wantStatus: 429, wantRetry: true, wantCalls: 3,
		},
		{
			name:     "dropped connection",
			cfg:      Config{MaxRetries: -1},
			replies:  []llmtest.Reply{llmtest.Dropped(0)},
			wantKind: llm.ErrKindServer, wantStatus: 0, wantRetry: true, wantCalls: 1,
		},
		{
			name:     "stream dropped after deltas is not retried",
			stream:   true,
			replies:  []llmtest.Reply{{Content: "one two three four", Drop: true, DropAfterChunks: 3}, llmtest.Text("never")},
			wantKind: llm.ErrKindServer, wantStatus: 200, wantRetry: true, wantCalls: 1,
		},
		{
			name:     "invalid JSON",
			replies:  []llmtest.Reply{llmtest.Malformed(), llmtest.Text("never")},
			wantKind: llm.ErrKindInvalidResponse, wantStatus: 200, wantCalls: 1,
		},
		{
			name:     "invalid JSON in a stream",
			stream:   true,
			replies:  []llmtest.Reply{llmtest.Malformed(), llmtest.Text("never")},
			wantKind: llm.ErrKindInvalidResponse, wantStatus: 200, wantCalls: 1,
		},
		{
			name:     "timeout",
			cfg:      Config{MaxRetries: -1, Timeout: 100 * time.Millisecond},
			replies:  []llmtest.Reply{llmtest.Delayed(5*time.Second, llmtest.Text("late"))},
			wantKind: llm.ErrKindTimeout, wantRetry: true, wantCalls: 1,
		},
		{
			name:     "408 is retried as a timeout",
			replies:  []llmtest.Reply{llmtest.Error(408, ""), llmtest.Error(408, ""), llmtest.Error(408, "")},
			wantKind: llm.ErrKindTimeout, wantStatus: 408, wantRetry: true, wantCalls: 3,
		},
		{
			name:     "non-JSON 404 from a proxy",
			replies:  []llmtest.Reply{{Error: &llmtest.HTTPError{Status: 404, Body: "404 page not found", Headers: map[string]string{"Content-Type": "text/plain"}}}},
			wantKind: llm.ErrKindBadRequest, wantStatus: 404, wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, tt.cfg)
			srv.Enqueue(tt.replies...)
			var err error
			if tt.stream {
				_, err = c.ChatStream(context.Background(), userRequest("hi"), func(llm.Delta) error { return nil })
			} else {
				_, err = c.Chat(context.Background(), userRequest("hi"))
			}
			apiErr := asAPIError(t, err)
			if apiErr.Kind != tt.wantKind || apiErr.StatusCode != tt.wantStatus || apiErr.Retryable() != tt.wantRetry {
				t.Errorf("got kind %s status %d retryable %v; want %s %d %v (%v)",
					apiErr.Kind, apiErr.StatusCode, apiErr.Retryable(), tt.wantKind, tt.wantStatus, tt.wantRetry, err)
			}
			if n := len(srv.Requests()); n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
			if strings.Contains(err.Error(), testAPIKey) {
				t.Errorf("error shows the API key: %v", err)
			}
		})
	}
}

func TestErrorMessageRedactsEchoedKey(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Error(401, `{"error":{"message":"bad key `+testAPIKey+`","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`))
	_, err := c.Chat(context.Background(), userRequest("hi"))
	if err == nil || strings.Contains(err.Error(), testAPIKey) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error %v", err)
	}
}

func TestCanceledContextIsNotAnAPIError(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Delayed(5*time.Second, llmtest.Text("late")))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Chat(ctx, userRequest("hi"))
	var apiErr *llm.APIError
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &apiErr) {
		t.Errorf("err = %v, want the caller's deadline", err)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		header map[string]string
		want   time.Duration
	}{
		"seconds":   {map[string]string{"Retry-After": "2"}, 2 * time.Second},
		"ms header": {map[string]string{"Retry-After-Ms": "150", "Retry-After": "9"}, 150 * time.Millisecond},
		"date":      {map[string]string{"Retry-After": "Wed, 01 Jan 2025 00:00:03 GMT"}, 3 * time.Second},
		"garbage":   {map[string]string{"Retry-After": "soon"}, 0},
		"absent":    {nil, 0},
	}
	for name, tt := range tests {
		h := make(map[string][]string)
		for k, v := range tt.header {
			h[k] = []string{v}
		}
		if got := parseRetryAfter(h, now); got != tt.want {
			t.Errorf("%s: got %s, want %s", name, got, tt.want)
		}
	}
}

func TestBackoffCapsRetryAfter(t *testing.T) {
	t.Parallel()
	c := New(Config{RetryBaseDelay: 100 * time.Millisecond}).APIClient()
	if got := c.backoff(0, time.Hour); got != MaxRetryDelay {
		t.Errorf("backoff with a 1h Retry-After = %s, want %s", got, MaxRetryDelay)
	}
	for attempt := range 4 {
		d := c.backoff(attempt, 0)
		full := 100 * time.Millisecond << attempt
		if d < full/2 || d > full {
			t.Errorf("attempt %d: backoff %s outside [%s, %s]", attempt, d, full/2, full)
		}
	}
}
