package api

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
)

// DefaultStreamPingInterval is Letta's keep-alive interval (Mar-2026
// keepalive_interval): the silence after which a stream sends a ping.
const DefaultStreamPingInterval = 20 * time.Second

// streamMessages answers POST /v1/agents/{agent_id}/messages/stream.
func (s *server) streamMessages(w http.ResponseWriter, r *http.Request) error {
	var req sendRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	return s.streamTurn(w, r, req)
}

// streamTurn takes the agent's turn and streams it as Server-Sent Events
// (letta-api/ENDPOINTS.md §7): each LettaMessage as the engine produces it,
// then stop_reason, usage_statistics and [DONE]. A failure before the first
// event is an ordinary JSON error; after it, the stream ends with a
// stop_reason, an `event: error` frame and [DONE]. When the client goes
// away the request context ends, which cancels the turn.
func (s *server) streamTurn(w http.ResponseWriter, r *http.Request, req sendRequest) error {
	p, err := req.params(true)
	if err != nil {
		return err
	}
	eng, err := s.engine()
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "agent_id")
	if _, err := s.cfg.Store.GetAgent(r.Context(), id); err != nil {
		return notFound(err, "Agent", id)
	}
	if req.Background {
		return s.streamBackground(w, r, eng, id, p, req.IncludePings == nil || *req.IncludePings)
	}

	// A turn outlives any server write timeout; unsupported writers have none.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	sw := newSSEWriter(w)
	stopPings := func() {}
	if req.IncludePings == nil || *req.IncludePings {
		stopPings = sw.keepAlive(cmp.Or(s.cfg.StreamPingInterval, DefaultStreamPingInterval), newPing)
	}
	defer stopPings()
	defer s.recoverStream(r, sw, stopPings)

	run, err := s.startRun(r.Context(), id, p)
	if err != nil {
		return err
	}
	resp, err := s.takeRunTurn(r.Context(), eng, run, p, &streamSink{sw: sw, types: p.IncludeReturnMessageTypes})
	stopPings() // nothing else writes from here on
	// A turn cancelled by a cancel request still answers with a stream
	// (stop_reason cancelled, then [DONE]), even when nothing came before.
	cancelledByRequest := cancelledTurn(err) && r.Context().Err() == nil
	if err != nil && !sw.isStarted() && !cancelledByRequest {
		return notFound(err, "Agent", id)
	}
	if err == nil {
		resp = wireResponse(resp, nil)
		_ = sw.item("", func(seq int64) any { return streamStopReason{resp.StopReason, seq} })
		_ = sw.item("", func(seq int64) any { return streamUsage{resp.Usage, seq} })
		_ = sw.done()
		return nil
	}
	s.endStreamWithError(r, sw, err)
	return nil
}

// endStreamWithError ends a started stream after a failed turn: the stop
// reason, then (unless the turn was cancelled) the error as an `event:
// error` frame, which the 1.x SDK raises and 0.1.x yields, then [DONE].
func (s *server) endStreamWithError(r *http.Request, sw *sseWriter, err error) {
	ctx := r.Context()
	stop := letta.StopError
	var te *agent.TurnError
	if errors.As(err, &te) && te.StopReason != "" {
		stop = te.StopReason
	}
	if ctx.Err() != nil { // the client went away; it reads nothing more
		stop = letta.StopCancelled
	}
	_ = sw.item("", func(seq int64) any { return streamStopReason{letta.NewStopReason(stop), seq} })
	if stop != letta.StopCancelled {
		e := s.streamError(r, err)
		_ = sw.item("error", func(seq int64) any { e.SeqID = seq; return e })
	}
	if werr := sw.done(); werr != nil || ctx.Err() != nil {
		s.log.DebugContext(ctx, "stream ended without its client", "request_id", requestID(ctx), "error", err)
	}
}

// recoverStream ends a started stream cleanly when the turn panics: the
// panic is logged and the client gets an error frame instead of a JSON body
// written into the event stream. Before the stream started, the panic goes
// on to the recoverer middleware (a JSON 500).
func (s *server) recoverStream(r *http.Request, sw *sseWriter, stopPings func()) {
	v := recover()
	if v == nil {
		return
	}
	stopPings()
	if v == http.ErrAbortHandler || !sw.isStarted() {
		panic(v)
	}
	ctx := r.Context()
	s.log.ErrorContext(ctx, "stream handler panicked", "request_id", requestID(ctx), "panic", v, "stack", string(debug.Stack()))
	s.endStreamWithError(r, sw, fmt.Errorf("stream panicked: %v", v))
}

// streamSink is the engine's Sink for a stream: each LettaMessage becomes
// one numbered event. With include_return_message_types only those types
// are sent (the engine does not filter token chunks itself).
type streamSink struct {
	sw    *sseWriter
	types []string
}

// Message writes m; a write error (the client left) stops later writes.
func (k *streamSink) Message(m letta.LettaMessage) error {
	if len(k.types) > 0 && !slices.Contains(k.types, m.MessageType) {
		return nil
	}
	return k.sw.item("", func(seq int64) any {
		m.SeqID = &seq
		return m
	})
}

// streamStopReason is LettaStopReason with its place in the stream.
type streamStopReason struct {
	letta.StopReason
	SeqID int64 `json:"seq_id"`
}

// streamUsage is LettaUsageStatistics with its place in the stream.
type streamUsage struct {
	letta.Usage
	SeqID int64 `json:"seq_id"`
}

// streamPing is LettaPing in its Mar-2026 form (§6.7); the Sep-2025 form
// is just the message_type, which this is a superset of.
type streamPing struct {
	ID          string            `json:"id"`
	Date        letta.MessageDate `json:"date"`
	MessageType string            `json:"message_type"`
	RunID       *string           `json:"run_id"`
	SeqID       int64             `json:"seq_id"`
}

// newPing returns the keep-alive item with the given seq_id.
func newPing(seq int64) any {
	return streamPing{ID: letta.NewID("ping"), Date: letta.MessageDate(letta.Now()), MessageType: letta.MsgPing, SeqID: seq}
}
