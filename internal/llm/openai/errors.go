package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/letta-server/letta-server/internal/llm"
)

// maxErrorMessage bounds how much of an unparsed error body is kept.
const maxErrorMessage = 500

// classify turns an error of one attempt into an *llm.APIError. It returns
// the error unchanged when the caller's own context ended (cancellation is
// not a provider failure). info carries what the transport saw.
func (c *Client) classify(parent context.Context, err error, info *attemptInfo) error {
	if err == nil {
		return nil
	}
	var apiErr *llm.APIError
	if errors.As(err, &apiErr) {
		return err
	}
	if parent.Err() != nil {
		return fmt.Errorf("%s call: %w", c.cfg.Name, parent.Err())
	}
	e := &llm.APIError{Provider: c.cfg.Name}
	if info != nil {
		e.RetryAfter = info.retryAfter
	}

	var oaErr *goopenai.APIError
	var reqErr *goopenai.RequestError
	var netErr net.Error
	switch {
	case errors.As(err, &reqErr): // before APIError: it may wrap an empty one
		e.StatusCode = reqErr.HTTPStatusCode
		e.Message = bodyMessage(reqErr.Body, reqErr.HTTPStatus)
		e.Kind = kindFor(e.StatusCode, "", "", e.Message)
	case errors.As(err, &oaErr):
		e.StatusCode = oaErr.HTTPStatusCode
		e.Message = oaErr.Message
		e.Code = codeString(oaErr.Code)
		e.Kind = kindFor(e.StatusCode, e.Code, oaErr.Type, e.Message)
	case (info != nil && info.timedOut) || errors.Is(err, context.DeadlineExceeded):
		e.Kind = llm.ErrKindTimeout
		e.Message = fmt.Sprintf("no complete answer within %s", c.cfg.Timeout)
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = llm.ErrKindTimeout
		e.Message = "network timeout"
	case connectionError(err):
		e.StatusCode = statusOf(info)
		e.Kind = llm.ErrKindServer
		e.Message = "connection failed: " + err.Error()
	case invalidJSON(err):
		e.StatusCode = statusOf(info)
		e.Kind = llm.ErrKindInvalidResponse
		e.Message = "the response is not valid JSON: " + err.Error()
	default: // go-openai refused the request before sending it
		e.Kind = llm.ErrKindBadRequest
		e.Message = err.Error()
	}
	e.Message = c.redact(e.Message)
	return e
}

// kindFor maps an HTTP status and OpenAI error code to an error kind.
func kindFor(status int, code, typ, message string) string {
	switch {
	case code == "context_length_exceeded" ||
		strings.Contains(message, "maximum context length") ||
		strings.Contains(message, "context length exceeded") ||
		strings.Contains(message, "context_length_exceeded"):
		return llm.ErrKindContextWindow
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return llm.ErrKindAuthentication
	case status == http.StatusTooManyRequests:
		return llm.ErrKindRateLimit
	case status == http.StatusRequestTimeout:
		return llm.ErrKindTimeout
	case status >= 500:
		return llm.ErrKindServer
	case status >= 400:
		return llm.ErrKindBadRequest
	case typ == "invalid_request_error": // an error event inside a stream
		return llm.ErrKindBadRequest
	}
	return llm.ErrKindServer
}

func codeString(code any) string {
	switch v := code.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// bodyMessage extracts a message from an error body that is not the OpenAI
// envelope (vLLM's flat shapes, a proxy's HTML page).
func bodyMessage(body []byte, status string) string {
	var flat struct {
		Message string `json:"message"`
		Error   any    `json:"error"`
	}
	if json.Unmarshal(body, &flat) == nil {
		if flat.Message != "" {
			return flat.Message
		}
		if s, ok := flat.Error.(string); ok && s != "" {
			return s
		}
	}
	msg := strings.TrimSpace(string(body))
	if msg == "" {
		return status
	}
	if len(msg) > maxErrorMessage {
		msg = msg[:maxErrorMessage] + "..."
	}
	return msg
}

// connectionError: no bytes, or not all of them, crossed the wire. Body
// read failures are marked by recordingDoer and the stream reader.
func connectionError(err error) bool {
	var tErr *transportError
	var opErr *net.OpError
	var urlErr *url.Error
	return errors.As(err, &tErr) || errors.As(err, &urlErr) || errors.As(err, &opErr) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// invalidJSON: the bytes arrived whole but do not decode. A truncated body
// that was read completely decodes to io.ErrUnexpectedEOF.
func invalidJSON(err error) bool {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	return errors.As(err, &syntaxErr) || errors.As(err, &typeErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, goopenai.ErrTooManyEmptyStreamMessages)
}

func statusOf(info *attemptInfo) int {
	if info == nil {
		return 0
	}
	return info.status
}

// redact removes the API key from a message, in case a proxy echoed it.
func (c *Client) redact(msg string) string {
	if k := c.cfg.APIKey; len(k) >= 4 {
		msg = strings.ReplaceAll(msg, k, "[redacted]")
	}
	return msg
}

// parseRetryAfter is llm.ParseRetryAfter (kept for the tests).
func parseRetryAfter(h http.Header, now time.Time) time.Duration { return llm.ParseRetryAfter(h, now) }
