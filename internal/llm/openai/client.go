package openai

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
	if err := c.checkImages(req); err != nil {
		return nil, err
	}
	ctx, stub, err := c.encodeBody(ctx, toWireRequest(req))
	if err != nil {
		return nil, fmt.Errorf("chat completion: %w", err)
	}
	var out *llm.ChatResponse
	err = c.retry(ctx, func(actx context.Context) error {
		resp, err := c.api.CreateChatCompletion(actx, stub)
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

// encodedBodyKey carries the body of a chat request, encoded by
// encodeWireRequest, to recordingDoer.
type encodedBodyKey struct{}

// encodeBody checks wire as go-openai would and encodes it. go-openai
// takes no encoded body, so it is handed a stub request (the model only,
// for its URL and checks) and the returned context makes recordingDoer
// send the encoded body in place of the stub's. A refusal is an
// llm.APIError of kind bad request, as when go-openai refused.
func (c *Client) encodeBody(ctx context.Context, wire goopenai.ChatCompletionRequest) (context.Context, goopenai.ChatCompletionRequest, error) {
	stub := goopenai.ChatCompletionRequest{Model: wire.Model}
	if err := goopenai.NewReasoningValidator().Validate(wire); err != nil {
		return ctx, stub, c.classify(ctx, err, nil)
	}
	body, err := encodeWireRequest(wire)
	if err != nil {
		return ctx, stub, c.classify(ctx, err, nil)
	}
	return context.WithValue(ctx, encodedBodyKey{}, body), stub, nil
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

// recordingDoer is go-openai's HTTP client: it sends a chat request's
// encoded body (encodeBody), notes the status and Retry-After of each
// answer for the attempt in progress, and reads non-streamed bodies whole
// so that a connection cut mid-body is told apart from a body that is not
// JSON.
type recordingDoer struct{ client *http.Client }

func (d recordingDoer) Do(req *http.Request) (*http.Response, error) {
	if body, ok := req.Context().Value(encodedBodyKey{}).([]byte); ok {
		setBody(req, body)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	if info, ok := req.Context().Value(attemptKey{}).(*attemptInfo); ok {
		info.status = resp.StatusCode
		info.retryAfter = llm.ParseRetryAfter(resp.Header, time.Now())
	}
	if req.Header.Get("Accept") == "text/event-stream" && resp.StatusCode < 300 {
		resp.Body = aliasReasoningStream(resp.Body)
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, &transportError{fmt.Errorf("read response body: %w", err)}
	}
	if resp.StatusCode < 300 {
		body = aliasReasoning(body)
		resp.ContentLength = int64(len(body))
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func setBody(req *http.Request, body []byte) {
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

// retry runs call under the shared retry loop (llm.Retry), giving each
// attempt a record of what the transport saw so classify can use the
// status and Retry-After. mayRetry, when set, can forbid a repeat.
func (c *Client) retry(ctx context.Context, call func(context.Context) error, mayRetry func() bool) error {
	var info *attemptInfo
	return llm.Retry(ctx, c.policy(), func(actx context.Context) error {
		info = &attemptInfo{}
		return call(context.WithValue(actx, attemptKey{}, info))
	}, func(err error, timedOut bool) error {
		info.timedOut = timedOut
		return c.classify(ctx, err, info)
	}, mayRetry)
}

func (c *Client) policy() llm.RetryPolicy {
	return llm.RetryPolicy{MaxRetries: c.cfg.MaxRetries, BaseDelay: c.cfg.RetryBaseDelay, Timeout: c.cfg.Timeout}
}

// backoff is the wait before attempt+1 under this client's policy.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	return llm.Backoff(c.policy(), attempt, retryAfter)
}
