package store

import "time"

// AgentRunState is what the end of a turn records on the agent (the
// AgentState fields Letta fills): how its last run ended, when, after how
// long, and the approval_request_message it waits on (nil when none).
type AgentRunState struct {
	LastStopReason    string    `json:"last_stop_reason"`
	LastRunCompletion time.Time `json:"last_run_completion"`
	LastRunDurationMs int64     `json:"last_run_duration_ms"`
	PendingApproval   any       `json:"pending_approval"`
}
