package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Human-in-the-loop approvals (Letta's requires_approval rule): a call to
// such a tool is not run; the model's call is stored as an approval request
// and the turn stops with requires_approval. The client answers with an
// approval input; the next turn runs the approved calls (or returns the
// denial to the model) and goes on as the interrupted turn would have.

// deniedText is the tool return of a call the client refused.
const deniedText = "Error: request to call tool denied. User reason: %s"

// reasonDenied continues a memgpt turn after a denial.
const reasonDenied = "Continuing: user denied request to call tool."

// noPendingApproval is Letta's error for an approval with nothing to approve.
const noPendingApproval = "Cannot process approval response: No tool call is currently awaiting approval. Please send a regular message to interact with the agent."

// requiresApproval reports whether calling tool must wait for the client.
func (s *ruleSolver) requiresApproval(tool *letta.Tool) bool {
	return s.has(letta.RuleRequiresApproval, tool.Name) || letta.Deref(tool.DefaultRequiresApproval) || isClientTool(tool)
}

// needsApproval reports whether any of the calls is to an allowed, attached
// tool that requires approval. (A forbidden call is a rule violation, not
// an approval request.)
func (t *turn) needsApproval(calls []letta.ToolCall, allowed []string) bool {
	for _, c := range calls {
		tool := findTool(t.agent, c.Function.Name)
		if tool != nil && slices.Contains(allowed, tool.Name) && t.solver.requiresApproval(tool) {
			return true
		}
	}
	return false
}

// isApprovalInput reports whether the request answers a pending approval.
func isApprovalInput(msgs []MessageInput) bool {
	return slices.ContainsFunc(msgs, func(m MessageInput) bool { return m.Type == InputApproval || m.Type == InputToolReturn })
}

// checkPending compares the input with the agent's state: a normal message
// while a call awaits approval is ErrPendingApproval; an approval with
// nothing pending, or naming other calls, is a *ValidationError. On success
// the decisions per tool call id are kept for resumeApproval.
func (t *turn) checkPending() error {
	last := t.context[len(t.context)-1]
	pending := last.IsApprovalRequest()
	if !isApprovalInput(t.p.Messages) {
		if pending {
			return &PendingApprovalError{RequestID: last.ID}
		}
		return nil
	}
	if !pending {
		return &ValidationError{Field: "messages", Message: noPendingApproval}
	}
	decisions, err := t.matchApprovals(last, t.p.Messages[0])
	if err != nil {
		return err
	}
	t.request, t.decisions = last, decisions
	return nil
}

// matchApprovals pairs the client's decisions with the request's calls.
// A decision without a tool_call_id (the older form), or naming the request
// message itself, applies to every call; calls left without a decision run
// unless their tool requires approval.
func (t *turn) matchApprovals(req *letta.Message, in MessageInput) ([]letta.Approval, error) {
	var ids []string
	for _, c := range req.ToolCalls {
		ids = append(ids, c.ID)
	}
	if rid := letta.Deref(in.ApprovalRequestID); rid != "" && rid != req.ID && !slices.Contains(ids, rid) {
		return nil, &ValidationError{Field: "approval_request_id", Message: fmt.Sprintf("Invalid approval request ID. Expected '%s', but received '%s'.", req.ID, rid)}
	}
	byID := map[string]ApprovalInput{}
	var received []string
	for _, a := range in.Approvals {
		switch {
		case a.ToolCallID == "" || a.ToolCallID == req.ID:
			for _, id := range ids {
				a.ToolCallID = id
				byID[id] = a
			}
		case slices.Contains(ids, a.ToolCallID):
			byID[a.ToolCallID] = a
		default:
			received = append(received, a.ToolCallID)
		}
	}
	if len(received) > 0 {
		return nil, &ValidationError{Field: "approvals", Message: fmt.Sprintf("Invalid tool call IDs. Expected '%s', but received '%s'.", pyList(ids), pyList(received))}
	}
	out := make([]letta.Approval, 0, len(ids))
	t.clientReturns = map[string]toolResult{}
	for _, c := range req.ToolCalls {
		a, ok := byID[c.ID]
		if !ok {
			if tool := findTool(t.agent, c.Function.Name); tool == nil || t.solver.requiresApproval(tool) {
				// a client tool (not attached) needs its result; others a decision
				return nil, &ValidationError{Field: "approvals", Message: fmt.Sprintf("no decision or tool return for tool call %s (%s)", c.ID, c.Function.Name)}
			}
			a = ApprovalInput{ToolCallID: c.ID, Approve: true}
		}
		if a.Return != nil {
			t.clientReturns[c.ID] = clientResult(a.Return)
			out = append(out, letta.Approval{Type: "tool", ToolCallID: c.ID, Approve: true,
				ToolReturn: a.Return.Return, Status: a.Return.Status, Stdout: a.Return.Stdout, Stderr: a.Return.Stderr})
			continue
		}
		out = append(out, letta.Approval{Type: InputApproval, ToolCallID: c.ID, Approve: a.Approve, Reason: a.Reason})
	}
	return out, nil
}

// resumeApproval finishes the step the approval interrupted: it stores the
// client's decisions, runs the approved calls (still subject to the tool
// rules of the interrupted turn) and returns the denials to the model, all
// in one transaction. It returns the stop reason, or "" to continue.
func (t *turn) resumeApproval(ctx context.Context) (string, error) {
	a, req := t.agent, t.request
	heartbeats := usesHeartbeats(a.AgentType)
	t.solver.history, t.solver.last = priorCalls(t.context[:len(t.context)-1])
	available := make([]string, 0, len(a.Tools))
	for _, tool := range a.Tools {
		available = append(available, tool.Name)
	}
	allowed := t.solver.allowed(available)
	t.denied = map[string]string{}
	for _, d := range t.decisions {
		if !d.Approve {
			t.denied[d.ToolCallID] = fmt.Sprintf(deniedText, letta.Deref(d.Reason))
			if d.Reason == nil {
				t.denied[d.ToolCallID] = fmt.Sprintf(deniedText, "None")
			}
		}
	}
	now := letta.Now()
	stepID := letta.Deref(req.StepID) // the resumed step keeps its step
	in := t.p.Messages[0]
	decision := &letta.Message{
		ID: letta.NewID(letta.PrefixMessage), AgentID: a.ID, Role: letta.RoleApproval,
		Content: []letta.Content{}, Approvals: t.decisions, ApprovalRequestID: letta.Ptr(req.ID),
		Otid: in.Otid, SenderID: in.SenderID, Model: req.Model, CreatedAt: now,
	}
	if len(t.decisions) > 0 {
		decision.Approve, decision.DenialReason = letta.Ptr(t.decisions[0].Approve), t.decisions[0].Reason
	}
	if stepID != "" {
		decision.StepID = letta.Ptr(stepID)
	}
	var stop string
	var produced []*letta.Message
	ran := t.prerun(ctx, req.ToolCalls, allowed) // approved sandboxed calls, outside the transaction
	vectors := t.embedArchival(ctx, req.ToolCalls, allowed)
	err := t.e.cfg.Store.InTx(ctx, func(tx store.Store) error {
		produced = produced[:0]
		env := toolEnv{tx: tx, agent: a, now: now, ran: ran, models: t.e.cfg.Models, vectors: vectors}
		var err error
		stop, err = t.runCalls(ctx, env, req, allowed, available, heartbeats, false, &produced)
		if err != nil {
			return err
		}
		if err := tx.UpdateMessage(ctx, req); err != nil { // request_heartbeat rewritten
			return fmt.Errorf("update approval request: %w", err)
		}
		newMsgs := append([]*letta.Message{decision}, produced...)
		for _, m := range newMsgs {
			m.StepID, m.RunID = decision.StepID, t.runID()
		}
		if err := tx.CreateMessages(ctx, newMsgs); err != nil {
			return fmt.Errorf("save approval outcome: %w", err)
		}
		return t.saveContext(ctx, tx, newMsgs, stop)
	})
	if err != nil {
		return "", fmt.Errorf("agent %s resume approval: %w", a.ID, err)
	}
	t.context = append(append(t.context, decision), produced...)
	t.request, t.decisions, t.denied, t.clientReturns = nil, nil, nil, nil
	t.emit(produced, nil)
	return stop, nil
}

// priorCalls rebuilds the tool history of the turn an approval interrupted:
// the tool returns after the last real input message, in order, with the
// message of the last one.
func priorCalls(msgs []*letta.Message) ([]string, string) {
	start := 0
	for i := len(msgs) - 1; i > 0; i-- {
		if msgs[i].Role == letta.RoleUser && !isHeartbeat(msgs[i]) {
			start = i
			break
		}
	}
	var history []string
	var last string
	for _, m := range msgs[start:] {
		if m.Role != letta.RoleTool {
			continue
		}
		msg := innerMessage(m.Text())
		if strings.HasPrefix(msg, "[ToolConstraintError]") || strings.HasPrefix(msg, "Error: request to call tool denied.") {
			continue
		}
		history, last = append(history, letta.Deref(m.Name)), msg
	}
	return history, last
}

// isHeartbeat reports whether m is a heartbeat the loop wrote.
func isHeartbeat(m *letta.Message) bool {
	var v struct {
		Type string `json:"type"`
	}
	return json.Unmarshal([]byte(m.Text()), &v) == nil && v.Type == "heartbeat"
}

// innerMessage is the "message" of a packaged tool return, as the rules
// see it.
func innerMessage(packaged string) string {
	var v struct {
		Message any `json:"message"`
	}
	if err := json.Unmarshal([]byte(packaged), &v); err != nil {
		return packaged
	}
	return resultText(v.Message)
}
