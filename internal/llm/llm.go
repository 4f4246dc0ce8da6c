// Package llm is the provider-neutral face of the language models: chat and
// embedding requests and responses, the Client a provider implements, and the
// Registry that resolves Letta model handles ("provider/model") to configs
// and clients. Providers live in subpackages; llmtest is a fake OpenAI server.
package llm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Message roles in a chat request.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Message is one message of a chat request.
type Message struct {
	Role    string
	Content string
	// Parts, when set, is the multimodal content of a user message (text
	// and images, in order) and replaces Content for providers.
	Parts      []Part
	Name       string     // optional author name
	ToolCalls  []ToolCall // assistant messages
	ToolCallID string     // tool messages
	// Reasoning is the assistant's native reasoning text, replayed to
	// providers that want it back (Anthropic thinking blocks); others
	// ignore it. ReasoningSignature is the provider's opaque proof that
	// the reasoning is unaltered.
	Reasoning          string
	ReasoningSignature string
}

// ToolCall is a function call made by the model; Arguments is a JSON string.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string
}

// Tool is a function offered to the model; Parameters is a JSON schema object.
type Tool struct {
	Name        string
	Description string
	Parameters  map[string]any
}

// Tool choices. A ChatRequest.ToolChoice that is none of these names the one
// function the model must call.
const (
	ToolChoiceAuto     = "auto"
	ToolChoiceRequired = "required"
	ToolChoiceNone     = "none"
)

// ChatRequest is one model call.
type ChatRequest struct {
	Model             string
	Messages          []Message
	Tools             []Tool
	ToolChoice        string // "" = provider default
	ParallelToolCalls *bool
	Temperature       *float64
	MaxTokens         int // 0 = provider default
	ReasoningEffort   string
}

// Usage is the token accounting of one call, as the provider reported it.
type Usage struct {
	PromptTokens      int
	CompletionTokens  int
	TotalTokens       int
	ReasoningTokens   int
	CachedInputTokens int
}

// Finish reasons, normalised across providers.
const (
	FinishStop          = "stop"
	FinishToolCalls     = "tool_calls"
	FinishLength        = "length"
	FinishContentFilter = "content_filter"
	// FinishRefusal: the model declined to answer (Anthropic's refusal,
	// Gemini's SAFETY and blocked prompts); the reply may be empty.
	FinishRefusal = "refusal"
)

// ChatResponse is the model's complete answer.
type ChatResponse struct {
	Content   string
	Reasoning string // native reasoning text, when the provider returns it
	// ReasoningSignature is the provider's signature of Reasoning
	// (Anthropic thinking, Gemini thought signatures), to send back as is.
	ReasoningSignature string
	ToolCalls          []ToolCall
	FinishReason       string
	Usage              Usage
	Model              string
}

// Delta is one streamed increment of a ChatResponse. ToolCallIndex says
// which call a tool-call fragment belongs to.
type Delta struct {
	Content       string
	Reasoning     string
	ToolCallIndex int
	ToolCallID    string // set on the first fragment of a call
	ToolName      string // set on the first fragment of a call
	ToolArguments string // a fragment of the arguments JSON
}

// Client talks to one provider.
type Client interface {
	// Chat makes one non-streaming call.
	Chat(ctx context.Context, req ChatRequest) (*ChatResponse, error)
	// ChatStream makes one streaming call, calling onDelta for each
	// increment, and returns the assembled response. An error from onDelta
	// stops the stream and is returned.
	ChatStream(ctx context.Context, req ChatRequest, onDelta func(Delta) error) (*ChatResponse, error)
}

// Embedder turns texts into vectors.
type Embedder interface {
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
}

// Sentinel errors for the registry.
var (
	// ErrUnknownModel: no enabled provider serves the handle.
	ErrUnknownModel = errors.New("unknown model")
)

// Error kinds of an APIError.
const (
	ErrKindTimeout         = "llm_timeout"
	ErrKindRateLimit       = "llm_rate_limit"
	ErrKindAuthentication  = "llm_authentication"
	ErrKindBadRequest      = "llm_bad_request"
	ErrKindContextWindow   = "llm_context_window_exceeded"
	ErrKindServer          = "llm_error"
	ErrKindInvalidResponse = "llm_invalid_response"
)

// APIError is a failed provider call.
type APIError struct {
	Provider   string
	StatusCode int           // 0 when no HTTP answer arrived
	Kind       string        // one of the ErrKind constants
	Message    string        // the provider's message (never a secret)
	RetryAfter time.Duration // from Retry-After, when given
	Code       string        // the provider's error code, when given (e.g. "insufficient_quota")
}

// ErrCodeInsufficientQuota is the provider code of a 429 that only the
// account owner can fix (billing); it is not worth retrying.
const ErrCodeInsufficientQuota = "insufficient_quota"

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %s (status %d): %s", e.Provider, e.Kind, e.StatusCode, e.Message)
}

// Retryable reports whether the call may succeed if repeated.
func (e *APIError) Retryable() bool {
	if e.Code == ErrCodeInsufficientQuota {
		return false
	}
	switch e.Kind {
	case ErrKindTimeout, ErrKindRateLimit, ErrKindServer:
		return true
	}
	return false
}
