package api

import (
	"context"
	"errors"
	"time"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// newRun returns the Run of a turn of agentID with p's request config; it
// is not stored yet.
func newRun(agentID string, p agent.SendParams, status string, callback *string) *letta.Run {
	now := letta.Now()
	return &letta.Run{
		ID:       letta.NewID(letta.PrefixRun),
		AgentID:  agentID,
		Status:   status,
		Metadata: map[string]any{},
		RequestConfig: &letta.RequestConfig{
			UseAssistantMessage:       p.UseAssistantMessage,
			AssistantMessageToolName:  p.AssistantMessageToolName,
			AssistantMessageToolKwarg: p.AssistantMessageToolKwarg,
			IncludeReturnMessageTypes: p.IncludeReturnMessageTypes,
		},
		CallbackURL: callback,
		JobType:     letta.JobTypeRun,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
}

// startRun stores a running Run for a turn taken within this request
// (sync and streaming sends: every send has a run, as in Letta).
func (s *server) startRun(ctx context.Context, agentID string, p agent.SendParams) (*letta.Run, error) {
	run := newRun(agentID, p, letta.RunRunning, nil)
	if err := s.cfg.Store.CreateRun(ctx, run); err != nil {
		return nil, notFound(err, "Agent", agentID)
	}
	return run, nil
}

// takeRunTurn takes the stored run's turn under ctx and records its outcome
// on the run. It is the one mechanism behind sync, streaming and async
// sends: the turn records the run id on its messages and steps, and a
// cancel request (the run registry here, the store on another replica)
// stops it. sink may be nil. It returns what Send returned.
func (s *server) takeRunTurn(ctx context.Context, eng *agent.Engine, run *letta.Run, p agent.SendParams, sink agent.Sink) (*letta.LettaResponse, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.runs.add(run.ID, cancel)
	defer s.runs.remove(run.ID)
	bg := context.WithoutCancel(ctx) // the outcome is written even after a cancel
	log := s.log.With("run_id", run.ID, "agent_id", run.AgentID)
	if run.Status != letta.RunRunning {
		run.Status = letta.RunRunning
		if err := s.cfg.Store.UpdateRun(bg, run); err != nil {
			log.WarnContext(bg, "mark run running", "error", err)
		}
	}
	stopWatch := s.watchCancel(ctx, cancel, run.ID)
	first := &firstMessageSink{start: time.Now(), next: sink}
	p.RunID = run.ID
	resp, err := eng.Send(ctx, run.AgentID, p, first)
	stopWatch()
	if ttft := first.ttft(); ttft > 0 {
		run.TTFTNs = &ttft
	}
	if err := s.recordOutcome(bg, run, resp, err, ctx.Err() != nil, p.IncludeReturnMessageTypes); err != nil {
		log.WarnContext(bg, "record run outcome", "error", err)
	}
	if resp == nil && cancelledTurn(err) {
		// Cancelled before its turn began: an empty answer that says so.
		resp = &letta.LettaResponse{
			Messages:   []letta.LettaMessage{},
			StopReason: letta.NewStopReason(letta.StopCancelled),
			Usage:      letta.Usage{MessageType: letta.MsgUsage, RunIDs: []string{run.ID}},
		}
	}
	return resp, err
}

// recordOutcome stores the finished run and, when the turn ran (a refused
// send leaves the agent as it was), what it leaves on the agent, in one
// transaction: one commit at the end of every turn instead of two.
func (s *server) recordOutcome(ctx context.Context, run *letta.Run, resp *letta.LettaResponse, turnErr error, cancelled bool, types []string) error {
	return s.cfg.Store.InTx(ctx, func(tx store.Store) error {
		// A cancellation recorded in the store wins over the turn's own
		// outcome; the lock keeps one from landing between read and write.
		stored, err := store.Locked(ctx, tx, store.RunRow, run.ID, tx.GetRun)
		if err != nil {
			return err
		}
		if stored.Status == letta.RunCancelled {
			cancelled = true
		}
		finishRun(run, resp, turnErr, cancelled, types)
		if err := tx.UpdateRun(ctx, run); err != nil {
			return err
		}
		if resp == nil {
			return nil
		}
		return tx.SetAgentRunState(ctx, run.AgentID, agentRunState(ctx, tx, run))
	})
}

// agentRunState is what the finished run leaves on the agent: its stop
// reason, completion time and duration, and the approval_request_message
// when the turn stopped to wait for one.
func agentRunState(ctx context.Context, tx store.Store, run *letta.Run) store.AgentRunState {
	st := store.AgentRunState{
		LastStopReason:    letta.Deref(run.StopReason),
		LastRunCompletion: letta.Deref(run.CompletedAt),
		LastRunDurationMs: letta.Deref(run.TotalDurationNs) / int64(time.Millisecond),
	}
	if st.LastStopReason == letta.StopRequiresApproval {
		if req := pendingApproval(ctx, tx, run.AgentID); req != nil {
			st.PendingApproval = req
		}
	}
	return st
}

// pendingApproval renders the approval_request_message the agent waits on
// (the last message in its context), or nil.
func pendingApproval(ctx context.Context, st store.Store, agentID string) *letta.LettaMessage {
	a, err := st.GetAgent(ctx, agentID)
	if err != nil || len(a.MessageIDs) == 0 {
		return nil
	}
	m, err := st.GetMessage(ctx, a.MessageIDs[len(a.MessageIDs)-1])
	if err != nil || !m.IsApprovalRequest() {
		return nil
	}
	for _, item := range letta.ToLettaMessages([]*letta.Message{m}, letta.RenderOptions{UseAssistantMessage: true}) {
		if item.MessageType == letta.MsgApprovalRequest {
			return &item
		}
	}
	return nil
}

// cancelledTurn reports whether err is a turn that a cancel request stopped.
func cancelledTurn(err error) bool {
	var te *agent.TurnError
	return errors.As(err, &te) && te.StopReason == letta.StopCancelled
}
