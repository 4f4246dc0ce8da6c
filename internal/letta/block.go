package letta

import (
	"fmt"
	"time"
)

// DefaultBlockLimit is the character limit of a block created without one
// (Letta 0.16.6+ for generic blocks).
const DefaultBlockLimit = 100000

// DefaultPersonaHumanLimit is the limit of "persona" and "human" blocks.
const DefaultPersonaHumanLimit = 20000

// Block is a unit of core memory. One row may be attached to several agents;
// an edit through any of them is seen by all.
type Block struct {
	ID                  string         `json:"id"`
	Label               string         `json:"label"`
	Value               string         `json:"value"`
	Limit               int            `json:"limit"`
	Description         *string        `json:"description"`
	Metadata            map[string]any `json:"metadata"`
	IsTemplate          bool           `json:"is_template"`
	TemplateName        *string        `json:"template_name"`
	Name                *string        `json:"name"`
	ReadOnly            bool           `json:"read_only"`
	Hidden              *bool          `json:"hidden"`
	PreserveOnMigration *bool          `json:"preserve_on_migration"`
	ProjectID           *string        `json:"project_id"`
	TemplateID          *string        `json:"template_id"`
	BaseTemplateID      *string        `json:"base_template_id"`
	DeploymentID        *string        `json:"deployment_id"`
	EntityID            *string        `json:"entity_id"`
	Tags                []string       `json:"tags"`
	CreatedByID         *string        `json:"created_by_id"`
	LastUpdatedByID     *string        `json:"last_updated_by_id"`
	CreatedAt           time.Time      `json:"created_at"`
	UpdatedAt           time.Time      `json:"updated_at"`
}

// LimitError is returned when a value would exceed its block's limit. Its text
// is Letta's, since the model reads it as a tool error.
type LimitError struct {
	Limit, Requested int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("Edit failed: Exceeds %d character limit (requested %d)", e.Limit, e.Requested)
}

// CheckLimit returns a *LimitError when value is longer (in characters) than limit.
func CheckLimit(value string, limit int) error {
	if n := len([]rune(value)); n > limit {
		return &LimitError{Limit: limit, Requested: n}
	}
	return nil
}

// DefaultLimitFor returns the default limit for a block with this label.
func DefaultLimitFor(label string) int {
	if label == "persona" || label == "human" {
		return DefaultPersonaHumanLimit
	}
	return DefaultBlockLimit
}

// DuplicateLabel returns a label that two of the blocks share, if any: an
// agent's block labels must be unique, since blocks are addressed by label.
func DuplicateLabel(blocks []Block) (string, bool) {
	seen := make(map[string]bool, len(blocks))
	for _, b := range blocks {
		if seen[b.Label] {
			return b.Label, true
		}
		seen[b.Label] = true
	}
	return "", false
}
