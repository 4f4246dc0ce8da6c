package openai

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// testAPIKey is what the tests configure; error messages must never show it.
const testAPIKey = "sk-test-0123456789-secret"

// setup starts the fake LLM and a provider pointing at it, with fast retries.
func setup(t *testing.T, cfg Config) (*llmtest.Server, *Client) {
	t.Helper()
	srv := llmtest.NewServer(t)
	cfg.APIKey = testAPIKey
	cfg.BaseURL = srv.URL()
	if cfg.RetryBaseDelay == 0 {
		cfg.RetryBaseDelay = time.Millisecond
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 2
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	return srv, New(cfg).APIClient()
}

// replay serves a fixture file byte for byte at /v1/chat/completions (and
// /v1/embeddings) with the given status and content type.
func replay(t *testing.T, status int, contentType string, body []byte) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return New(Config{APIKey: testAPIKey, BaseURL: srv.URL + "/v1", MaxRetries: -1}).APIClient()
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// asAPIError asserts err carries an *llm.APIError and returns it.
func asAPIError(t *testing.T, err error) *llm.APIError {
	t.Helper()
	var apiErr *llm.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *llm.APIError", err, err)
	}
	return apiErr
}

func userRequest(text string) llm.ChatRequest {
	return llm.ChatRequest{
		Model: "gpt-4o-mini",
		Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: "You are a test persona."},
			{Role: llm.RoleUser, Content: text},
		},
	}
}

func sendMessageTool() llm.Tool {
	return llm.Tool{
		Name:        "send_message",
		Description: "Sends a message to the human user.",
		Parameters: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"message": map[string]any{"type": "string"},
			},
			"required": []any{"message"},
		},
	}
}
