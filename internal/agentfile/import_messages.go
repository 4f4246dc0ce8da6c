package agentfile

import (
	"context"
	"fmt"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// messages writes the agent's messages in file order with new ids and sets
// its context window: the file's in-context messages in their order, after a
// freshly compiled system message when the window does not start with one.
func (w *writer) messages(ctx context.Context, fa *Agent, a *letta.Agent) error {
	var file []Message
	if !w.opts.StripMessages {
		file = fa.Messages
	}
	newID := make(map[string]string, len(file))
	msgs := make([]*letta.Message, 0, len(file)+1)
	for i := range file {
		m := newMessage(&file[i], a, w.now)
		newID[file[i].ID] = m.ID
		msgs = append(msgs, m)
	}
	var window []string
	if !w.opts.StripMessages {
		for _, id := range fa.InContextMessageIDs {
			window = append(window, newID[id])
		}
	}
	if len(window) == 0 || !isSystem(msgs, window[0]) {
		sys := compileSystem(a, len(msgs)-len(window), w.now)
		msgs = append([]*letta.Message{sys}, msgs...)
		window = append([]string{sys.ID}, window...)
	}
	if err := w.tx.CreateMessages(ctx, msgs); err != nil {
		return fmt.Errorf("create messages of agent %s: %w", a.Name, err)
	}
	if err := w.tx.SetAgentMessageIDs(ctx, a.ID, window); err != nil {
		return fmt.Errorf("set context window of agent %s: %w", a.Name, err)
	}
	return nil
}

func isSystem(msgs []*letta.Message, id string) bool {
	for _, m := range msgs {
		if m.ID == id {
			return m.Role == letta.RoleSystem
		}
	}
	return false
}

// newMessage converts a file message to a stored one of agent a.
func newMessage(fm *Message, a *letta.Agent, now time.Time) *letta.Message {
	m := &letta.Message{
		ID:                letta.NewID(letta.PrefixMessage),
		AgentID:           a.ID,
		Role:              fm.Role,
		Content:           []letta.Content(fm.Content),
		Name:              fm.Name,
		ToolCalls:         fm.ToolCalls,
		ToolCallID:        fm.ToolCallID,
		Otid:              fm.Otid,
		SenderID:          fm.SenderID,
		Model:             fm.Model,
		CreatedAt:         now,
		Approvals:         fm.Approvals,
		Approve:           fm.Approve,
		ApprovalRequestID: fm.ApprovalRequestID,
		DenialReason:      fm.DenialReason,
	}
	if m.Content == nil {
		m.Content = []letta.Content{}
	}
	if len(m.ToolCalls) == 0 {
		m.ToolCalls = nil // the legacy schema writes [] for "no calls"
	}
	if fm.CreatedAt != nil && !fm.CreatedAt.IsZero() {
		m.CreatedAt = fm.CreatedAt.Time
	}
	for _, r := range fm.ToolReturns {
		m.ToolReturns = append(m.ToolReturns, letta.ToolReturn{
			ToolCallID: r.ToolCallID,
			Status:     r.Status,
			Stdout:     orEmpty(r.Stdout),
			Stderr:     orEmpty(r.Stderr),
		})
	}
	if m.ToolReturns == nil {
		m.ToolReturns = []letta.ToolReturn{}
	}
	return m
}
