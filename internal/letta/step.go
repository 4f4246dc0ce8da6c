package letta

import "time"

// Step statuses.
const (
	StepPending   = "pending"
	StepSuccess   = "success"
	StepFailed    = "failed"
	StepCancelled = "cancelled"
)

// Step records one model call of an agent turn, with its usage.
type Step struct {
	ID                      string         `json:"id"`
	Origin                  *string        `json:"origin"`
	ProviderID              *string        `json:"provider_id"`
	RunID                   *string        `json:"run_id"`
	AgentID                 string         `json:"agent_id"`
	ProviderName            *string        `json:"provider_name"`
	ProviderCategory        *string        `json:"provider_category"`
	Model                   *string        `json:"model"`
	ModelHandle             *string        `json:"model_handle"`
	ModelEndpoint           *string        `json:"model_endpoint"`
	ContextWindowLimit      *int           `json:"context_window_limit"`
	CompletionTokens        int            `json:"completion_tokens"`
	PromptTokens            int            `json:"prompt_tokens"`
	TotalTokens             int            `json:"total_tokens"`
	CachedInputTokens       *int           `json:"cached_input_tokens"`
	CacheWriteTokens        *int           `json:"cache_write_tokens"`
	ReasoningTokens         *int           `json:"reasoning_tokens"`
	CompletionTokensDetails map[string]any `json:"completion_tokens_details"`
	PromptTokensDetails     map[string]any `json:"prompt_tokens_details"`
	StopReason              *string        `json:"stop_reason"`
	Tags                    []string       `json:"tags"`
	Tid                     *string        `json:"tid"`
	TraceID                 *string        `json:"trace_id"`
	RequestID               *string        `json:"request_id"`
	Messages                []any          `json:"messages"`
	Feedback                *string        `json:"feedback"`
	ProjectID               *string        `json:"project_id"`
	ErrorType               *string        `json:"error_type"`
	ErrorData               map[string]any `json:"error_data"`
	Status                  string         `json:"status"`
	// Timings in nanoseconds (Letta keeps them in StepMetrics).
	LLMRequestNs    *int64    `json:"llm_request_ns,omitempty"`
	ToolExecutionNs *int64    `json:"tool_execution_ns,omitempty"`
	StepNs          *int64    `json:"step_ns,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}
