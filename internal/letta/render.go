package letta

import (
	"encoding/json"

	"github.com/google/uuid"
)

// Defaults of the reply tool that use_assistant_message turns into
// assistant_message items.
const (
	DefaultAssistantMessageToolName  = "send_message"
	DefaultAssistantMessageToolKwarg = "message"
)

// RenderOptions says how stored messages are shown as LettaMessages
// (the use_assistant_message request options).
type RenderOptions struct {
	UseAssistantMessage       bool
	AssistantMessageToolName  string // "" = send_message
	AssistantMessageToolKwarg string // "" = message
}

func (o RenderOptions) toolName() string {
	return orDefault(o.AssistantMessageToolName, DefaultAssistantMessageToolName)
}

func (o RenderOptions) toolKwarg() string {
	return orDefault(o.AssistantMessageToolKwarg, DefaultAssistantMessageToolKwarg)
}

// ToLettaMessages converts stored messages to the LettaMessage union, in
// order. One stored assistant message may give several items (reasoning,
// then one per tool call); they share its id and get derived otids. With
// UseAssistantMessage, calls to the reply tool become assistant_message items
// and their tool returns are hidden.
func ToLettaMessages(msgs []*Message, opts RenderOptions) []LettaMessage {
	out := []LettaMessage{}
	hidden := map[string]bool{} // tool_call_ids of reply-tool calls
	if opts.UseAssistantMessage {
		for _, m := range msgs {
			for _, tc := range m.ToolCalls {
				if tc.Function.Name == opts.toolName() {
					hidden[tc.ID] = true
				}
			}
		}
	}
	for _, m := range msgs {
		switch m.Role {
		case RoleSystem:
			out = append(out, base(m, MsgSystem, 0, true).with(func(l *LettaMessage) { l.Content = m.Text() }))
		case RoleUser:
			out = append(out, base(m, MsgUser, 0, true).with(func(l *LettaMessage) { l.Content = userContent(m) }))
		case RoleAssistant:
			out = append(out, assistantItems(m, opts)...)
		case RoleTool:
			if opts.UseAssistantMessage && (hidden[Deref(m.ToolCallID)] || Deref(m.Name) == opts.toolName()) {
				continue
			}
			out = append(out, toolReturnItem(m))
		case RoleApproval:
			if m.IsApprovalRequest() {
				out = append(out, approvalRequestItems(m)...)
			} else {
				out = append(out, approvalResponseItem(m))
			}
		}
	}
	return out
}

// approvalRequestItems renders a tool call awaiting approval: its thoughts
// as a reasoning_message, then one approval_request_message holding every
// call (tool_call is the first).
func approvalRequestItems(m *Message) []LettaMessage {
	var out []LettaMessage
	if text := m.Text(); text != "" {
		out = append(out, base(m, MsgReasoning, 0, false).with(func(l *LettaMessage) {
			l.Reasoning = text
			l.Source = "non_reasoner_model"
		}))
	}
	calls := make([]LettaToolCall, 0, len(m.ToolCalls))
	for _, tc := range m.ToolCalls {
		calls = append(calls, LettaToolCall{Name: Ptr(tc.Function.Name), Arguments: Ptr(tc.Function.Arguments), ToolCallID: Ptr(tc.ID)})
	}
	out = append(out, base(m, MsgApprovalRequest, len(out), false).with(func(l *LettaMessage) {
		l.ToolCall = &calls[0]
		l.ToolCalls = calls
	}))
	return out
}

// approvalResponseItem renders the client's decisions. approve, reason and
// approval_request_id repeat the first decision for older clients.
func approvalResponseItem(m *Message) LettaMessage {
	return base(m, MsgApprovalResponse, 0, true).with(func(l *LettaMessage) {
		l.Approvals = []any{}
		for _, a := range m.Approvals {
			l.Approvals = append(l.Approvals, a)
		}
		l.Approve, l.ApprovalRequestID, l.Reason = m.Approve, m.ApprovalRequestID, m.DenialReason
		if len(m.Approvals) > 0 {
			first := m.Approvals[0]
			if l.Approve == nil {
				l.Approve = Ptr(first.Approve)
			}
			if l.Reason == nil {
				l.Reason = first.Reason
			}
		}
	})
}

// DeriveOtid returns the otid of the index-th LettaMessage rendered from the
// stored message id: its UUID with the low byte replaced by the index, as
// Letta does. A malformed id gives nil.
func DeriveOtid(messageID string, index int) *string {
	_, raw, ok := cutPrefix(messageID)
	if !ok {
		return nil
	}
	u, err := uuid.Parse(raw)
	if err != nil {
		return nil
	}
	u[15] = byte(index)
	return Ptr(u.String())
}

func cutPrefix(id string) (string, string, bool) {
	for i := 0; i < len(id); i++ {
		if id[i] == '-' {
			return id[:i], id[i+1:], true
		}
	}
	return "", "", false
}

