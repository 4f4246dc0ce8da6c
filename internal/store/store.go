// Package store defines how the server persists its resources: one Store
// interface, the Params types of its methods and the sentinel errors every
// implementation returns. The implementations live in store/sqlite (the
// embedded default) and store/postgres (production); store/storetest is the
// one contract suite both must pass.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// Sentinel errors. Implementations translate driver errors into these in one
// place, by error type and code, never by message text.
var (
	// ErrNotFound: the addressed row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule or a compare-and-set failed.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the database cannot be reached right now.
	ErrUnavailable = errors.New("database unavailable")
)

// Backend names, returned by Store.Backend.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// Page selects a window of a list. Before and After are ids of items of the
// same list (exclusive bounds; an unknown id is ErrNotFound). Items are
// ordered by creation (created_at, then id); Ascending picks the direction.
// Limit <= 0 means no limit. After keeps the items that come after the
// cursor in the chosen direction (older ones when descending), Before those
// that come before it, so a client pages on with After = last id seen.
type Page struct {
	Before    string
	After     string
	Limit     int
	Ascending bool
}

// Store is everything the server persists. Methods that address one row by
// id return ErrNotFound when it does not exist; list methods return an empty
// (non-nil) slice when nothing matches.
type Store interface {
	AgentStore
	BlockStore
	ToolStore
	MessageStore
	StepStore
	RunStore
	RunChunkStore
	LeaseStore
	PassageStore
	IdentityStore

	// InTx runs fn with a Store whose every call is part of one transaction,
	// committed when fn returns nil and rolled back when it returns an error
	// or panics. Calls to InTx on the Store given to fn run fn directly.
	InTx(ctx context.Context, fn func(tx Store) error) error
	// Lock locks the row of kind with this id until the transaction ends,
	// so that a read-modify-write after it cannot overwrite a change
	// committed meanwhile by another transaction (Postgres runs them
	// concurrently; on SQLite one writer runs at a time and Lock only
	// checks that the row exists). Read the row again after Lock.
	// ErrNotFound when there is no such row.
	Lock(ctx context.Context, kind RowKind, id string) error
	// Backend names the implementation (BackendSQLite or BackendPostgres).
	Backend() string
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close releases the connections.
	Close() error
}

// RowKind names what Lock locks: its value is the table, in both stores.
type RowKind string

// The rows that are edited read-modify-write (a run: by its turn's outcome
// and by a cancel).
const (
	AgentRow    RowKind = "agents"
	BlockRow    RowKind = "blocks"
	IdentityRow RowKind = "identities"
	RunRow      RowKind = "runs"
	ToolRow     RowKind = "tools"
)

// Locked locks the row of kind with this id for the rest of tx (see
// Store.Lock), then reads it with get, one of tx's getters: what a
// read-modify-write then writes cannot undo a change committed meanwhile.
func Locked[T any](ctx context.Context, tx Store, kind RowKind, id string, get func(context.Context, string) (T, error)) (T, error) {
	if err := tx.Lock(ctx, kind, id); err != nil {
		var zero T
		return zero, err
	}
	return get(ctx, id)
}

// AgentStore keeps agents and their links to blocks, tools and tags.
type AgentStore interface {
	// CreateAgent inserts the agent (its scalar fields, ToolRules, MessageIDs,
	// ToolExecEnvVars) with links to the given blocks, tools and tags, in the
	// given order. The blocks and tools must exist (ErrNotFound otherwise).
	// It returns the agent as GetAgent would.
	CreateAgent(ctx context.Context, p CreateAgentParams) (*letta.Agent, error)
	// GetAgent returns the agent with Blocks (attachment order), Tools, Tags
	// (sorted) and IdentityIDs filled in. ErrNotFound.
	GetAgent(ctx context.Context, id string) (*letta.Agent, error)
	// GetAgentBlocks returns only the agent's blocks, in attachment order,
	// as GetAgent fills them (for a turn that reloads its memory between
	// steps). ErrNotFound for an unknown agent.
	GetAgentBlocks(ctx context.Context, agentID string) ([]letta.Block, error)
	// ListAgents returns agents matching every given filter. ErrNotFound for
	// an unknown cursor.
	ListAgents(ctx context.Context, p ListAgentsParams) ([]*letta.Agent, error)
	// UpdateAgent overwrites the agent's scalar fields, ToolRules, MessageIDs
	// and ToolExecEnvVars (not its links), sets UpdatedAt and returns the
	// agent as GetAgent would. ErrNotFound.
	UpdateAgent(ctx context.Context, a *letta.Agent) (*letta.Agent, error)
	// SetAgentMessageIDs replaces only the in-context message id list. ErrNotFound.
	SetAgentMessageIDs(ctx context.Context, agentID string, ids []string) error
	// SetAgentRunState records the end of a turn (last_stop_reason,
	// last_run_completion, last_run_duration_ms, pending_approval) without
	// rewriting the rest of the agent or its updated_at. ErrNotFound.
	SetAgentRunState(ctx context.Context, agentID string, st AgentRunState) error
	// SetAgentTags, SetAgentBlocks and SetAgentTools replace a link set
	// (blocks and tools keep the given order). ErrNotFound for an unknown
	// agent, block or tool.
	SetAgentTags(ctx context.Context, agentID string, tags []string) error
	SetAgentBlocks(ctx context.Context, agentID string, blockIDs []string) error
	SetAgentTools(ctx context.Context, agentID string, toolIDs []string) error
	// AttachBlock appends a block link (no-op when already attached);
	// ErrConflict when the agent already has another block with that label.
	AttachBlock(ctx context.Context, agentID, blockID string) error
	// DetachBlock removes a block link (the block stays). ErrNotFound when
	// the agent or block does not exist.
	DetachBlock(ctx context.Context, agentID, blockID string) error
	// AttachTool and DetachTool add or remove one tool link (idempotent).
	// AttachTool returns ErrNotFound when the agent or tool does not exist.
	AttachTool(ctx context.Context, agentID, toolID string) error
	DetachTool(ctx context.Context, agentID, toolID string) error
	// DeleteAgent removes the agent, its links, messages and steps; blocks
	// and tools stay. ErrNotFound.
	DeleteAgent(ctx context.Context, id string) error
	// ListTags returns the distinct tags of all agents, sorted.
	ListTags(ctx context.Context) ([]string, error)
}

