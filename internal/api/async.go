package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
)

// Timings of background runs.
const (
	// runCancelPoll is how often a running run checks the store for a
	// cancellation made through another replica.
	runCancelPoll = time.Second
	// callbackTimeout bounds the POST to a run's callback_url.
	callbackTimeout = 10 * time.Second
)

// asyncRequest is LettaAsyncRequest: a LettaRequest plus callback_url.
type asyncRequest struct {
	sendRequest
	CallbackURL *string `json:"callback_url"`
}

// sendMessageAsync answers POST /v1/agents/{agent_id}/messages/async: it
// stores a Run (status created), returns it at once and takes the turn in
// the background, detached from the request.
func (s *server) sendMessageAsync(w http.ResponseWriter, r *http.Request) error {
	var req asyncRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	p, err := req.params(false)
	if err != nil {
		return err
	}
	callback := strPtr(orString(req.CallbackURL, ""))
	if callback != nil && !validCallbackURL(*callback) {
		return fieldErrors{{Loc: []any{"body", "callback_url"}, Msg: "Input should be an absolute http or https URL", Type: "url_parsing"}}
	}
	eng, err := s.engine()
	if err != nil {
		return err
	}
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	run := newRun(a.ID, p, letta.RunCreated, callback)
	if err := s.cfg.Store.CreateRun(r.Context(), run); err != nil {
		return notFound(err, "Agent", a.ID)
	}
	body, err := json.Marshal(normalizeRun(run))
	if err != nil {
		return fmt.Errorf("encode run: %w", err)
	}
	go s.executeRun(context.WithoutCancel(r.Context()), eng, run, p)
	return writeJSON(w, http.StatusOK, json.RawMessage(body))
}

// validCallbackURL reports whether u is an absolute http(s) URL.
func validCallbackURL(u string) bool {
	parsed, err := url.Parse(u)
	return err == nil && (parsed.Scheme == "http" || parsed.Scheme == "https") && parsed.Host != ""
}

// executeRun takes the run's turn in the background and records its
// outcome, then calls the run's callback_url.
func (s *server) executeRun(ctx context.Context, eng *agent.Engine, run *letta.Run, p agent.SendParams) {
	log := s.log.With("run_id", run.ID, "agent_id", run.AgentID)
	if stored, err := s.cfg.Store.GetRun(ctx, run.ID); err == nil && stored.Status == letta.RunCancelled {
		return // cancelled before it started
	}
	p.TurnWait = agent.BackgroundTurnWait
	_, _ = s.takeRunTurn(ctx, eng, run, p, nil)
	if run.CallbackURL != nil {
		s.sendCallback(ctx, run)
		if err := s.cfg.Store.UpdateRun(ctx, run); err != nil {
			log.WarnContext(ctx, "record run callback", "error", err)
		}
	}
}

// watchCancel polls the store until stop is called and cancels the run
// when another replica marked it cancelled.
func (s *server) watchCancel(ctx context.Context, cancel context.CancelFunc, runID string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(runCancelPoll)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if r, err := s.cfg.Store.GetRun(ctx, runID); err == nil && r.Status == letta.RunCancelled {
					cancel()
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// finishRun sets the run's final status, stop reason, result and timings.
func finishRun(run *letta.Run, resp *letta.LettaResponse, err error, cancelled bool, types []string) {
	md := maps.Clone(run.Metadata)
	if md == nil {
		md = map[string]any{}
	}
	if resp != nil {
		md["result"] = wireResponse(resp, types)
	}
	var te *agent.TurnError
	switch {
	case cancelled || (errors.As(err, &te) && te.StopReason == letta.StopCancelled):
		run.Finish(letta.RunCancelled, letta.StopCancelled, letta.Now())
	case err == nil:
		run.Finish(letta.RunCompleted, resp.StopReason.StopReason, letta.Now())
	default:
		stop := letta.StopError
		if te != nil {
			stop = te.StopReason
		}
		run.Finish(letta.RunFailed, stop, letta.Now())
		md["error"] = err.Error()
	}
	run.Metadata = md
}

// sendCallback POSTs the finished run to its callback_url and records
// when, with what status, or why not.
func (s *server) sendCallback(ctx context.Context, run *letta.Run) {
	body, err := json.Marshal(normalizeRun(run))
	if err != nil {
		run.CallbackError = letta.Ptr("encode run: " + err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(ctx, callbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, *run.CallbackURL, bytes.NewReader(body))
	if err != nil {
		run.CallbackError = letta.Ptr("build callback request: " + err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	now := letta.Now()
	run.CallbackSentAt = &now
	if err != nil {
		run.CallbackError = letta.Ptr(err.Error())
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	run.CallbackStatusCode = &resp.StatusCode
	if resp.StatusCode >= 400 {
		run.CallbackError = letta.Ptr(fmt.Sprintf("callback answered with status %d", resp.StatusCode))
	}
}

// firstMessageSink notes when the turn produced its first message and
// passes every message on to next (when set).
type firstMessageSink struct {
	start time.Time
	next  agent.Sink
	mu    sync.Mutex
	first time.Duration
}

func (f *firstMessageSink) Message(m letta.LettaMessage) error {
	f.mu.Lock()
	if f.first == 0 {
		f.first = time.Since(f.start)
	}
	f.mu.Unlock()
	if f.next == nil {
		return nil
	}
	return f.next.Message(m)
}

// ttft returns the time to the first message in ns, 0 if none came.
func (f *firstMessageSink) ttft() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first.Nanoseconds()
}