type itemBuilder LettaMessage

func (b itemBuilder) with(f func(*LettaMessage)) LettaMessage {
	l := LettaMessage(b)
	f(&l)
	return l
}

// base fills the fields every item of a stored message shares. Messages a
// client sent (keepOtid) keep their own otid; the others get a derived one.
func base(m *Message, typ string, index int, keepOtid bool) itemBuilder {
	otid := DeriveOtid(m.ID, index)
	if keepOtid && m.Otid != nil {
		otid = m.Otid
	}
	return itemBuilder{
		ID:          m.ID,
		Date:        MessageDate(m.CreatedAt),
		Name:        m.Name,
		MessageType: typ,
		Otid:        otid,
		SenderID:    m.SenderID,
		StepID:      m.StepID,
		RunID:       m.RunID,
		IsErr:       m.IsErr,
	}
}

// userContent is the flat string when the message is one text part, the
// parts otherwise.
func userContent(m *Message) any {
	if len(m.Content) == 1 && m.Content[0].Type == ContentText {
		return m.Content[0].Text
	}
	if len(m.Content) == 0 {
		return ""
	}
	return m.Content
}

func assistantItems(m *Message, opts RenderOptions) []LettaMessage {
	var out []LettaMessage
	next := func(typ string) itemBuilder {
		b := base(m, typ, len(out), false)
		return b
	}
	var text string
	for _, c := range m.Content {
		switch c.Type {
		case ContentReasoning:
			out = append(out, next(MsgReasoning).with(func(l *LettaMessage) {
				l.Reasoning = c.Reasoning
				l.Source = "reasoner_model"
				l.Signature = c.Signature
			}))
		case ContentRedactedReasoning:
			out = append(out, next(MsgHiddenReasoning).with(func(l *LettaMessage) {
				l.State = "redacted"
				l.HiddenReasoning = Ptr(c.Data)
			}))
		case ContentOmittedReasoning:
			out = append(out, next(MsgHiddenReasoning).with(func(l *LettaMessage) { l.State = "omitted" }))
		case ContentText:
			text += c.Text
		}
	}
	if len(m.ToolCalls) == 0 {
		// A plain reply (letta_v1 agents): the text is what the agent says.
		if text != "" {
			out = append(out, next(MsgAssistant).with(func(l *LettaMessage) { l.Content = text }))
		}
		return out
	}
	if text != "" { // inner thoughts next to a tool call
		out = append(out, next(MsgReasoning).with(func(l *LettaMessage) {
			l.Reasoning = text
			l.Source = "non_reasoner_model"
		}))
	}
	for _, tc := range m.ToolCalls {
		if opts.UseAssistantMessage && tc.Function.Name == opts.toolName() {
			if reply, ok := replyArgument(tc.Function.Arguments, opts.toolKwarg()); ok {
				out = append(out, next(MsgAssistant).with(func(l *LettaMessage) { l.Content = reply }))
				continue
			}
		}
		call := LettaToolCall{Name: Ptr(tc.Function.Name), Arguments: Ptr(tc.Function.Arguments), ToolCallID: Ptr(tc.ID)}
		out = append(out, next(MsgToolCall).with(func(l *LettaMessage) {
			l.ToolCall = &call
			l.ToolCalls = []LettaToolCall{call}
		}))
	}
	return out
}

// replyArgument extracts the reply text from the reply tool's arguments; a
// JSON value that is not a string is written back as JSON.
func replyArgument(args, kwarg string) (string, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(args), &m); err != nil {
		return "", false
	}
	raw, ok := m[kwarg]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true
	}
	return string(raw), true
}

func toolReturnItem(m *Message) LettaMessage {
	return base(m, MsgToolReturn, 0, false).with(func(l *LettaMessage) {
		l.ToolReturn = m.Text()
		l.ToolCallID = Deref(m.ToolCallID)
		l.Status = "success"
		l.ToolReturns = []LettaToolReturn{}
		for i, r := range m.ToolReturns {
			tr := LettaToolReturn{
				Type:       "tool",
				ToolReturn: m.Text(),
				Status:     orDefault(r.Status, "success"),
				ToolCallID: r.ToolCallID,
				Stdout:     orEmpty(r.Stdout),
				Stderr:     orEmpty(r.Stderr),
			}
			l.ToolReturns = append(l.ToolReturns, tr)
			if i == 0 {
				l.Status = tr.Status
				l.Stdout = tr.Stdout
				l.Stderr = tr.Stderr
				if l.ToolCallID == "" {
					l.ToolCallID = tr.ToolCallID
				}
			}
		}
		if len(l.ToolReturns) == 0 {
			l.ToolReturns = append(l.ToolReturns, LettaToolReturn{
				Type: "tool", ToolReturn: l.ToolReturn, Status: l.Status, ToolCallID: l.ToolCallID,
				Stdout: []string{}, Stderr: []string{},
			})
		}
	})
}
