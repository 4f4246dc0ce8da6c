package letta

import "time"

// Passage is one entry of an agent's archival memory: a piece of text, its
// embedding (nil when the agent has no embedding model; the passage is then
// found by full-text search alone) and tags.
//
// The wire shape is Letta's Passage (every era): embedding and
// embedding_config are written as in Letta, the vector included, since
// clients that re-rank or export passages read it. AgentID is the
// Apr-2025 field agent_id; later eras ignore it.
type Passage struct {
	ID              string           `json:"id"`
	AgentID         string           `json:"agent_id"`
	ArchiveID       *string          `json:"archive_id"`
	SourceID        *string          `json:"source_id"`
	FileID          *string          `json:"file_id"`
	FileName        *string          `json:"file_name"`
	Text            string           `json:"text"`
	Embedding       []float32        `json:"embedding"`
	EmbeddingConfig *EmbeddingConfig `json:"embedding_config"`
	Metadata        map[string]any   `json:"metadata"`
	Tags            []string         `json:"tags"`
	IsDeleted       bool             `json:"is_deleted"`
	CreatedByID     *string          `json:"created_by_id"`
	LastUpdatedByID *string          `json:"last_updated_by_id"`
	CreatedAt       time.Time        `json:"created_at"`
	UpdatedAt       time.Time        `json:"updated_at"`
}

// Normalize fills the list and map fields Letta always writes.
func (p *Passage) Normalize() {
	p.Tags = orEmpty(p.Tags)
	if p.Metadata == nil {
		p.Metadata = map[string]any{}
	}
}
