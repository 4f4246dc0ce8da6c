// Package agent runs Letta agents: creating them with their default tools,
// blocks and opening messages, and taking a turn (the step loop: compile the
// context, call the model, run tools, persist each step atomically).
package agent

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/letta-server/letta-server/internal/agent/sandbox"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/store"
)

// Errors callers map to HTTP statuses.
var (
	// ErrBusy: the agent is taking another turn and did not free up in time (409).
	ErrBusy = errors.New("agent is busy with another request")
	// ErrPendingApproval: a tool call awaits the client's approval, so a
	// normal message is refused (409, code PENDING_APPROVAL). The error
	// returned is a *PendingApprovalError; test with errors.Is.
	ErrPendingApproval = errors.New("agent is waiting for approval of a tool call")
)

// PendingApprovalError is ErrPendingApproval with the id of the waiting
// approval request message (Letta's pending_request_id).
type PendingApprovalError struct {
	RequestID string
}

func (e *PendingApprovalError) Error() string {
	return "Cannot send a new message: The agent is waiting for approval on a tool call. Please approve or deny the pending request before continuing."
}

// Is makes errors.Is(err, ErrPendingApproval) true.
func (e *PendingApprovalError) Is(target error) bool { return target == ErrPendingApproval }

// ValidationError is bad input from the caller (a 4xx naming the problem).
type ValidationError struct {
	Field   string // wire name of the offending field, "" if none
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

// NotFoundError names a resource the request refers to that does not
// exist (a 404 saying which); it matches store.ErrNotFound.
type NotFoundError struct {
	Resource string // "Tool", "Block", "Identity"
	ID       string
}

func (e *NotFoundError) Error() string { return e.Resource + " not found: " + e.ID }

func (e *NotFoundError) Unwrap() error { return store.ErrNotFound }

// missing is a NotFoundError for resource and id when err is
// store.ErrNotFound, else err.
func missing(err error, resource, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &NotFoundError{Resource: resource, ID: id}
	}
	return err
}

// Config wires an Engine.
type Config struct {
	Store            store.Store
	Models           *llm.Registry
	Logger           *slog.Logger
	DefaultAgentType letta.AgentType // "" = letta_v1_agent
	DefaultLLM       string          // handle used when a request names no model
	DefaultEmbedding string          // handle used when a request names no embedding
	// TurnWaitTimeout is how long a send waits for the agent's running
	// turn to end before failing with ErrBusy; 0 = 10s.
	TurnWaitTimeout time.Duration
	// Sandbox runs custom Python tools; nil = one built on first use (or
	// by WarmSandbox) from SandboxConfig, whose zero value is the defaults
	// (python3 from PATH, 60s timeout).
	Sandbox       *sandbox.Runner
	SandboxConfig sandbox.Config
	// StepObserver, when set, is told about every step recorded (metrics).
	StepObserver StepObserver
}

// Engine creates agents and runs their turns.
type Engine struct {
	cfg Config

	baseToolsMu    sync.Mutex
	baseToolsReady bool

	sandboxOnce sync.Once
	sandbox     *sandbox.Runner

	turns turnQueue // this process's turns, in arrival order per agent
}

// New returns an Engine.
func New(cfg Config) *Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TurnWaitTimeout <= 0 {
		cfg.TurnWaitTimeout = leaseWait
	}
	if cfg.DefaultAgentType == "" {
		cfg.DefaultAgentType = letta.AgentTypeLettaV1
	}
	return &Engine{cfg: cfg}
}

// CreateBlockParams is one new memory block (CreateBlock on the wire).
type CreateBlockParams struct {
	Label       string
	Value       string
	Limit       *int
	Description *string
	Metadata    map[string]any
	ReadOnly    bool
	IsTemplate  bool
	Name        *string // template name
	Tags        []string
	ProjectID   *string
}

// Input message types.
const (
	InputMessage    = "message"
	InputApproval   = "approval"
	InputToolReturn = "tool_return" // results of client-side tools
)

