package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// sseWriter writes a Server-Sent Events stream both Letta SDK parsers read
// (letta-api/ENDPOINTS.md §7.2): every event is one `data: <compact JSON>`
// line and a blank line, flushed at once; `event:` is used only for the
// terminal error. The status and headers go out with the first event, so a
// failure before it can still be an ordinary JSON error. It is safe for
// concurrent use (the engine's sink and the keep-alive pinger share it).
type sseWriter struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
	closed  bool      // [DONE] was written: nothing more goes out
	seq     int64     // seq_id of the last item written
	relayed bool      // items are stored chunks with their own seq_ids (see relay)
	last    time.Time // when the last event (or the stream) started
	err     error     // the first write failure; later writes are skipped
}

func newSSEWriter(w http.ResponseWriter) *sseWriter {
	return &sseWriter{w: w, rc: http.NewResponseController(w), last: time.Now()}
}

// doneLine ends a stream. Fern 0.1.x stops at any data line that contains
// "[DONE]", so the text never appears inside a JSON event (see encodeEvent).
const doneLine = "data: [DONE]\n\n"

// item writes one numbered item: build gets the next seq_id and returns the
// value to encode. event is "" for ordinary items.
func (sw *sseWriter) item(event string, build func(seq int64) any) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.closed || sw.err != nil {
		return sw.err
	}
	if !sw.relayed { // a relayed stream's pings repeat the last seq_id
		sw.seq++
	}
	data, err := encodeEvent(build(sw.seq))
	if err != nil {
		return err // a bug in a wire type; the stream itself is still sound
	}
	var frame bytes.Buffer
	if event != "" {
		fmt.Fprintf(&frame, "event: %s\n", event)
	}
	frame.WriteString("data: ")
	frame.Write(data)
	frame.WriteString("\n\n")
	return sw.writeLocked(frame.Bytes())
}

// newRelayWriter returns an sseWriter for stored chunks (see relay) that
// follow the seq_id after.
func newRelayWriter(w http.ResponseWriter, after int64) *sseWriter {
	sw := newSSEWriter(w)
	sw.relayed, sw.seq = true, after
	return sw
}

// relay writes one stored item, already encoded, whose seq_id is seq. A
// keep-alive ping then carries that seq_id, so a client that resumes after
// a ping's seq_id misses nothing.
func (sw *sseWriter) relay(event string, data []byte, seq int64) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.closed || sw.err != nil {
		return sw.err
	}
	sw.seq = seq
	var frame bytes.Buffer
	if event != "" {
		fmt.Fprintf(&frame, "event: %s\n", event)
	}
	frame.WriteString("data: ")
	frame.Write(data)
	frame.WriteString("\n\n")
	return sw.writeLocked(frame.Bytes())
}

// done writes the final [DONE]; later writes are dropped.
func (sw *sseWriter) done() error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.closed || sw.err != nil {
		return sw.err
	}
	err := sw.writeLocked([]byte(doneLine))
	sw.closed = true
	return err
}

// isStarted reports whether the status line has gone out.
func (sw *sseWriter) isStarted() bool {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.started
}

func (sw *sseWriter) writeLocked(frame []byte) error {
	if !sw.started {
		h := sw.w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no") // nginx: pass events through unbuffered
		sw.w.WriteHeader(http.StatusOK)
		sw.started = true
	}
	sw.last = time.Now()
	if _, err := sw.w.Write(frame); err != nil {
		sw.err = fmt.Errorf("write event: %w", err)
		return sw.err
	}
	if err := sw.rc.Flush(); err != nil {
		sw.err = fmt.Errorf("flush event: %w", err)
		return sw.err
	}
	return nil
}

// encodeEvent returns v as compact single-line JSON. "[DONE]" inside a
// string is written as "[DONE\u005d" (the same text once decoded), so that
// Fern's parser does not end the stream on it; outside strings the sequence
// cannot occur in JSON.
func encodeEvent(v any) ([]byte, error) {
	data, err := json.Marshal(v) // compact; newlines in strings are escaped
	if err != nil {
		return nil, fmt.Errorf("encode stream event: %w", err)
	}
	return bytes.ReplaceAll(data, []byte("[DONE]"), []byte(`[DONE\u005d`)), nil
}

// keepAlive sends a ping from a goroutine whenever the stream has been
// silent for every, until the returned stop is called (stop waits for the
// goroutine and may be called more than once).
func (sw *sseWriter) keepAlive(every time.Duration, ping func(seq int64) any) (stop func()) {
	quit := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTimer(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				t.Reset(sw.pingIfIdle(every, ping))
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			<-exited
		})
	}
}

// pingIfIdle sends a ping when nothing was written for every, and returns
// how long to wait before looking again.
func (sw *sseWriter) pingIfIdle(every time.Duration, ping func(seq int64) any) time.Duration {
	sw.mu.Lock()
	idle := time.Since(sw.last)
	sw.mu.Unlock()
	if idle < every {
		return every - idle
	}
	_ = sw.item("", ping) // a failed write is kept in sw.err and ends the stream's output
	return every
}