// CreateAgentParams is the input of CreateAgent.
type CreateAgentParams struct {
	Agent       letta.Agent
	BlockIDs    []string
	ToolIDs     []string
	Tags        []string
	IdentityIDs []string // ErrNotFound for an unknown identity
}

// ListAgentsParams filters ListAgents. Empty fields do not filter.
type ListAgentsParams struct {
	Name         string   // exact name
	QueryText    string   // case-insensitive substring of the name
	Tags         []string // any of them, or all with MatchAllTags
	MatchAllTags bool
	ProjectID    string
	// IdentityID keeps agents linked to this identity, IdentifierKeys those
	// linked to an identity with any of these keys, IDs those with any of
	// these ids.
	IdentityID     string
	IdentifierKeys []string
	IDs            []string
	Page           Page
}

// BlockStore keeps memory blocks.
type BlockStore interface {
	// CreateBlock inserts b (ID, CreatedAt and UpdatedAt must be set).
	CreateBlock(ctx context.Context, b *letta.Block) error
	// GetBlock returns one block. ErrNotFound.
	GetBlock(ctx context.Context, id string) (*letta.Block, error)
	// ListBlocks returns blocks matching every given filter.
	ListBlocks(ctx context.Context, p ListBlocksParams) ([]*letta.Block, error)
	// UpdateBlock overwrites every field of the block and sets UpdatedAt. ErrNotFound.
	UpdateBlock(ctx context.Context, b *letta.Block) error
	// CompareAndSetBlockValue sets the value only if it still equals oldValue:
	// ErrConflict if it changed, ErrNotFound if the block is gone. This is how
	// an agent's memory edit stays atomic when a block is shared.
	CompareAndSetBlockValue(ctx context.Context, id, oldValue, newValue string) error
	// DeleteBlock removes the block and its agent links. ErrNotFound.
	DeleteBlock(ctx context.Context, id string) error
	// ListBlockAgentIDs returns the ids of the agents the block is attached to.
	ListBlockAgentIDs(ctx context.Context, blockID string) ([]string, error)
}

// ListBlocksParams filters ListBlocks.
type ListBlocksParams struct {
	Label         string
	TemplatesOnly bool
	Name          string // template name
	ProjectID     string
	Page          Page
}

// ToolStore keeps tools. Tool names are unique.
type ToolStore interface {
	// CreateTool inserts t; ErrConflict when the name is taken.
	CreateTool(ctx context.Context, t *letta.Tool) error
	// GetTool returns one tool. ErrNotFound.
	GetTool(ctx context.Context, id string) (*letta.Tool, error)
	// GetToolByName returns the tool with that name. ErrNotFound.
	GetToolByName(ctx context.Context, name string) (*letta.Tool, error)
	// ListTools returns tools matching every given filter.
	ListTools(ctx context.Context, p ListToolsParams) ([]*letta.Tool, error)
	// UpdateTool overwrites the tool and sets UpdatedAt. ErrNotFound, ErrConflict (name).
	UpdateTool(ctx context.Context, t *letta.Tool) error
	// DeleteTool removes the tool and its agent links. ErrNotFound.
	DeleteTool(ctx context.Context, id string) error
}