// MessageInput is one input message: a MessageCreate, or, with Type
// "approval", the client's answer to a tool call awaiting approval
// (ApprovalCreate).
type MessageInput struct {
	Type     string          // "" or "message"; "approval"
	Role     string          // user | system | assistant
	Content  []letta.Content // a plain string arrives as one text part
	Name     *string
	Otid     *string
	SenderID *string

	// Approval answers. The Mar-2026 form lists one decision per tool call;
	// the Sep-2025 form {approve, approval_request_id, reason} arrives as
	// ApprovalRequestID plus one decision with an empty ToolCallID.
	ApprovalRequestID *string
	Approvals         []ApprovalInput
}

// ApprovalInput is the decision on one tool call awaiting approval.
type ApprovalInput struct {
	ToolCallID string // "" = the (single) call of ApprovalRequestID
	Approve    bool
	Reason     *string
	// Return, when set, is the call's result as the client ran it (a
	// Mar-2026 "tool" approval entry or a tool_return item): the call is
	// not run by the server.
	Return *ToolReturnInput
}

// ToolReturnInput is the result of a call the client ran.
type ToolReturnInput struct {
	Status string // "success" | "error"
	Return any    // a string, or content parts as decoded JSON
	Stdout []string
	Stderr []string
}

// CreateAgentParams is CreateAgentRequest, decoded. Nil pointers mean "not sent".
type CreateAgentParams struct {
	Name                   *string
	AgentType              letta.AgentType
	System                 *string
	Description            *string
	Metadata               map[string]any
	Model                  *string // handle
	Embedding              *string // handle
	LLMConfig              *letta.LLMConfig
	EmbeddingConfig        *letta.EmbeddingConfig
	ContextWindowLimit     *int
	EmbeddingChunkSize     *int
	MaxTokens              *int
	MemoryBlocks           []CreateBlockParams
	BlockIDs               []string
	Tools                  []string // tool names
	ToolIDs                []string
	ToolRules              []letta.ToolRule
	Tags                   []string
	IdentityIDs            []string // linked identities; unknown ones are store.ErrNotFound
	IncludeBaseTools       *bool
	IncludeBaseToolRules   *bool
	InitialMessageSequence []MessageInput
	MessageBufferAutoclear bool
	ToolExecEnvVars        map[string]string
	ProjectID              *string
	Timezone               *string
	ActorID                string // created_by_id
}

// UpdateAgentParams is UpdateAgent, decoded. Nil means "leave as is".
type UpdateAgentParams struct {
	Name                   *string
	System                 *string
	Description            *string
	Metadata               map[string]any
	Model                  *string
	Embedding              *string
	LLMConfig              *letta.LLMConfig
	EmbeddingConfig        *letta.EmbeddingConfig
	ContextWindowLimit     *int
	ToolIDs                *[]string
	BlockIDs               *[]string
	Tags                   *[]string
	IdentityIDs            *[]string // replaces the linked identities
	ToolRules              *[]letta.ToolRule
	MessageIDs             *[]string
	MessageBufferAutoclear *bool
	ToolExecEnvVars        *map[string]string
	ProjectID              *string
	Timezone               *string
	ActorID                string
}

// SendParams is a LettaRequest, decoded.
type SendParams struct {
	Messages                  []MessageInput
	MaxSteps                  int  // 0 = 50
	UseAssistantMessage       bool // the API fills in the default (true)
	AssistantMessageToolName  string
	AssistantMessageToolKwarg string
	IncludeReturnMessageTypes []string
	StreamTokens              bool
	RunID                     string // the run the turn belongs to, recorded on its messages and steps ("" = none)
	// ClientTools are tools the client runs itself (Mar-2026
	// client_tools): offered to the model; a call to one pauses the turn
	// like an approval until the client posts its return.
	ClientTools []ClientTool
	// TurnWait overrides Config.TurnWaitTimeout for this send (0: the
	// engine's): a run in the background waits its turn longer than a
	// client holding a request open.
	TurnWait time.Duration
}

// ClientTool is one client-side tool schema.
type ClientTool struct {
	Name        string
	Description string
	Parameters  map[string]any
}

// Sink receives a turn's output as it is produced. Sync sends collect it;
// streaming writes each item as an SSE event.
type Sink interface {
	// Message is called once per LettaMessage as it is produced (or, with
	// token streaming, per partial chunk sharing its message's id).
	Message(m letta.LettaMessage) error
}
