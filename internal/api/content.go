package api

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
)

// contentField is message content on the wire: a plain string or an array
// of content parts. A string becomes one text part.
type contentField struct {
	parts []letta.Content
	set   bool
}

// UnmarshalJSON accepts a string, an array of parts, or null (not set).
func (c *contentField) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*c = contentField{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = contentField{parts: []letta.Content{{Type: letta.ContentText, Text: s}}, set: true}
		return nil
	case len(b) > 0 && b[0] == '[':
		var parts []letta.Content
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		*c = contentField{parts: parts, set: true}
		return nil
	}
	return fmt.Errorf("content must be a string or an array of content parts")
}

// messageCreate is one MessageCreate of a request (messages,
// initial_message_sequence).
type messageCreate struct {
	Role     string       `json:"role"`
	Content  contentField `json:"content"`
	Name     *string      `json:"name"`
	Otid     *string      `json:"otid"`
	SenderID *string      `json:"sender_id"`
	Type     *string      `json:"type"`

	// An approval item (type "approval"): the Sep-2025 form carries
	// approve/approval_request_id/reason, the Mar-2026 form approvals[].
	Approve           *bool            `json:"approve"`
	ApprovalRequestID *string          `json:"approval_request_id"`
	Reason            *string          `json:"reason"`
	Approvals         []approvalCreate `json:"approvals"`

	// A tool_return item (Mar-2026 ToolReturnCreate): results of
	// client-side tool calls.
	ToolReturns []approvalCreate `json:"tool_returns"`
}

// approvalCreate is one entry of a Mar-2026 approval item: a decision
// (type "approval") or the result of a call the client ran (type "tool",
// also the entries of a tool_return item).
type approvalCreate struct {
	Type       string          `json:"type"`
	ToolCallID string          `json:"tool_call_id"`
	Approve    *bool           `json:"approve"`
	Reason     *string         `json:"reason"`
	ToolReturn json.RawMessage `json:"tool_return"`
	Status     *string         `json:"status"`
	Stdout     []string        `json:"stdout"`
	Stderr     []string        `json:"stderr"`
}

// isReturn reports whether the entry carries a tool's result.
func (a approvalCreate) isReturn() bool { return a.Type == "tool" || a.Type == "tool_return" }

// validateReturn checks a tool result entry at item.
func (a approvalCreate) validateReturn(fe *fieldErrors, item []any) {
	if a.ToolCallID == "" {
		fe.add("Field required", append(item, "tool_call_id")...)
	}
	if len(bytes.TrimSpace(a.ToolReturn)) == 0 || bytes.Equal(bytes.TrimSpace(a.ToolReturn), []byte("null")) {
		fe.add("Field required", append(item, "tool_return")...)
	} else if a.returnValue() == nil {
		fe.add("Input should be a string or an array of content parts", append(item, "tool_return")...)
	}
	if a.Status == nil || (*a.Status != "success" && *a.Status != "error") {
		fe.add("Input should be 'success' or 'error'", append(item, "status")...)
	}
}

// returnValue decodes tool_return: a string or an array of parts; nil if neither.
func (a approvalCreate) returnValue() any {
	var v any
	if json.Unmarshal(a.ToolReturn, &v) != nil {
		return nil
	}
	switch v.(type) {
	case string, []any:
		return v
	}
	return nil
}

// input converts a result entry for the engine.
func (a approvalCreate) returnInput() agent.ApprovalInput {
	return agent.ApprovalInput{ToolCallID: a.ToolCallID, Approve: true, Return: &agent.ToolReturnInput{
		Status: letta.Deref(a.Status), Return: a.returnValue(), Stdout: a.Stdout, Stderr: a.Stderr,
	}}
}

// isToolReturn reports whether the item is a tool_return item.
func (m messageCreate) isToolReturn() bool {
	return m.Type != nil && *m.Type == agent.InputToolReturn
}

// isApproval reports whether the item answers a pending approval. As in
// Letta, an item without a type that carries approve or
// approval_request_id is one.
func (m messageCreate) isApproval() bool {
	if m.Type != nil {
		return *m.Type == "approval"
	}
	return m.Approve != nil || m.ApprovalRequestID != nil || m.Approvals != nil
}