// ListToolsParams filters ListTools.
type ListToolsParams struct {
	Names []string // exact names (any of them)
	Page  Page
}

// MessageStore keeps every message ever written: the agent's recall memory.
type MessageStore interface {
	// CreateMessages inserts the messages in order, assigning each Seq (a
	// number that grows with every insert). IDs and CreatedAt must be set.
	CreateMessages(ctx context.Context, msgs []*letta.Message) error
	// GetMessage returns one message. ErrNotFound.
	GetMessage(ctx context.Context, id string) (*letta.Message, error)
	// GetMessages returns the messages with these ids in the order given,
	// skipping ids that do not exist.
	GetMessages(ctx context.Context, ids []string) ([]*letta.Message, error)
	// ListMessages returns messages matching every filter, ordered by Seq.
	// Page cursors are message ids and compare by Seq.
	ListMessages(ctx context.Context, p ListMessagesParams) ([]*letta.Message, error)
	// UpdateMessage overwrites the message's content fields. ErrNotFound.
	UpdateMessage(ctx context.Context, m *letta.Message) error
	// DeleteAgentMessages removes every message of the agent.
	DeleteAgentMessages(ctx context.Context, agentID string) error
	// CountMessages counts the agent's stored messages.
	CountMessages(ctx context.Context, agentID string) (int, error)
}

// ListMessagesParams filters ListMessages.
type ListMessagesParams struct {
	AgentID   string
	RunID     string
	StepID    string
	Roles     []string
	Query     string // case-insensitive substring of the message text
	StartDate *time.Time
	EndDate   *time.Time
	Page      Page
}

// StepStore keeps one Step per model call.
type StepStore interface {
	// CreateStep inserts s (ID and CreatedAt set).
	CreateStep(ctx context.Context, s *letta.Step) error
	// UpdateStep overwrites s. ErrNotFound.
	UpdateStep(ctx context.Context, s *letta.Step) error
	// GetStep returns one step. ErrNotFound.
	GetStep(ctx context.Context, id string) (*letta.Step, error)
	// ListSteps returns steps matching every filter.
	ListSteps(ctx context.Context, p ListStepsParams) ([]*letta.Step, error)
}

// ListStepsParams filters ListSteps.
type ListStepsParams struct {
	AgentID   string
	RunID     string
	Model     string
	StartDate *time.Time
	EndDate   *time.Time
	Page      Page
}

// RunStore keeps runs: turns started through messages/async, stored so any
// replica can answer for them.
type RunStore interface {
	// CreateRun inserts r (ID and CreatedAt set). ErrNotFound for an
	// unknown agent, ErrConflict for a taken id.
	CreateRun(ctx context.Context, r *letta.Run) error
	// GetRun returns one run. ErrNotFound.
	GetRun(ctx context.Context, id string) (*letta.Run, error)
	// UpdateRun overwrites r but its agent and CreatedAt, and sets
	// r.UpdatedAt. ErrNotFound.
	UpdateRun(ctx context.Context, r *letta.Run) error
	// ListRuns returns runs matching every filter, ordered by creation.
	ListRuns(ctx context.Context, p ListRunsParams) ([]*letta.Run, error)
	// DeleteRun removes the run; its messages and steps stay. ErrNotFound.
	DeleteRun(ctx context.Context, id string) error
	// MarkInterruptedRuns fails (see letta.Run.MarkInterrupted) every run
	// still created or running that was created before createdBefore and
	// whose agent holds no unexpired turn lease: no live process runs or
	// waits for its turn. It returns how many; called at start-up and
	// periodically (a replica that died leaves its runs active).
	MarkInterruptedRuns(ctx context.Context, createdBefore time.Time) (int, error)
}

// ListRunsParams filters ListRuns. Empty fields do not filter.
type ListRunsParams struct {
	AgentIDs   []string // any of them
	Statuses   []string // any of them
	Active     bool     // only runs not yet ended (created or running)
	StopReason string   // only runs that ended with this stop reason
	// Background, when set, keeps the runs of background streams (true)
	// or every other run (false; a run that never said counts as false).
	Background *bool
	Page       Page
}

// LeaseStore serializes agent turns across server replicas. A lease is a row
// per agent with a holder and an expiry; a crashed holder's lease expires.
type LeaseStore interface {
	// AcquireLease takes the agent's lease for holder until now+ttl, if it is
	// free or expired (or already held by holder). It reports whether it did.
	AcquireLease(ctx context.Context, agentID, holder string, ttl time.Duration) (bool, error)
	// RenewLease extends a lease the holder still has; false if it lost it.
	RenewLease(ctx context.Context, agentID, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease frees the lease if holder has it.
	ReleaseLease(ctx context.Context, agentID, holder string) error
}
