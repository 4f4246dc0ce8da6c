package letta

import "time"

// Run statuses (Letta's JobStatus / RunStatus).
const (
	RunCreated   = "created"
	RunRunning   = "running"
	RunCompleted = "completed"
	RunFailed    = "failed"
	RunCancelled = "cancelled"
)

// JobTypeRun is the job_type of every Run.
const JobTypeRun = "run"

// RunDone reports whether a run with this status has ended.
func RunDone(status string) bool {
	return status == RunCompleted || status == RunFailed || status == RunCancelled
}

// RequestConfig is LettaRequestConfig: how a run's messages are rendered.
type RequestConfig struct {
	UseAssistantMessage       bool     `json:"use_assistant_message"`
	AssistantMessageToolName  string   `json:"assistant_message_tool_name"`
	AssistantMessageToolKwarg string   `json:"assistant_message_tool_kwarg"`
	IncludeReturnMessageTypes []string `json:"include_return_message_types"`
}

// Run is one agent turn started through messages/async (or recorded for a
// background stream): its status, outcome and callback delivery.
type Run struct {
	ID                 string         `json:"id"`
	AgentID            string         `json:"agent_id"`
	Status             string         `json:"status"`
	StopReason         *string        `json:"stop_reason"`
	Metadata           map[string]any `json:"metadata"`
	RequestConfig      *RequestConfig `json:"request_config"`
	CallbackURL        *string        `json:"callback_url"`
	CallbackSentAt     *time.Time     `json:"callback_sent_at"`
	CallbackStatusCode *int           `json:"callback_status_code"`
	CallbackError      *string        `json:"callback_error"`
	Background         *bool          `json:"background"`
	CreatedByID        *string        `json:"created_by_id"`
	LastUpdatedByID    *string        `json:"last_updated_by_id"`
	JobType            string         `json:"job_type"`
	TTFTNs             *int64         `json:"ttft_ns"`
	TotalDurationNs    *int64         `json:"total_duration_ns"`
	CompletedAt        *time.Time     `json:"completed_at"`
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
}

// Finish ends the run with status and stop reason at the given time, and
// records its total duration.
func (r *Run) Finish(status, stopReason string, at time.Time) {
	r.Status = status
	r.StopReason = &stopReason
	r.CompletedAt = &at
	if !r.CreatedAt.IsZero() {
		d := at.Sub(r.CreatedAt).Nanoseconds()
		r.TotalDurationNs = &d
	}
}

// InterruptedRunError is the metadata "error" of a run that a server
// restart interrupted.
const InterruptedRunError = "the server stopped before the run finished"

// MarkInterrupted fails a run whose server stopped while it was active.
func (r *Run) MarkInterrupted(at time.Time) {
	r.Finish(RunFailed, StopError, at)
	if r.Metadata == nil {
		r.Metadata = map[string]any{}
	}
	r.Metadata["error"] = InterruptedRunError
}
