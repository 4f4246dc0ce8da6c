package letta

import (
	"slices"
	"time"
)

// IdentityType is what an identity stands for (Letta's IdentityType).
type IdentityType string

// Identity types Letta knows.
const (
	IdentityTypeOrg   IdentityType = "org"
	IdentityTypeUser  IdentityType = "user"
	IdentityTypeOther IdentityType = "other"
)

// Known reports whether t is one of Letta's identity types.
func (t IdentityType) Known() bool {
	return t == IdentityTypeOrg || t == IdentityTypeUser || t == IdentityTypeOther
}

// IdentityPropertyType is the declared type of an identity property's value.
type IdentityPropertyType string

// Property types Letta knows.
const (
	PropertyTypeString  IdentityPropertyType = "string"
	PropertyTypeNumber  IdentityPropertyType = "number"
	PropertyTypeBoolean IdentityPropertyType = "boolean"
	PropertyTypeJSON    IdentityPropertyType = "json"
)

// Known reports whether t is one of Letta's property types.
func (t IdentityPropertyType) Known() bool {
	switch t {
	case PropertyTypeString, PropertyTypeNumber, PropertyTypeBoolean, PropertyTypeJSON:
		return true
	}
	return false
}

// IdentityProperty is one {key, value, type} of an identity. Value is a
// string, number, boolean or object, as the client sent it.
type IdentityProperty struct {
	Key   string               `json:"key"`
	Value any                  `json:"value"`
	Type  IdentityPropertyType `json:"type"`
}

// Identity maps a user, organization or anything else of the caller's
// application (its IdentifierKey, unique within a project) to agents and
// blocks. AgentIDs and BlockIDs are links kept in both directions: an agent
// linked here lists the identity in its identity_ids. The actor and time
// fields go beyond Letta's schema; clients ignore them.
type Identity struct {
	ID              string             `json:"id"`
	IdentifierKey   string             `json:"identifier_key"`
	Name            string             `json:"name"`
	IdentityType    IdentityType       `json:"identity_type"`
	ProjectID       *string            `json:"project_id"`
	AgentIDs        []string           `json:"agent_ids"`
	BlockIDs        []string           `json:"block_ids"`
	Properties      []IdentityProperty `json:"properties"`
	CreatedByID     *string            `json:"created_by_id"`
	LastUpdatedByID *string            `json:"last_updated_by_id"`
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
}

// Normalize makes every list [] rather than null.
func (i *Identity) Normalize() {
	i.AgentIDs = orEmpty(i.AgentIDs)
	i.BlockIDs = orEmpty(i.BlockIDs)
	i.Properties = orEmpty(i.Properties)
}

// MergeProperties returns old with each of added set by key, as Letta's
// identity modify does: a key already present takes the new value and type
// in place, a new key is appended.
func MergeProperties(old, added []IdentityProperty) []IdentityProperty {
	out := slices.Clone(old)
	for _, p := range added {
		i := slices.IndexFunc(out, func(o IdentityProperty) bool { return o.Key == p.Key })
		if i >= 0 {
			out[i] = p
		} else {
			out = append(out, p)
		}
	}
	return orEmpty(out)
}
