package llm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry defaults shared by every provider.
const (
	DefaultMaxRetries     = 3
	DefaultRetryBaseDelay = 500 * time.Millisecond
	DefaultTimeout        = 5 * time.Minute
	// MaxRetryDelay caps one wait between attempts, Retry-After included.
	MaxRetryDelay = 60 * time.Second
)

// RetryPolicy says how often and how patiently a provider call is repeated.
type RetryPolicy struct {
	// MaxRetries is the number of repeats of a retryable failure; 0 means
	// DefaultMaxRetries and a negative value means none.
	MaxRetries int
	BaseDelay  time.Duration // first backoff; doubles per attempt
	Timeout    time.Duration // per attempt, streams included
}

// WithDefaults fills the zero fields and turns a negative MaxRetries into 0.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	switch {
	case p.MaxRetries == 0:
		p.MaxRetries = DefaultMaxRetries
	case p.MaxRetries < 0:
		p.MaxRetries = 0
	}
	p.BaseDelay = cmp.Or(p.BaseDelay, DefaultRetryBaseDelay)
	p.Timeout = cmp.Or(p.Timeout, DefaultTimeout)
	return p
}

// ClassifyFunc turns the error of one attempt into the error to report,
// an *APIError for provider failures. timedOut says the attempt's own
// deadline (not the caller's) ended it.
type ClassifyFunc func(err error, timedOut bool) error

// Retry runs call until it succeeds, fails for good, or the retries are
// spent. Each attempt gets the policy's timeout. Only errors that classify
// to a retryable *APIError are repeated, after Backoff; mayRetry, when set,
// can forbid a repeat (a stream that already delivered deltas). The
// caller's cancellation ends the loop at once.
func Retry(ctx context.Context, p RetryPolicy, call func(context.Context) error, classify ClassifyFunc, mayRetry func() bool) error {
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, p.Timeout)
		err := call(actx)
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		if err == nil {
			return nil
		}
		err = classify(err, timedOut)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || !apiErr.Retryable() || attempt >= p.MaxRetries ||
			(mayRetry != nil && !mayRetry()) {
			return err
		}
		if werr := sleep(ctx, Backoff(p, attempt, apiErr.RetryAfter)); werr != nil {
			return fmt.Errorf("wait to retry after %w: %w", err, werr)
		}
	}
}

// Backoff is the wait before attempt+1: Retry-After when the server gave
// one, else exponential from the policy's BaseDelay with jitter; both
// capped at MaxRetryDelay.
func Backoff(p RetryPolicy, attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, MaxRetryDelay)
	}
	d := min(p.BaseDelay<<attempt, MaxRetryDelay)
	if d <= 0 { // shifted past the int64 range
		d = MaxRetryDelay
	}
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

// ParseRetryAfter reads Retry-After (seconds or an HTTP date) or the
// retry-after-ms some providers add; zero when absent or unparsable.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration {
	if ms := h.Get("Retry-After-Ms"); ms != "" {
		if v, err := strconv.ParseFloat(ms, 64); err == nil && v > 0 {
			return time.Duration(v * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// KindForStatus maps an HTTP status of a failed call to an error kind.
// Providers check their context-window errors first.
func KindForStatus(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrKindAuthentication
	case status == http.StatusTooManyRequests:
		return ErrKindRateLimit
	case status == http.StatusRequestTimeout:
		return ErrKindTimeout
	case status >= 500: // Anthropic's 529 overloaded included
		return ErrKindServer
	case status >= 400:
		return ErrKindBadRequest
	}
	return ErrKindServer
}
