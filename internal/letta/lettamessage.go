package letta

import "encoding/json"

// LettaMessage types (the message_type discriminator).
const (
	MsgSystem           = "system_message"
	MsgUser             = "user_message"
	MsgAssistant        = "assistant_message"
	MsgReasoning        = "reasoning_message"
	MsgHiddenReasoning  = "hidden_reasoning_message"
	MsgToolCall         = "tool_call_message"
	MsgToolReturn       = "tool_return_message"
	MsgApprovalRequest  = "approval_request_message"
	MsgApprovalResponse = "approval_response_message"
	MsgSummary          = "summary_message"
	MsgStopReason       = "stop_reason"
	MsgUsage            = "usage_statistics"
	MsgPing             = "ping"
	MsgError            = "error_message"
)

// LettaToolCall is the ToolCall of the LettaMessage union (arguments a JSON string).
// In token streams the fields may be partial (a ToolCallDelta).
type LettaToolCall struct {
	Name       *string `json:"name"`
	Arguments  *string `json:"arguments"`
	ToolCallID *string `json:"tool_call_id"`
}

// LettaToolReturn is one element of tool_return_message.tool_returns.
type LettaToolReturn struct {
	Type       string   `json:"type"`
	ToolReturn string   `json:"tool_return"`
	Status     string   `json:"status"`
	ToolCallID string   `json:"tool_call_id"`
	Stdout     []string `json:"stdout"`
	Stderr     []string `json:"stderr"`
}

// LettaMessage is one member of the LettaMessage union, the form in which
// messages reach clients. Only the fields of its MessageType are written.
type LettaMessage struct {
	ID          string
	Date        MessageDate
	Name        *string
	MessageType string
	Otid        *string
	SenderID    *string
	StepID      *string
	RunID       *string
	SeqID       *int64
	IsErr       bool

	Content any // system/user/assistant: string or []Content

	Reasoning       string // reasoning_message
	Source          string // reasoning_message: reasoner_model | non_reasoner_model
	Signature       *string
	State           string  // hidden_reasoning_message
	HiddenReasoning *string // hidden_reasoning_message

	ToolCall  *LettaToolCall  // tool_call_message, approval_request_message
	ToolCalls []LettaToolCall // tool_call_message, approval_request_message

	ToolReturn  string // tool_return_message
	Status      string
	ToolCallID  string
	Stdout      []string
	Stderr      []string
	ToolReturns []LettaToolReturn

	Approve           *bool // approval_response_message
	ApprovalRequestID *string
	Reason            *string
	Approvals         []any

	Summary string // summary_message
}

// MarshalJSON writes the common fields, then the fields of the message's type.
func (m LettaMessage) MarshalJSON() ([]byte, error) {
	out := map[string]any{
		"id":           m.ID,
		"date":         m.Date,
		"name":         m.Name,
		"message_type": m.MessageType,
		"otid":         m.Otid,
		"sender_id":    m.SenderID,
		"step_id":      m.StepID,
		"run_id":       m.RunID,
		"seq_id":       m.SeqID,
	}
	if m.IsErr {
		out["is_err"] = true
	}
	switch m.MessageType {
	case MsgSystem, MsgUser, MsgAssistant:
		out["content"] = m.Content
	case MsgReasoning:
		out["reasoning"] = m.Reasoning
		out["source"] = orDefault(m.Source, "non_reasoner_model")
		out["signature"] = m.Signature
	case MsgHiddenReasoning:
		out["state"] = m.State
		out["hidden_reasoning"] = m.HiddenReasoning
	case MsgToolCall, MsgApprovalRequest:
		out["tool_call"] = m.ToolCall
		out["tool_calls"] = m.ToolCalls
	case MsgToolReturn:
		out["tool_return"] = m.ToolReturn
		out["status"] = m.Status
		out["tool_call_id"] = m.ToolCallID
		out["stdout"] = m.Stdout
		out["stderr"] = m.Stderr
		out["tool_returns"] = m.ToolReturns
	case MsgApprovalResponse:
		out["approve"] = m.Approve
		out["approval_request_id"] = m.ApprovalRequestID
		out["reason"] = m.Reason
		out["approvals"] = m.Approvals
	case MsgSummary:
		out["summary"] = m.Summary
	}
	return json.Marshal(out)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Stop reasons (LettaStopReason.stop_reason).
const (
	StopEndTurn                       = "end_turn"
	StopError                         = "error"
	StopInvalidLLMResponse            = "invalid_llm_response"
	StopInvalidToolCall               = "invalid_tool_call"
	StopMaxSteps                      = "max_steps"
	StopNoToolCall                    = "no_tool_call"
	StopToolRule                      = "tool_rule"
	StopCancelled                     = "cancelled"
	StopRequiresApproval              = "requires_approval"
	StopLLMAPIError                   = "llm_api_error"
	StopMaxTokensExceeded             = "max_tokens_exceeded"
	StopContextOverflowInSystemPrompt = "context_window_overflow_in_system_prompt"
)

// StopReason is the LettaStopReason object.
type StopReason struct {
	MessageType string `json:"message_type"`
	StopReason  string `json:"stop_reason"`
}

// NewStopReason returns a stop_reason object for reason.
func NewStopReason(reason string) StopReason {
	return StopReason{MessageType: MsgStopReason, StopReason: reason}
}

// Usage is LettaUsageStatistics: token sums over the model calls of a request.
type Usage struct {
	MessageType       string   `json:"message_type"`
	CompletionTokens  int      `json:"completion_tokens"`
	PromptTokens      int      `json:"prompt_tokens"`
	TotalTokens       int      `json:"total_tokens"`
	StepCount         int      `json:"step_count"`
	RunIDs            []string `json:"run_ids"`
	CachedInputTokens *int     `json:"cached_input_tokens"`
	CacheWriteTokens  *int     `json:"cache_write_tokens"`
	ReasoningTokens   *int     `json:"reasoning_tokens"`
	ContextTokens     *int     `json:"context_tokens"`
}

// LettaResponse is the body of a synchronous send.
type LettaResponse struct {
	Messages   []LettaMessage `json:"messages"`
	StopReason StopReason     `json:"stop_reason"`
	Usage      Usage          `json:"usage"`
}
