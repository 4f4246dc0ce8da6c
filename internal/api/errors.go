package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/store"
)

// Error bodies.
//
// Ordinary errors are {"detail": "<text>"}, as every Letta era sends them.
//
// Validation errors (bad fields, bad query parameters, malformed JSON) are 422
// with FastAPI's list shape, {"detail": [{"loc": [...], "msg": ..., "type":
// ...}]}. That is the HTTPValidationError schema every spec in
// letta-api/ENDPOINTS.md declares for 422 and what the servers of the 0.1.x
// SDK era sent; the Fern 0.1.x SDK types its UnprocessableEntityError body
// as that schema, while Stainless 1.x does not look inside error bodies at
// all. (The Mar-2026 server's stringified list suits neither better.) One
// shape everywhere keeps clients' error handling to one case.
//
// A block value over its limit is Letta's ValueError: 400 with the string
// "Edit failed: Exceeds N character limit (requested M)".

// httpError is an error with a chosen status and body.
type httpError struct {
	status  int
	detail  any  // string or []fieldError
	noRetry bool // send x-should-retry: false
}

func (e *httpError) Error() string { return fmt.Sprintf("%d: %v", e.status, e.detail) }

// errorf returns an httpError whose detail is the formatted text.
func errorf(status int, format string, args ...any) *httpError {
	return &httpError{status: status, detail: fmt.Sprintf(format, args...)}
}

// fieldError is one entry of a FastAPI-style validation error.
type fieldError struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// fieldErrors reports every bad field of a request at once (422).
type fieldErrors []fieldError

func (fe fieldErrors) Error() string {
	if len(fe) == 0 {
		return "invalid request"
	}
	return fmt.Sprintf("invalid request: %v: %s (and %d more)", fe[0].Loc, fe[0].Msg, len(fe)-1)
}

// add records a problem with the field at loc ("body"/"query" first).
func (fe *fieldErrors) add(msg string, loc ...any) {
	*fe = append(*fe, fieldError{Loc: loc, Msg: msg, Type: "value_error"})
}

// err returns fe as an error, or nil when it is empty.
func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// notFound turns store.ErrNotFound into a 404 naming the resource, e.g.
// notFound(err, "Agent", id); other errors pass through.
func notFound(err error, resource, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "%s not found: %s", resource, id)
	}
	return err
}

// writeError writes err as a JSON error response: the one place that maps
// errors to statuses. 5xx errors are logged with the request id and answered
// with a generic message.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail, noRetry := s.classify(err)
	var extra map[string]any
	var apiErr *llm.APIError
	if errors.As(err, &apiErr) {
		extra = map[string]any{"type": apiErr.Kind, "message": apiErr.Message, "detail": apiErr.Error()}
	}
	ctx := r.Context()
	switch {
	case status == statusClientClosed:
		// The client went away, or the server is shutting down and cancelled
		// the turn. Answer anyway: a client that is still there (the
		// shutdown case) must not get an empty 200; a gone one never reads it.
		s.log.DebugContext(ctx, "request cancelled", "request_id", requestID(ctx), "error", err)
		status, detail, noRetry = http.StatusServiceUnavailable, "The request was cancelled before it finished (the server may be shutting down); try again", false
	case status >= 500:
		s.log.ErrorContext(ctx, "request failed", "request_id", requestID(ctx), "method", r.Method, "path", r.URL.Path, "status", status, "error", err)
	default:
		s.log.DebugContext(ctx, "request rejected", "request_id", requestID(ctx), "status", status, "error", err)
	}
	if noRetry {
		w.Header().Set("x-should-retry", "false")
	}
	if text, ok := detail.(string); ok && status >= 500 {
		detail = fmt.Sprintf("%s (request id %s)", text, requestID(ctx))
	}
	body := map[string]any{"detail": detail}
	if extra != nil {
		body["error"] = extra
	}
	if werr := writeJSON(w, status, body); werr != nil {
		s.log.ErrorContext(ctx, "write error response", "request_id", requestID(ctx), "error", werr)
	}
}

// statusClientClosed marks a cancelled request: its client disconnected or
// the server is shutting down.
const statusClientClosed = 499

// classify maps an error to status, detail and whether to forbid retries.
func (s *server) classify(err error) (int, any, bool) {
	var (
		he      *httpError
		fe      fieldErrors
		limit   *letta.LimitError
		valErr  *agent.ValidationError
		missing *agent.NotFoundError
		pending *agent.PendingApprovalError
		apiErr  *llm.APIError
		maxErr  *http.MaxBytesError
		bodyErr *bodyError
	)
	switch {
	case errors.As(err, &he):
		return he.status, he.detail, he.noRetry || he.status == http.StatusConflict
	case errors.As(err, &fe):
		return http.StatusUnprocessableEntity, []fieldError(fe), false
	case errors.As(err, &maxErr):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes", maxErr.Limit), true
	case errors.As(err, &bodyErr):
		status, detail := bodyErr.answer()
		return status, detail, false
	case errors.As(err, &limit):
		return http.StatusBadRequest, limit.Error(), false
	case errors.As(err, &valErr):
		loc := []any{"body"}
		if valErr.Field != "" {
			loc = append(loc, valErr.Field)
		}
		return http.StatusUnprocessableEntity, []fieldError{{Loc: loc, Msg: valErr.Message, Type: "value_error"}}, false
	case errors.Is(err, llm.ErrUnknownModel):
		return http.StatusBadRequest, err.Error(), false
	case errors.As(err, &pending):
		// Letta's body, so clients can find the request to answer.
		return http.StatusConflict, map[string]any{
			"code":               "PENDING_APPROVAL",
			"message":            "This agent is waiting for approval of a tool call; answer it with an approval message first",
			"pending_request_id": pending.RequestID,
		}, true
	case errors.Is(err, agent.ErrBusy):
		return http.StatusConflict, "Agent is busy with another request; try again once it finishes", true
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, "Conflict: the request clashes with the current state", true
	case errors.As(err, &missing):
		return http.StatusNotFound, missing.Error(), false
	case errors.Is(err, store.ErrNotFound):
		// The wrapped chain names what was missing ("block block-…: not found").
		return http.StatusNotFound, "Not found: " + err.Error(), false
	case errors.As(err, &apiErr):
		return llmStatus(apiErr), "LLM provider error: " + apiErr.Message, true
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "The request timed out", true
	case errors.Is(err, context.Canceled):
		return statusClientClosed, nil, true
	case errors.Is(err, store.ErrUnavailable):
		return http.StatusServiceUnavailable, "The database is unavailable; try again shortly", false
	}
	return http.StatusInternalServerError, "Internal server error", true
}

// llmStatus is the status Letta (Mar-2026) gives a provider failure.
func llmStatus(e *llm.APIError) int {
	switch e.Kind {
	case llm.ErrKindTimeout:
		return http.StatusGatewayTimeout
	case llm.ErrKindRateLimit:
		if e.Code == llm.ErrCodeInsufficientQuota {
			return http.StatusPaymentRequired
		}
		return http.StatusTooManyRequests
	case llm.ErrKindAuthentication:
		return http.StatusUnauthorized
	case llm.ErrKindBadRequest, llm.ErrKindContextWindow:
		return http.StatusBadRequest
	case llm.ErrKindServer, llm.ErrKindInvalidResponse:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}
