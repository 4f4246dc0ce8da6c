package llm

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestRetryStopsOnNonRetryable(t *testing.T) {
	t.Parallel()
	calls := 0
	err := Retry(context.Background(), RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, Timeout: time.Second}, func(context.Context) error {
		calls++
		if calls < 3 {
			return &APIError{Kind: ErrKindServer, StatusCode: 503}
		}
		return &APIError{Kind: ErrKindBadRequest, StatusCode: 400}
	}, func(err error, _ bool) error { return err }, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || calls != 3 {
		t.Errorf("err %v after %d calls, want the 400 after 3", err, calls)
	}
}

func TestRetryAttemptTimeout(t *testing.T) {
	t.Parallel()
	var sawTimeout bool
	err := Retry(context.Background(), RetryPolicy{MaxRetries: -1, Timeout: 20 * time.Millisecond}.WithDefaults(), func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}, func(err error, timedOut bool) error {
		sawTimeout = timedOut
		return &APIError{Kind: ErrKindTimeout}
	}, nil)
	if err == nil || !sawTimeout {
		t.Errorf("err %v, timedOut %v; want a timeout", err, sawTimeout)
	}
}

func TestParseRetryAfterAndBackoff(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", "4")
	if got := ParseRetryAfter(h, now); got != 4*time.Second {
		t.Errorf("Retry-After 4 = %s", got)
	}
	h.Set("Retry-After", now.Add(3*time.Second).Format(http.TimeFormat))
	if got := ParseRetryAfter(h, now); got != 3*time.Second {
		t.Errorf("Retry-After date = %s", got)
	}
	p := RetryPolicy{BaseDelay: time.Second}
	if got := Backoff(p, 0, time.Hour); got != MaxRetryDelay {
		t.Errorf("capped backoff = %s", got)
	}
	if got := Backoff(p, 80, 0); got < MaxRetryDelay/2 || got > MaxRetryDelay {
		t.Errorf("backoff after many attempts = %s, want within the cap", got)
	}
}
