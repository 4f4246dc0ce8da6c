package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/letta-server/letta-server/internal/llm"
)

// Client calls one OpenAI-compatible endpoint. It implements llm.Client and
// llm.Embedder and is safe for concurrent use.
type Client struct {
	cfg Config
	api *goopenai.Client
}

var (
	_ llm.Client   = (*Client)(nil)
	_ llm.Embedder = (*Client)(nil)
)

func newClient(cfg Config) *Client {
	oc := goopenai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = recordingDoer{client: cfg.HTTPClient}
	return &Client{cfg: cfg, api: goopenai.NewClientWithConfig(oc)}
}

// Chat makes one non-streaming call, retrying retryable failures.
func (c *Client) Chat(ctx context.Context, req llm.ChatRequest) (*llm.ChatResponse, error) {
	wire := toWireRequest(req)
	var out *llm.ChatResponse
	err := c.retry(ctx, func(actx context.Context) error {
		resp, err := c.api.CreateChatCompletion(actx, wire)
		if err != nil {
			return err
		}
		out, err = c.fromWireResponse(resp)
		return err
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("chat completion: %w", err)
	}
	return out, nil
}

// attemptInfo is what the transport saw during one attempt.
type attemptInfo struct {
	status     int
	retryAfter time.Duration
	timedOut   bool
}

type attemptKey struct{}

// transportError marks a failure to exchange bytes with the server (as
// opposed to bytes that were exchanged but make no sense).
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// recordingDoer is go-openai's HTTP client: it notes the status and
// Retry-After of each answer for the attempt in progress, and reads
// non-streamed bodies whole so that a connection cut mid-body is told apart
// from a body that is not JSON.
type recordingDoer struct{ client *http.Client }

func (d recordingDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	if info, ok := req.Context().Value(attemptKey{}).(*attemptInfo); ok {
		info.status = resp.StatusCode
		info.retryAfter = parseRetryAfter(resp.Header, time.Now())
	}
	if req.Header.Get("Accept") == "text/event-stream" && resp.StatusCode < 300 {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, &transportError{fmt.Errorf("read response body: %w", err)}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// retry runs call until it succeeds, fails for good, or the retries are
// spent. Each attempt gets the configured timeout. mayRetry, when set, can
// forbid a repeat (a stream that already delivered deltas).
func (c *Client) retry(ctx context.Context, call func(context.Context) error, mayRetry func() bool) error {
	for attempt := 0; ; attempt++ {
		info := &attemptInfo{}
		actx, cancel := context.WithTimeout(context.WithValue(ctx, attemptKey{}, info), c.cfg.Timeout)
		err := call(actx)
		info.timedOut = errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		if err == nil {
			return nil
		}
		err = c.classify(ctx, err, info)
		var apiErr *llm.APIError
		if !errors.As(err, &apiErr) || !apiErr.Retryable() || attempt >= c.cfg.MaxRetries ||
			(mayRetry != nil && !mayRetry()) {
			return err
		}
		if werr := sleep(ctx, c.backoff(attempt, apiErr.RetryAfter)); werr != nil {
			return fmt.Errorf("wait to retry after %w: %w", err, werr)
		}
	}
}

// backoff is the wait before attempt+1: Retry-After when the server gave
// one, else exponential from RetryBaseDelay with jitter; both capped.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, MaxRetryDelay)
	}
	d := min(c.cfg.RetryBaseDelay<<attempt, MaxRetryDelay)
	half := d / 2
	return half + rand.N(half+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