// validate reports the message's problems under loc.
func (m messageCreate) validate(fe *fieldErrors, loc ...any) {
	at := func(field string) []any { return append(append([]any{}, loc...), field) }
	if m.isToolReturn() {
		if len(m.ToolReturns) == 0 {
			fe.add("List should have at least 1 item", at("tool_returns")...)
		}
		for i, r := range m.ToolReturns {
			r.validateReturn(fe, append(at("tool_returns"), i))
		}
		return
	}
	if m.isApproval() {
		m.validateApproval(fe, at)
		return
	}
	if m.Type != nil && *m.Type != "message" {
		fe.add(fmt.Sprintf("Message type %q is not supported; send \"message\", \"approval\" or \"tool_return\" items", *m.Type), at("type")...)
		return
	}
	switch m.Role {
	case letta.RoleUser, letta.RoleSystem, letta.RoleAssistant:
	case "":
		fe.add("Field required", at("role")...)
	default:
		fe.add("Input should be 'user', 'system' or 'assistant'", at("role")...)
	}
	if !m.Content.set {
		fe.add("Field required", at("content")...)
		return
	}
	validateParts(fe, m.Content.parts, at("content")...)
}

// validateParts checks input content parts: text and image only.
func validateParts(fe *fieldErrors, parts []letta.Content, loc ...any) {
	for i, p := range parts {
		switch p.Type {
		case letta.ContentText:
		case letta.ContentImage:
			validateImageSource(fe, p.Source, append(append([]any{}, loc...), i, "source")...)
		default:
			fe.add(fmt.Sprintf("Content part type %q cannot be sent; use \"text\" or \"image\"", p.Type), append(append([]any{}, loc...), i, "type")...)
		}
	}
}

// validateApproval checks an approval item: either the Sep-2025 fields
// (approve and approval_request_id) or a non-empty approvals list.
func (m messageCreate) validateApproval(fe *fieldErrors, at func(string) []any) {
	if m.Approvals == nil {
		if m.Approve == nil {
			fe.add("Field required: approve (or approvals)", at("approve")...)
		}
		if m.ApprovalRequestID == nil {
			fe.add("Field required: approval_request_id (or approvals)", at("approval_request_id")...)
		}
		return
	}
	if len(m.Approvals) == 0 {
		fe.add("List should have at least 1 item", at("approvals")...)
	}
	for i, a := range m.Approvals {
		item := append(at("approvals"), i)
		if a.isReturn() {
			a.validateReturn(fe, item)
			continue
		}
		if a.Type != "" && a.Type != "approval" {
			fe.add(fmt.Sprintf("Approval type %q is not supported; send \"approval\" decisions or \"tool\" returns", a.Type), append(item, "type")...)
		}
		if a.ToolCallID == "" {
			fe.add("Field required", append(item, "tool_call_id")...)
		}
		if a.Approve == nil {
			fe.add("Field required", append(item, "approve")...)
		}
	}
}

// input converts the message to the engine's form.
func (m messageCreate) input() agent.MessageInput {
	if m.isToolReturn() {
		in := agent.MessageInput{Type: agent.InputToolReturn, Otid: m.Otid}
		for _, r := range m.ToolReturns {
			in.Approvals = append(in.Approvals, r.returnInput())
		}
		return in
	}
	if m.isApproval() {
		in := agent.MessageInput{Type: "approval", Otid: m.Otid, ApprovalRequestID: m.ApprovalRequestID}
		if m.Approvals == nil {
			in.Approvals = []agent.ApprovalInput{{Approve: letta.Deref(m.Approve), Reason: m.Reason}}
		}
		for _, a := range m.Approvals {
			if a.isReturn() {
				in.Approvals = append(in.Approvals, a.returnInput())
				continue
			}
			in.Approvals = append(in.Approvals, agent.ApprovalInput{ToolCallID: a.ToolCallID, Approve: letta.Deref(a.Approve), Reason: a.Reason})
		}
		return in
	}
	return agent.MessageInput{Role: m.Role, Content: m.Content.parts, Name: m.Name, Otid: m.Otid, SenderID: m.SenderID}
}
