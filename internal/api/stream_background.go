package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
)

// backgroundStreamKey is the run registry key of a background stream's
// whole life (turn, closing items, storing them), so that shutdown waits
// for it and cancels it like any run. The turn itself registers under the
// run id, which cancel requests use.
func backgroundStreamKey(runID string) string { return "stream/" + runID }

// streamBackground answers a stream request with background=true (§7.1):
// the turn runs detached from the request, every item it streams is stored
// as a run chunk, and the response follows those chunks while the client
// stays. A client that leaves can re-attach with POST /v1/runs/{id}/stream;
// the turn goes on without it.
func (s *server) streamBackground(w http.ResponseWriter, r *http.Request, eng *agent.Engine, agentID string, p agent.SendParams, pings bool) error {
	run := newRun(agentID, p, letta.RunRunning, nil)
	run.Background = letta.Ptr(true)
	if err := s.cfg.Store.CreateRun(r.Context(), run); err != nil {
		return notFound(err, "Agent", agentID)
	}
	chunks := newRunChunkLog(run.ID, s.cfg.Store, s.log)
	s.chunkLogs.add(chunks)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	s.runs.add(backgroundStreamKey(run.ID), cancel)
	go s.executeBackgroundStream(ctx, r.WithContext(ctx), eng, run, p, chunks)
	return s.relayRunStream(w, r, run.ID, relayParams{pings: pings, poll: defaultRelayPoll, batch: defaultRelayBatch})
}

// executeBackgroundStream takes the run's turn into chunks, then adds the
// closing items (stop_reason and usage, or the error) and closes the log
// once everything is stored. r carries ctx and names the request in logs.
func (s *server) executeBackgroundStream(ctx context.Context, r *http.Request, eng *agent.Engine, run *letta.Run, p agent.SendParams, chunks *runChunkLog) {
	defer func() {
		if v := recover(); v != nil {
			s.recoverBackgroundStream(ctx, r, run, chunks, v)
		}
		chunks.close()
		s.chunkLogs.remove(run.ID)
		s.runs.remove(backgroundStreamKey(run.ID))
	}()
	sink := &chunkSink{chunks: chunks, runID: run.ID, types: p.IncludeReturnMessageTypes}
	p.TurnWait = agent.BackgroundTurnWait
	resp, err := s.takeRunTurn(ctx, eng, run, p, sink)
	if err == nil {
		resp = wireResponse(resp, nil)
		_ = chunks.add(func(seq int64) any { return runStreamStopReason{resp.StopReason, run.ID, seq} })
		_ = chunks.add(func(seq int64) any { return runStreamUsage{resp.Usage, run.ID, seq} })
		return
	}
	s.endChunksWithError(r, run, chunks, err, cancelledTurn(err) || ctx.Err() != nil)
}

// endChunksWithError adds the closing items of a failed turn: its stop
// reason, then (unless it was cancelled) the error, as a stream that ended
// the same way would send them.
func (s *server) endChunksWithError(r *http.Request, run *letta.Run, chunks *runChunkLog, err error, cancelled bool) {
	stop := letta.StopError
	var te *agent.TurnError
	if errors.As(err, &te) && te.StopReason != "" {
		stop = te.StopReason
	}
	if cancelled {
		stop = letta.StopCancelled
	}
	_ = chunks.add(func(seq int64) any { return runStreamStopReason{letta.NewStopReason(stop), run.ID, seq} })
	if stop == letta.StopCancelled {
		return
	}
	e := s.streamError(r, err)
	e.RunID = &run.ID
	_ = chunks.add(func(seq int64) any { e.SeqID = seq; return e })
}

// recoverBackgroundStream records a panicked turn: the run failed (the
// turn did not get to record it) and the stream ends with an error.
func (s *server) recoverBackgroundStream(ctx context.Context, r *http.Request, run *letta.Run, chunks *runChunkLog, v any) {
	s.log.ErrorContext(ctx, "background stream panicked", "run_id", run.ID, "request_id", requestID(ctx), "panic", v, "stack", string(debug.Stack()))
	run.Finish(letta.RunFailed, letta.StopError, letta.Now())
	if err := s.cfg.Store.UpdateRun(ctx, run); err != nil {
		s.log.WarnContext(ctx, "record run outcome", "run_id", run.ID, "error", err)
	}
	s.endChunksWithError(r, run, chunks, fmt.Errorf("stream panicked: %v", v), false)
}

// chunkSink is the engine's Sink for a background stream: each LettaMessage
// (of the requested types) becomes the next chunk, with its run_id.
type chunkSink struct {
	chunks *runChunkLog
	runID  string
	types  []string
}

// Message adds m as a chunk. It never fails the turn: a background turn
// goes on whoever listens.
func (k *chunkSink) Message(m letta.LettaMessage) error {
	if len(k.types) > 0 && !slices.Contains(k.types, m.MessageType) {
		return nil
	}
	if m.RunID == nil {
		m.RunID = &k.runID
	}
	_ = k.chunks.add(func(seq int64) any {
		m.SeqID = &seq
		return m
	})
	return nil
}

// runStreamStopReason is LettaStopReason with its run and place in the stream.
type runStreamStopReason struct {
	letta.StopReason
	RunID string `json:"run_id"`
	SeqID int64  `json:"seq_id"`
}

// runStreamUsage is LettaUsageStatistics with its run and place in the stream.
type runStreamUsage struct {
	letta.Usage
	RunID string `json:"run_id"`
	SeqID int64  `json:"seq_id"`
}
