package agent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
)

// DefaultMaxSteps is the step limit of a turn when the request sets none.
const DefaultMaxSteps = 50

// llmCallTimeout bounds one model call.
const llmCallTimeout = 5 * time.Minute

// TurnError is a turn that ended on a failure after it started (the model
// call failed, or the turn was cancelled). Send returns it together with
// the response so far, whose stop_reason is StopReason. The agent stays
// usable: nothing half-done is left in its context.
type TurnError struct {
	StopReason string // llm_api_error, error or cancelled
	Err        error  // the cause; an *llm.APIError when the provider failed
}

func (e *TurnError) Error() string {
	return fmt.Sprintf("agent turn ended with %s: %v", e.StopReason, e.Err)
}

// Unwrap returns the cause.
func (e *TurnError) Unwrap() error { return e.Err }

// Send takes one turn of the agent with the input messages, streaming what
// it produces to sink (which may be nil), and returns the whole response.
// Errors: *ValidationError for bad input, store.ErrNotFound for an unknown
// agent, ErrBusy when another turn holds the agent too long, *TurnError
// (with the partial response) when the turn failed midway.
func (e *Engine) Send(ctx context.Context, agentID string, p SendParams, sink Sink) (*letta.LettaResponse, error) {
	if err := validateInputs(p.Messages); err != nil {
		return nil, err
	}
	// An unknown agent fails here with store.ErrNotFound: a lease names
	// an existing agent.
	turnCtx, release, err := e.acquireTurn(ctx, agentID, cmp.Or(p.TurnWait, e.cfg.TurnWaitTimeout))
	if err != nil {
		if ctx.Err() != nil {
			// Cancelled while waiting for the agent's turn, which never
			// started: the turn's cancelled stop, not a server error.
			return nil, &TurnError{StopReason: letta.StopCancelled, Err: err}
		}
		return nil, err
	}
	defer release()
	t, err := e.startTurn(turnCtx, agentID, p, sink)
	if err != nil {
		return nil, err
	}
	return t.run(turnCtx)
}

func validateInputs(msgs []MessageInput) error {
	if len(msgs) == 0 {
		return &ValidationError{Field: "messages", Message: "at least one message is required"}
	}
	if isApprovalInput(msgs) {
		if len(msgs) != 1 {
			return &ValidationError{Field: "messages", Message: "an approval must be the only input message"}
		}
		if len(msgs[0].Approvals) == 0 {
			return &ValidationError{Field: "messages[0].approvals", Message: "at least one approval is required"}
		}
		return nil
	}
	for i, m := range msgs {
		switch m.Type {
		case "", InputMessage:
		default:
			return &ValidationError{Field: fmt.Sprintf("messages[%d].type", i), Message: fmt.Sprintf("unsupported input type %q", m.Type)}
		}
		switch m.Role {
		case letta.RoleUser, letta.RoleSystem, letta.RoleAssistant:
		default:
			return &ValidationError{Field: fmt.Sprintf("messages[%d].role", i), Message: fmt.Sprintf("unsupported role %q", m.Role)}
		}
	}
	return nil
}

// turn is the state of one Send.
type turn struct {
	e        *Engine
	agentID  string
	p        SendParams
	sink     Sink
	sinkErr  error
	opts     letta.RenderOptions
	agent    *letta.Agent
	client   llm.Client
	context  []*letta.Message // in context; [0] is the system message
	pending  []*letta.Message // input messages, persisted with the first step
	solver   ruleSolver
	resp     letta.LettaResponse
	maxSteps int

	// Answering an approval: the waiting request, the client's decisions,
	// and the tool return text of each denied call by tool_call_id.
	request   *letta.Message
	decisions []letta.Approval
	denied    map[string]string
	// clientReturns are results of calls the client ran, by tool_call_id.
	clientReturns map[string]toolResult

	lastUsage llm.Usage // of the last model call

	// counts are the agent's stored messages and passages for the
	// prompt's metadata, counted once and then kept up to date.
	counts turnCounts
	// systemChanged: context[0] was recompiled and is saved with the
	// next step's transaction (saveContext) instead of a commit of its own.
	systemChanged bool
}

