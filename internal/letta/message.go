package letta

import "time"

// Message roles as stored.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
	RoleApproval  = "approval"
)

// Content part types.
const (
	ContentText              = "text"
	ContentImage             = "image"
	ContentReasoning         = "reasoning"
	ContentRedactedReasoning = "redacted_reasoning"
	ContentOmittedReasoning  = "omitted_reasoning"
)

// Content is one part of a message's content (Letta's content-part union,
// flattened: the fields used depend on Type).
type Content struct {
	Type      string         `json:"type"`
	Text      string         `json:"text,omitempty"`
	Source    map[string]any `json:"source,omitempty"`    // image
	IsNative  bool           `json:"is_native,omitempty"` // reasoning
	Reasoning string         `json:"reasoning,omitempty"` // reasoning
	Signature *string        `json:"signature,omitempty"` // reasoning, text
	Data      string         `json:"data,omitempty"`      // redacted_reasoning
}

// ToolCall is a call the model made, in OpenAI's shape (as Letta stores it).
type ToolCall struct {
	ID       string           `json:"id"`
	Type     string           `json:"type"`
	Function ToolCallFunction `json:"function"`
}

// ToolCallFunction names the called function; Arguments is a JSON string.
type ToolCallFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ToolReturn is the outcome of one tool call, kept on the tool message.
type ToolReturn struct {
	ToolCallID string   `json:"tool_call_id"`
	Status     string   `json:"status"` // "success" | "error"
	Stdout     []string `json:"stdout"`
	Stderr     []string `json:"stderr"`
}

// Message is a stored message (Letta's Message): the agent's recall memory.
// Seq orders an agent's messages; the store assigns it.
type Message struct {
	ID          string       `json:"id"`
	AgentID     string       `json:"agent_id"`
	Role        string       `json:"role"`
	Content     []Content    `json:"content"`
	Name        *string      `json:"name"`
	ToolCalls   []ToolCall   `json:"tool_calls"`
	ToolCallID  *string      `json:"tool_call_id"`
	ToolReturns []ToolReturn `json:"tool_returns"`
	StepID      *string      `json:"step_id"`
	RunID       *string      `json:"run_id"`
	Otid        *string      `json:"otid"`
	SenderID    *string      `json:"sender_id"`
	GroupID     *string      `json:"group_id"`
	Model       *string      `json:"model"`
	IsErr       bool         `json:"is_err"`
	Seq         int64        `json:"sequence_id"`
	CreatedAt   time.Time    `json:"created_at"`

	// Approval messages (role approval): a request holds ToolCalls; a
	// response holds the client's decisions.
	Approvals         []Approval `json:"approvals,omitempty"`
	Approve           *bool      `json:"approve,omitempty"`
	ApprovalRequestID *string    `json:"approval_request_id,omitempty"`
	DenialReason      *string    `json:"denial_reason,omitempty"`
}

// Approval is a client's decision on one tool call awaiting approval
// (ApprovalReturn on the wire).
type Approval struct {
	Type       string  `json:"type"` // "approval", or "tool" for a client's tool return
	ToolCallID string  `json:"tool_call_id"`
	Approve    bool    `json:"approve"`
	Reason     *string `json:"reason"`
	// A "tool" entry: the result of a call the client ran.
	ToolReturn any      `json:"tool_return,omitempty"`
	Status     string   `json:"status,omitempty"`
	Stdout     []string `json:"stdout,omitempty"`
	Stderr     []string `json:"stderr,omitempty"`
}

// IsApprovalRequest reports whether m is a tool call waiting for approval.
func (m *Message) IsApprovalRequest() bool {
	return m.Role == RoleApproval && len(m.ToolCalls) > 0
}

// Text joins the message's text parts.
func (m *Message) Text() string {
	var s string
	for _, c := range m.Content {
		if c.Type == ContentText {
			s += c.Text
		}
	}
	return s
}
