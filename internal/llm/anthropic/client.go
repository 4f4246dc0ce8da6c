package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/llm"
)

// Client calls the Messages API. It implements llm.Client and is safe for
// concurrent use.
type Client struct {
	cfg Config
}

var _ llm.Client = (*Client)(nil)

// maxErrorMessage bounds how much of an unparsed error body is kept.
const maxErrorMessage = 500

// Chat makes one non-streaming call, retrying retryable failures.
func (c *Client) Chat(ctx context.Context, req llm.ChatRequest) (*llm.ChatResponse, error) {
	wire, err := toWireRequest(req)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(wire)
	if err != nil {
		return nil, fmt.Errorf("encode messages request: %w", err)
	}
	var out *llm.ChatResponse
	err = llm.Retry(ctx, c.cfg.Retry, func(actx context.Context) error {
		resp, err := c.post(actx, body, false)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return &llm.APIError{Provider: "anthropic", StatusCode: resp.StatusCode, Kind: llm.ErrKindServer, Message: "read response body: " + err.Error()}
		}
		var w wireResponse
		if err := json.Unmarshal(raw, &w); err != nil {
			return invalid(resp.StatusCode, "the response is not a message: "+err.Error())
		}
		out = fromWireResponse(w)
		return nil
	}, c.classifier(ctx), nil)
	if err != nil {
		return nil, fmt.Errorf("anthropic messages: %w", err)
	}
	return out, nil
}

// post sends one request and returns a 2xx response; any other status
// becomes an *llm.APIError built from the body.
func (c *Client) post(ctx context.Context, body []byte, stream bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+"/v1/messages", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Api-Key", c.cfg.APIKey)
	req.Header.Set("Anthropic-Version", APIVersion)
	if stream {
		req.Header.Set("Accept", "text/event-stream")
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	e := errorFromBody(resp.StatusCode, raw)
	e.RetryAfter = llm.ParseRetryAfter(resp.Header, time.Now())
	return nil, e
}

// wireError is Anthropic's error envelope, as a body or a stream event.
type wireError struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

// errorFromBody classifies a failed call: the status decides, except for
// prompts that are too long (a context-window error) and overloaded_error,
// which may arrive as 529 or as a stream event.
func errorFromBody(status int, raw []byte) *llm.APIError {
	e := &llm.APIError{Provider: "anthropic", StatusCode: status}
	var w wireError
	if json.Unmarshal(raw, &w) == nil && w.Error.Message != "" {
		e.Message, e.Code = w.Error.Message, w.Error.Type
	} else {
		e.Message = strings.TrimSpace(string(raw))
		if len(e.Message) > maxErrorMessage {
			e.Message = e.Message[:maxErrorMessage] + "..."
		}
		if e.Message == "" {
			e.Message = http.StatusText(status)
		}
	}
	switch {
	case strings.Contains(e.Message, "prompt is too long") || strings.Contains(e.Message, "context window"):
		e.Kind = llm.ErrKindContextWindow
	case e.Code == "overloaded_error" || e.Code == "api_error":
		e.Kind = llm.ErrKindServer
	case e.Code == "rate_limit_error":
		e.Kind = llm.ErrKindRateLimit
	case status == 0:
		e.Kind = llm.ErrKindServer
	default:
		e.Kind = llm.KindForStatus(status)
	}
	return e
}

func invalid(status int, msg string) *llm.APIError {
	return &llm.APIError{Provider: "anthropic", StatusCode: status, Kind: llm.ErrKindInvalidResponse, Message: msg}
}

// classifier turns an attempt's error into an *llm.APIError, leaving the
// caller's own cancellation as it is, and removes the key from messages.
func (c *Client) classifier(parent context.Context) llm.ClassifyFunc {
	return func(err error, timedOut bool) error {
		var apiErr *llm.APIError
		switch {
		case errors.As(err, &apiErr):
		case parent.Err() != nil:
			return fmt.Errorf("anthropic call: %w", parent.Err())
		case timedOut || errors.Is(err, context.DeadlineExceeded):
			apiErr = &llm.APIError{Provider: "anthropic", Kind: llm.ErrKindTimeout, Message: fmt.Sprintf("no complete answer within %s", c.cfg.Retry.Timeout)}
		default: // the connection failed or was cut
			apiErr = &llm.APIError{Provider: "anthropic", Kind: llm.ErrKindServer, Message: "connection failed: " + err.Error()}
		}
		if k := c.cfg.APIKey; len(k) >= 4 {
			apiErr.Message = strings.ReplaceAll(apiErr.Message, k, "[redacted]")
		}
		return apiErr
	}
}
