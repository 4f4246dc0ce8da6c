package api

import (
	"fmt"

	"github.com/letta-server/letta-server/internal/letta"
)

// identityCreateRequest is IdentityCreate (POST) and IdentityUpsert (PUT).
type identityCreateRequest struct {
	IdentifierKey *string                   `json:"identifier_key"`
	Name          *string                   `json:"name"`
	IdentityType  *string                   `json:"identity_type"`
	ProjectID     *string                   `json:"project_id"`
	AgentIDs      []string                  `json:"agent_ids"`
	BlockIDs      []string                  `json:"block_ids"`
	Properties    []identityPropertyRequest `json:"properties"`
}

// identityPropertyRequest is one IdentityProperty as sent; Value is
// required but may be any of string, number, boolean or object.
type identityPropertyRequest struct {
	Key   *string `json:"key"`
	Value any     `json:"value"`
	Type  *string `json:"type"`
}

// identityUpdateRequest is IdentityUpdate (PATCH): nil fields stay.
type identityUpdateRequest struct {
	IdentifierKey *string                   `json:"identifier_key"`
	Name          *string                   `json:"name"`
	IdentityType  *string                   `json:"identity_type"`
	AgentIDs      []string                  `json:"agent_ids"`
	BlockIDs      []string                  `json:"block_ids"`
	Properties    []identityPropertyRequest `json:"properties"`
}

// validate reports every missing or malformed field at once (422).
func (c identityCreateRequest) validate() error {
	var fe fieldErrors
	requiredString(&fe, c.IdentifierKey, "identifier_key")
	requiredString(&fe, c.Name, "name")
	if c.IdentityType == nil {
		fe.add("Field required", "body", "identity_type")
	} else {
		validIdentityType(&fe, *c.IdentityType)
	}
	validateProperties(&fe, c.Properties, "body", "properties")
	return fe.err()
}

// validate reports malformed fields (422).
func (u identityUpdateRequest) validate() error {
	var fe fieldErrors
	if u.IdentifierKey != nil && *u.IdentifierKey == "" {
		fe.add("String should have at least 1 character", "body", "identifier_key")
	}
	if u.Name != nil && *u.Name == "" {
		fe.add("String should have at least 1 character", "body", "name")
	}
	if u.IdentityType != nil {
		validIdentityType(&fe, *u.IdentityType)
	}
	validateProperties(&fe, u.Properties, "body", "properties")
	return fe.err()
}

func requiredString(fe *fieldErrors, v *string, name string) {
	switch {
	case v == nil:
		fe.add("Field required", "body", name)
	case *v == "":
		fe.add("String should have at least 1 character", "body", name)
	}
}

func validIdentityType(fe *fieldErrors, t string) {
	if !letta.IdentityType(t).Known() {
		fe.add(fmt.Sprintf("Input should be 'org', 'user' or 'other', got %q", t), "body", "identity_type")
	}
}

// validateProperties checks each property has a key, a known type and a
// value; loc is where the list sits in the request.
func validateProperties(fe *fieldErrors, props []identityPropertyRequest, loc ...any) {
	for i, p := range props {
		at := func(field string) []any { return append(append([]any{}, loc...), i, field) }
		if p.Key == nil {
			fe.add("Field required", at("key")...)
		}
		if p.Value == nil {
			fe.add("Field required", at("value")...)
		}
		switch {
		case p.Type == nil:
			fe.add("Field required", at("type")...)
		case !letta.IdentityPropertyType(*p.Type).Known():
			fe.add(fmt.Sprintf("Input should be 'string', 'number', 'boolean' or 'json', got %q", *p.Type), at("type")...)
		}
	}
}

// properties converts validated properties; nil stays nil ("not sent").
func properties(in []identityPropertyRequest) []letta.IdentityProperty {
	if in == nil {
		return nil
	}
	out := make([]letta.IdentityProperty, 0, len(in))
	for _, p := range in {
		out = append(out, letta.IdentityProperty{Key: *p.Key, Value: p.Value, Type: letta.IdentityPropertyType(*p.Type)})
	}
	return out
}

// identity builds a new identity from a validated create request.
func (c identityCreateRequest) identity(actor string) *letta.Identity {
	now := letta.Now()
	return &letta.Identity{
		ID:              letta.NewID(letta.PrefixIdentity),
		IdentifierKey:   *c.IdentifierKey,
		Name:            *c.Name,
		IdentityType:    letta.IdentityType(*c.IdentityType),
		ProjectID:       c.ProjectID,
		AgentIDs:        c.AgentIDs,
		BlockIDs:        c.BlockIDs,
		Properties:      properties(c.Properties),
		CreatedByID:     &actor,
		LastUpdatedByID: &actor,
		CreatedAt:       now,
		UpdatedAt:       now,
	}
}
