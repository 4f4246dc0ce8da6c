package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

func testServer() *server {
	return &server{cfg: Config{MaxBodyBytes: DefaultMaxBodyBytes}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestPanicBecomesJSON500(t *testing.T) {
	t.Parallel()
	s := testServer()
	h := withRequestID(s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/agents", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %s: %v", rec.Body, err)
	}
	if strings.Contains(body["detail"], "boom") || !strings.Contains(body["detail"], rec.Header().Get("X-Request-Id")) {
		t.Errorf("detail %q should be generic and carry the request id", body["detail"])
	}
}

func TestErrorStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		status    int
		noRetry   bool
		detailHas string
	}{
		{"not found", fmt.Errorf("get agent: %w", store.ErrNotFound), 404, false, "Not found"},
		{"named not found", notFound(store.ErrNotFound, "Agent", "agent-1"), 404, false, "Agent not found: agent-1"},
		{"conflict", fmt.Errorf("attach: %w", store.ErrConflict), 409, true, "Conflict"},
		{"busy", fmt.Errorf("send: %w", agent.ErrBusy), 409, true, "busy"},
		{"validation", &agent.ValidationError{Field: "model", Message: "bad model"}, 422, false, `"loc":["body","model"]`},
		{"limit", fmt.Errorf("edit: %w", &letta.LimitError{Limit: 5, Requested: 9}), 400, false, "Edit failed: Exceeds 5 character limit (requested 9)"},
		{"deadline", fmt.Errorf("llm: %w", context.DeadlineExceeded), 504, true, "timed out"},
		{"unavailable", fmt.Errorf("ping: %w", store.ErrUnavailable), 503, false, "unavailable"},
		{"other", errors.New("secret internal detail"), 500, true, "Internal server error (request id "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := testServer()
			rec := httptest.NewRecorder()
			h := withRequestID(s.handle(func(http.ResponseWriter, *http.Request) error { return tt.err }))
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("x-should-retry") == "false"; got != tt.noRetry {
				t.Errorf("x-should-retry false = %v, want %v", got, tt.noRetry)
			}
			if !strings.Contains(rec.Body.String(), tt.detailHas) {
				t.Errorf("body %s lacks %q", rec.Body, tt.detailHas)
			}
			if strings.Contains(rec.Body.String(), "secret internal detail") {
				t.Errorf("500 body leaks the error: %s", rec.Body)
			}
		})
	}
}
