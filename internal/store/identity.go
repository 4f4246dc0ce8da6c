package store

import (
	"context"

	"github.com/letta-server/letta-server/internal/letta"
)

// IdentityStore keeps identities and their links to agents and blocks. An
// identifier key is unique within a project; identities without a project
// share one namespace (Letta's "nulls not distinct").
type IdentityStore interface {
	// CreateIdentity inserts i (ID, CreatedAt and UpdatedAt set) linked to
	// i.AgentIDs and i.BlockIDs and returns it as GetIdentity would.
	// ErrNotFound for an unknown agent or block, ErrConflict when the id or
	// the (identifier key, project) is taken.
	CreateIdentity(ctx context.Context, i *letta.Identity) (*letta.Identity, error)
	// GetIdentity returns the identity with AgentIDs and BlockIDs. ErrNotFound.
	GetIdentity(ctx context.Context, id string) (*letta.Identity, error)
	// GetIdentityByKey returns the identity with this identifier key in the
	// project (nil: no project). ErrNotFound.
	GetIdentityByKey(ctx context.Context, identifierKey string, projectID *string) (*letta.Identity, error)
	// ListIdentities returns identities matching every given filter, in
	// creation order. ErrNotFound for an unknown cursor.
	ListIdentities(ctx context.Context, p ListIdentitiesParams) ([]*letta.Identity, error)
	// UpdateIdentity overwrites the identity's fields (not CreatedAt),
	// replaces its agent and block links with i.AgentIDs and i.BlockIDs,
	// sets UpdatedAt and returns it as GetIdentity would. ErrNotFound for an
	// unknown identity, agent or block; ErrConflict for a taken key.
	UpdateIdentity(ctx context.Context, i *letta.Identity) (*letta.Identity, error)
	// DeleteIdentity removes the identity and its links; agents and blocks
	// stay. ErrNotFound.
	DeleteIdentity(ctx context.Context, id string) error
	// SetAgentIdentities replaces the identities the agent is linked to.
	// ErrNotFound for an unknown agent or identity.
	SetAgentIdentities(ctx context.Context, agentID string, identityIDs []string) error
}

// ListIdentitiesParams filters ListIdentities. Empty fields do not filter.
type ListIdentitiesParams struct {
	Name          string // case-insensitive substring of the name
	ProjectID     string
	IdentifierKey string
	IdentityType  letta.IdentityType
	Page          Page
}
