package api

import (
	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
)

// createBlockRequest is CreateBlock: POST /v1/blocks and the items of
// CreateAgentRequest.memory_blocks.
type createBlockRequest struct {
	Label               *string        `json:"label"`
	Value               *string        `json:"value"`
	Limit               *int           `json:"limit"`
	Name                *string        `json:"name"`
	TemplateName        *string        `json:"template_name"`
	IsTemplate          bool           `json:"is_template"`
	Description         *string        `json:"description"`
	Metadata            map[string]any `json:"metadata"`
	ReadOnly            bool           `json:"read_only"`
	Hidden              *bool          `json:"hidden"`
	PreserveOnMigration *bool          `json:"preserve_on_migration"`
	ProjectID           *string        `json:"project_id"`
	Tags                []string       `json:"tags"`
}

// validate reports missing fields under loc; the limit check comes after
// (a *letta.LimitError, Letta's own text).
func (b createBlockRequest) validate(fe *fieldErrors, loc ...any) {
	at := func(field string) []any { return append(append([]any{}, loc...), field) }
	if b.Label == nil || *b.Label == "" {
		fe.add("Field required", at("label")...)
	}
	if b.Value == nil {
		fe.add("Field required", at("value")...)
	}
	if b.Limit != nil && *b.Limit < 0 {
		fe.add("Input should be greater than or equal to 0", at("limit")...)
	}
}

// limit returns the block's limit: the given one or the label's default.
func (b createBlockRequest) limit() int {
	if b.Limit != nil {
		return *b.Limit
	}
	return letta.DefaultLimitFor(letta.Deref(b.Label))
}

// templateName is name, or template_name in the Mar-2026 spelling.
func (b createBlockRequest) templateName() *string {
	if b.Name != nil {
		return b.Name
	}
	return b.TemplateName
}

// params converts the request for the engine (memory_blocks).
func (b createBlockRequest) params() agent.CreateBlockParams {
	limit := b.limit()
	return agent.CreateBlockParams{
		Label:       letta.Deref(b.Label),
		Value:       letta.Deref(b.Value),
		Limit:       &limit,
		Description: b.Description,
		Metadata:    b.Metadata,
		ReadOnly:    b.ReadOnly,
		IsTemplate:  b.IsTemplate,
		Name:        b.templateName(),
		Tags:        b.Tags,
		ProjectID:   b.ProjectID,
	}
}

// block builds a new stored block from the request.
func (b createBlockRequest) block(actor string) *letta.Block {
	now := letta.Now()
	md := b.Metadata
	if md == nil {
		md = map[string]any{}
	}
	tags := b.Tags
	if tags == nil {
		tags = []string{}
	}
	return &letta.Block{
		ID:                  letta.NewID(letta.PrefixBlock),
		Label:               letta.Deref(b.Label),
		Value:               letta.Deref(b.Value),
		Limit:               b.limit(),
		Description:         b.Description,
		Metadata:            md,
		IsTemplate:          b.IsTemplate,
		TemplateName:        b.templateName(),
		Name:                b.templateName(),
		ReadOnly:            b.ReadOnly,
		Hidden:              b.Hidden,
		PreserveOnMigration: b.PreserveOnMigration,
		ProjectID:           b.ProjectID,
		Tags:                tags,
		CreatedByID:         &actor,
		LastUpdatedByID:     &actor,
		CreatedAt:           now,
		UpdatedAt:           now,
	}
}

// updateBlockRequest is BlockUpdate: only the fields sent change (null is
// the same as absent).
type updateBlockRequest struct {
	Value               *string         `json:"value"`
	Limit               *int            `json:"limit"`
	Label               *string         `json:"label"`
	Name                *string         `json:"name"`
	TemplateName        *string         `json:"template_name"`
	IsTemplate          *bool           `json:"is_template"`
	Description         *string         `json:"description"`
	Metadata            *map[string]any `json:"metadata"`
	ReadOnly            *bool           `json:"read_only"`
	Hidden              *bool           `json:"hidden"`
	PreserveOnMigration *bool           `json:"preserve_on_migration"`
	ProjectID           *string         `json:"project_id"`
	Tags                *[]string       `json:"tags"`
}

// validate reports malformed fields.
func (u updateBlockRequest) validate() error {
	var fe fieldErrors
	if u.Label != nil && *u.Label == "" {
		fe.add("String should have at least 1 character", "body", "label")
	}
	if u.Limit != nil && *u.Limit < 0 {
		fe.add("Input should be greater than or equal to 0", "body", "limit")
	}
	return fe.err()
}

// apply changes b by u and checks the result against the block's limit
// (a lowered limit below the current value fails too).
func (u updateBlockRequest) apply(b *letta.Block, actor string) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&b.Value, u.Value)
	set(&b.Label, u.Label)
	if u.Limit != nil {
		b.Limit = *u.Limit
	}
	if name := u.Name; name != nil || u.TemplateName != nil {
		if name == nil {
			name = u.TemplateName
		}
		b.Name, b.TemplateName = name, name
	}
	if u.IsTemplate != nil {
		b.IsTemplate = *u.IsTemplate
	}
	if u.Description != nil {
		b.Description = u.Description
	}
	if u.Metadata != nil {
		b.Metadata = *u.Metadata
		if b.Metadata == nil {
			b.Metadata = map[string]any{}
		}
	}
	if u.ReadOnly != nil {
		b.ReadOnly = *u.ReadOnly
	}
	if u.Hidden != nil {
		b.Hidden = u.Hidden
	}
	if u.PreserveOnMigration != nil {
		b.PreserveOnMigration = u.PreserveOnMigration
	}
	if u.ProjectID != nil {
		b.ProjectID = u.ProjectID
	}
	if u.Tags != nil {
		b.Tags = *u.Tags
	}
	b.LastUpdatedByID = &actor
	return letta.CheckLimit(b.Value, b.Limit)
}

// normalizeBlock makes a block's list and map fields non-null for the wire.
func normalizeBlock(b *letta.Block) *letta.Block {
	if b.Tags == nil {
		b.Tags = []string{}
	}
	if b.Metadata == nil {
		b.Metadata = map[string]any{}
	}
	return b
}
