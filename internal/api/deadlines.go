package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Defaults of Config.BodyReadTimeout and Config.WriteTimeout.
const (
	DefaultBodyReadTimeout = time.Minute
	DefaultWriteTimeout    = time.Minute
)

// clientDeadlines bounds what a slow or stalled client can hold. The
// http.Server has no ReadTimeout or WriteTimeout, because a send may run
// for minutes before it answers and a stream for longer; instead the
// request body must arrive within BodyReadTimeout of the headers, and each
// 64 KiB of the response must be taken by the client within WriteTimeout.
// A write deadline left by the connection's previous request is cleared.
func (s *server) clientDeadlines(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Time{}) // errors: not a real connection (tests)
		if r.Body != nil && r.Body != http.NoBody {
			_ = rc.SetReadDeadline(time.Now().Add(s.cfg.BodyReadTimeout))
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, timeout: s.cfg.BodyReadTimeout}
		}
		next.ServeHTTP(&deadlineWriter{ResponseWriter: w, rc: rc, timeout: s.cfg.WriteTimeout}, r)
		// The server flushes the response's buffered tail after the handler
		// returns: that write gets a deadline of its own too.
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	})
}

// deadlineBody lifts the body's read deadline once the whole body has been
// read: the connection's background read that notices a client going away
// must not time out while the handler runs. After a failed read the
// deadline stays, so the server's discarding of the rest fails as fast. A
// body the client stalls or cuts short fails as a *bodyError.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	done    bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = &bodyError{cause: err, timeout: b.timeout}
	}
	return n, err
}

// bodyError is a request body the client did not deliver: it stalled past
// the timeout (408) or ended before its declared length (400).
type bodyError struct {
	cause   error
	timeout time.Duration
}

func (e *bodyError) Error() string { return "read request body: " + e.cause.Error() }
func (e *bodyError) Unwrap() error { return e.cause }

// answer is the status and detail the client gets.
func (e *bodyError) answer() (int, string) {
	if errors.Is(e.cause, os.ErrDeadlineExceeded) {
		return http.StatusRequestTimeout, fmt.Sprintf("The request body did not arrive within %s", e.timeout)
	}
	return http.StatusBadRequest, "The request body ended before its declared length"
}

// deadlineWriter gives every piece of the response (at most
// writeChunkBytes) its own deadline, so an answer or a stream may last as
// long as its client keeps reading, however large or slow.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

// writeChunkBytes is how much of the response a client must take within
// WriteTimeout.
const writeChunkBytes = 64 << 10

func (w *deadlineWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return w.ResponseWriter.Write(p)
	}
	written := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), writeChunkBytes)]
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
		n, err := w.ResponseWriter.Write(chunk)
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// Unwrap lets http.ResponseController reach the connection (Flush).
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
