package api

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Defaults and bounds of following a background stream.
const (
	// defaultRelayPoll is RetrieveStreamRequest's poll_interval default.
	defaultRelayPoll = 100 * time.Millisecond
	// maxRelayPoll bounds poll_interval.
	maxRelayPoll = time.Minute
	// defaultRelayBatch is RetrieveStreamRequest's batch_size default.
	defaultRelayBatch = 100
	// maxRelayBatch bounds batch_size.
	maxRelayBatch = 10000
	// runChunkGrace is how long a follower still waits for the closing item
	// of a run that has finished: the replica running it stores the last
	// chunks just after the run's outcome. A run interrupted by a restart
	// never gets them; its stream ends after this.
	runChunkGrace = 5 * time.Second
)

// retrieveStreamRequest is RetrieveStreamRequest (§3.8). The Mar-2026
// agent_id, run_id and otid are accepted and ignored.
type retrieveStreamRequest struct {
	StartingAfter *int64   `json:"starting_after"`
	IncludePings  *bool    `json:"include_pings"`
	PollInterval  *float64 `json:"poll_interval"`
	BatchSize     *int     `json:"batch_size"`
}

// relayParams says how to follow a stored stream.
type relayParams struct {
	after int64         // send the chunks after this seq_id
	pings bool          // send keep-alive pings
	poll  time.Duration // how often to look for new chunks in the store
	batch int           // how many chunks to read at once
}

// params validates the request and returns it with defaults filled in.
func (req retrieveStreamRequest) params() (relayParams, error) {
	var fe fieldErrors
	p := relayParams{pings: true, poll: defaultRelayPoll, batch: defaultRelayBatch}
	if req.StartingAfter != nil {
		if *req.StartingAfter < 0 {
			fe.add("Input should be greater than or equal to 0", "body", "starting_after")
		}
		p.after = *req.StartingAfter
	}
	if req.IncludePings != nil {
		p.pings = *req.IncludePings
	}
	if v := req.PollInterval; v != nil {
		if math.IsNaN(*v) || *v <= 0 || *v > maxRelayPoll.Seconds() {
			fe.add("Input should be greater than 0 and at most 60 (seconds)", "body", "poll_interval")
		} else {
			p.poll = time.Duration(*v * float64(time.Second))
		}
	}
	if v := req.BatchSize; v != nil {
		if *v < 1 || *v > maxRelayBatch {
			fe.add("Input should be between 1 and 10000", "body", "batch_size")
		}
		p.batch = *v
	}
	return p, fe.err()
}

// streamRun answers POST /v1/runs/{run_id}/stream: it re-attaches to a
// background stream, replaying the stored chunks after starting_after and
// following the run live until it ends. A run that was not a background
// stream has no stored stream: 400, as Letta answers.
func (s *server) streamRun(w http.ResponseWriter, r *http.Request) error {
	var req retrieveStreamRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	p, err := req.params()
	if err != nil {
		return err
	}
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	if !letta.Deref(run.Background) {
		return errorf(http.StatusBadRequest, "Run was not created in background mode, so it cannot be retrieved.")
	}
	return s.relayRunStream(w, r, run.ID, p)
}

// relayRunStream streams the run's chunks after p.after as SSE, then
// [DONE] once the run has ended and every chunk is sent. A run this
// process is streaming is followed in memory; any other is read from the
// store every p.poll. It returns when the client leaves, too.
func (s *server) relayRunStream(w http.ResponseWriter, r *http.Request, runID string, p relayParams) error {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	sw := newRelayWriter(w, p.after)
	if p.pings {
		stop := sw.keepAlive(cmp.Or(s.cfg.StreamPingInterval, DefaultStreamPingInterval), func(seq int64) any {
			ping := newPing(seq).(streamPing)
			ping.RunID = &runID
			return ping
		})
		defer stop()
	}
	var err error
	if l := s.chunkLogs.get(runID); l != nil {
		err = relayLocalChunks(r.Context(), sw, l, p)
	} else {
		err = s.relayStoredChunks(r.Context(), sw, runID, p)
	}
	if r.Context().Err() != nil {
		return nil // the client left; the run goes on
	}
	if err != nil {
		if !sw.isStarted() {
			return err
		}
		e := s.streamError(r, err)
		e.RunID = &runID
		_ = sw.item("error", func(seq int64) any { e.SeqID = seq; return e })
	}
	_ = sw.done()
	return nil
}