// turnCounts are the numbers the system prompt's metadata shows. They are
// counted at the start of the turn; a step adds the messages it saved, and
// a step whose tools may have stored messages or passages themselves
// (archival inserts, custom tools, approvals run) makes them count again.
type turnCounts struct {
	known              bool
	messages, passages int
}

func (e *Engine) startTurn(ctx context.Context, agentID string, p SendParams, sink Sink) (*turn, error) {
	t := &turn{
		e:       e,
		agentID: agentID,
		p:       p,
		sink:    sink,
		opts: letta.RenderOptions{
			UseAssistantMessage:       p.UseAssistantMessage,
			AssistantMessageToolName:  p.AssistantMessageToolName,
			AssistantMessageToolKwarg: p.AssistantMessageToolKwarg,
		},
		maxSteps: p.MaxSteps,
		resp: letta.LettaResponse{
			Messages:   []letta.LettaMessage{},
			StopReason: letta.NewStopReason(letta.StopEndTurn),
			Usage:      letta.Usage{MessageType: letta.MsgUsage, RunIDs: []string{}},
		},
	}
	if t.maxSteps <= 0 {
		t.maxSteps = DefaultMaxSteps
	}
	if p.RunID != "" {
		t.resp.Usage.RunIDs = []string{p.RunID}
	}
	if err := t.loadAgent(ctx); err != nil {
		return nil, err
	}
	client, err := e.cfg.Models.Client(t.agent.LLMConfig)
	if err != nil {
		return nil, fmt.Errorf("model client for agent %s: %w", agentID, err)
	}
	t.client = client
	t.solver = ruleSolver{rules: t.agent.ToolRules}

	ids := t.agent.MessageIDs
	if len(ids) == 0 {
		return nil, fmt.Errorf("agent %s has no system message", agentID)
	}
	msgs, err := e.cfg.Store.GetMessages(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load context of agent %s: %w", agentID, err)
	}
	if len(msgs) == 0 || msgs[0].Role != letta.RoleSystem {
		return nil, fmt.Errorf("agent %s: first in-context message is not the system message", agentID)
	}
	t.context = msgs
	if err := t.checkPending(); err != nil {
		return nil, err
	}
	t.addClientTools()
	if t.agent.MessageBufferAutoclear && t.request == nil {
		t.context = msgs[:1] // every request starts from the system message alone
	}
	if err := t.refreshSystem(ctx); err != nil {
		return nil, err
	}
	if t.request != nil {
		return t, nil // the input is the approval, stored when resumed
	}
	now := letta.Now()
	for _, in := range p.Messages {
		m := &letta.Message{
			ID: letta.NewID(letta.PrefixMessage), AgentID: agentID, Role: in.Role,
			Content: in.Content, Name: in.Name, Otid: in.Otid, SenderID: in.SenderID, CreatedAt: now,
		}
		if m.Content == nil {
			m.Content = []letta.Content{}
		}
		t.pending = append(t.pending, m)
	}
	return t, nil
}

// runID is the turn's run id as stored on its messages and steps.
func (t *turn) runID() *string {
	if t.p.RunID == "" {
		return nil
	}
	return &t.p.RunID
}

func (t *turn) loadAgent(ctx context.Context) error {
	a, err := t.e.cfg.Store.GetAgent(ctx, t.agentID)
	if err != nil {
		return fmt.Errorf("load agent: %w", err)
	}
	t.agent = a
	t.addClientTools()
	return nil
}

// reloadBlocks reads the agent's blocks again before a step after the
// first: the only part of the agent a step changes that the next one needs
// (a memory edit), and what another agent sharing a block may have edited.
func (t *turn) reloadBlocks(ctx context.Context) error {
	blocks, err := t.e.cfg.Store.GetAgentBlocks(ctx, t.agentID)
	if err != nil {
		return fmt.Errorf("reload blocks: %w", err)
	}
	t.agent.Blocks = blocks
	t.agent.Memory.Blocks = blocks
	return nil
}