// relayLocalChunks sends the chunks of a log this process is writing, as
// they come, until its end.
func relayLocalChunks(ctx context.Context, sw *sseWriter, l *runChunkLog, p relayParams) error {
	after := p.after
	for {
		chunks, end, changed := l.after(after, p.batch)
		for _, c := range chunks {
			if err := sw.relay(chunkEvent(c), c.Data, c.SeqID); err != nil {
				return err
			}
			after = c.SeqID
		}
		if end {
			return nil
		}
		if len(chunks) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// relayStoredChunks sends the stored chunks of a run, polling the store
// for more, until the run has ended and its closing item was sent (or,
// for a run that never stored one, runChunkGrace after it ended).
func (s *server) relayStoredChunks(ctx context.Context, sw *sseWriter, runID string, p relayParams) error {
	after := p.after
	closing, err := s.closedAt(ctx, runID, after)
	if err != nil || closing {
		return err
	}
	for {
		chunks, err := s.cfg.Store.ListRunChunks(ctx, runID, after, p.batch)
		if err != nil {
			return err
		}
		for _, c := range chunks {
			if err := sw.relay(chunkEvent(c), c.Data, c.SeqID); err != nil {
				return err
			}
			after = c.SeqID
			closing = closingChunk(c)
		}
		if closing {
			return nil
		}
		if len(chunks) == p.batch {
			continue
		}
		run, err := s.cfg.Store.GetRun(ctx, runID)
		if err != nil {
			return err
		}
		if runEnded(run) && time.Since(run.UpdatedAt) > runChunkGrace {
			return nil // interrupted before it stored its closing item
		}
		t := time.NewTimer(p.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// closedAt reports whether the run's chunk seq is its closing item (a
// client that saw the whole stream but [DONE] resumes after it).
func (s *server) closedAt(ctx context.Context, runID string, seq int64) (bool, error) {
	if seq < 1 {
		return false, nil
	}
	chunks, err := s.cfg.Store.ListRunChunks(ctx, runID, seq-1, 1)
	if err != nil || len(chunks) == 0 {
		return false, err
	}
	return chunks[0].SeqID == seq && closingChunk(chunks[0]), nil
}

// runEnded reports whether the run has its final status.
func runEnded(run *letta.Run) bool {
	return run.Status != letta.RunCreated && run.Status != letta.RunRunning
}

// chunkHead is what a relay reads of a stored chunk.
type chunkHead struct {
	MessageType string `json:"message_type"`
	StopReason  string `json:"stop_reason"`
}

func headOf(c store.RunChunk) chunkHead {
	var h chunkHead
	_ = json.Unmarshal(c.Data, &h) // stored chunks are JSON objects we wrote
	return h
}

// chunkEvent is the SSE event name of a stored chunk: "error" for the
// error item (§7.1), none otherwise.
func chunkEvent(c store.RunChunk) string {
	if headOf(c).MessageType == letta.MsgError {
		return "error"
	}
	return ""
}

// closingChunk reports whether c is the last item of a stream: usage after
// a finished turn, the error after a failed one, or a cancelled stop reason.
func closingChunk(c store.RunChunk) bool {
	h := headOf(c)
	switch h.MessageType {
	case letta.MsgUsage, letta.MsgError:
		return true
	case letta.MsgStopReason:
		return h.StopReason == letta.StopCancelled
	}
	return false
}