// refreshSystem recompiles the system prompt from the current blocks and
// rules and, when the memory part changed, rewrites the system message in
// place (its id never changes); the next step's transaction stores it.
func (t *turn) refreshSystem(ctx context.Context) error {
	st := t.e.cfg.Store
	if !t.counts.known {
		total, err := st.CountMessages(ctx, t.agent.ID)
		if err != nil {
			return fmt.Errorf("count messages: %w", err)
		}
		archival, err := archivalCount(ctx, st, t.agent.ID)
		if err != nil {
			return err
		}
		t.counts = turnCounts{known: true, messages: total, passages: archival}
	}
	total, archival := t.counts.messages, t.counts.passages
	sys := t.context[0]
	text := compileFor(t.agent, max(total-len(t.agent.MessageIDs), 0), archival, letta.Now())
	if memoryPart(text) == memoryPart(sys.Text()) && archivalLine(text) == archivalLine(sys.Text()) {
		return nil
	}
	sys.Content = []letta.Content{{Type: letta.ContentText, Text: text}}
	t.systemChanged = true
	return nil
}

// memoryPart is the prompt without its metadata section (whose time and
// counts change without the memory changing).
func memoryPart(s string) string {
	if i := strings.LastIndex(s, "<memory_metadata>"); i >= 0 {
		return s[:i]
	}
	return s
}

func (t *turn) run(ctx context.Context) (*letta.LettaResponse, error) {
	if t.request != nil {
		stop, err := t.resumeApproval(ctx)
		t.counts.known = false // the approved calls may have stored anything
		if err != nil {
			return nil, err
		}
		if stop != "" {
			return t.finish(stop, nil)
		}
	}
	for step := 0; step < t.maxSteps; step++ {
		if step > 0 {
			if err := t.reloadBlocks(ctx); err == nil {
				err = t.refreshSystem(ctx)
			}
		}
		if err := ctx.Err(); err != nil {
			return t.finish(letta.StopCancelled, &TurnError{StopReason: letta.StopCancelled, Err: err})
		}
		stop, err := t.step(ctx, step, step == t.maxSteps-1)
		if err != nil {
			var te *TurnError
			if errors.As(err, &te) {
				return t.finish(te.StopReason, err)
			}
			return nil, err
		}
		if t.overWindow(t.lastUsage) {
			t.lastUsage = llm.Usage{}
			if _, err := t.compact(ctx); err != nil {
				t.e.cfg.Logger.WarnContext(ctx, "compact agent context", "agent_id", t.agent.ID, "error", err)
			}
		}
		if stop != "" {
			return t.finish(stop, nil)
		}
	}
	return t.finish(letta.StopMaxSteps, nil)
}

func (t *turn) finish(stop string, err error) (*letta.LettaResponse, error) {
	t.resp.StopReason = letta.NewStopReason(stop)
	return &t.resp, err
}

// emit renders new messages for the response and the sink. Input user
// messages and heartbeats are not echoed; items for which skip is true
// (already streamed as token chunks) go to the response only.
func (t *turn) emit(msgs []*letta.Message, skip func(letta.LettaMessage) bool) {
	var shown []*letta.Message
	for _, m := range msgs {
		if m.Role != letta.RoleUser {
			shown = append(shown, m)
		}
	}
	for _, lm := range letta.ToLettaMessages(shown, t.opts) {
		if len(t.p.IncludeReturnMessageTypes) > 0 && !slices.Contains(t.p.IncludeReturnMessageTypes, lm.MessageType) {
			continue
		}
		t.resp.Messages = append(t.resp.Messages, lm)
		if skip == nil || !skip(lm) {
			t.send(lm)
		}
	}
}

func (t *turn) send(lm letta.LettaMessage) {
	if t.sink == nil || t.sinkErr != nil {
		return
	}
	if err := t.sink.Message(lm); err != nil {
		t.sinkErr = err // the client went away; the turn still completes
	}
}
