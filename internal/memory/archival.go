package memory

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/store"
)

// DefaultArchivalSearchLimit is how many passages an archival search returns
// when asked for no number (Letta's default for the tool and the route).
const DefaultArchivalSearchLimit = 5

// EmbeddingError is a failed embedding: the provider refused or failed, or
// returned something unusable (wrong count or dimension). It names the
// model and the cause; the API answers it with a 4xx or 502, never a 500.
type EmbeddingError struct {
	Model string
	// Provider is the provider's error, when the call itself failed.
	Provider *llm.APIError
	Cause    error
	// Unusable marks a response of the wrong shape (a 502).
	Unusable bool
}

func (e *EmbeddingError) Error() string {
	return fmt.Sprintf("embedding with %s failed: %v", e.Model, e.Cause)
}

func (e *EmbeddingError) Unwrap() error { return e.Cause }

// Embed returns one vector per text from the embedding model of cfg, each of
// cfg.EmbeddingDim values. A nil cfg (an agent without an embedding model)
// returns nil vectors: passages are then stored and found by text alone.
func Embed(ctx context.Context, models *llm.Registry, cfg *letta.EmbeddingConfig, texts []string) ([][]float32, error) {
	if cfg == nil || len(texts) == 0 {
		return make([][]float32, len(texts)), nil
	}
	model := cfg.EmbeddingModel
	if h := letta.Deref(cfg.Handle); h != "" {
		model = h
	}
	if models == nil {
		return nil, &EmbeddingError{Model: model, Cause: fmt.Errorf("%w: no embedding provider is configured", llm.ErrUnknownModel)}
	}
	embedder, err := models.Embedder(*cfg)
	if err != nil {
		return nil, &EmbeddingError{Model: model, Cause: err}
	}
	vectors, err := embedder.Embed(ctx, cfg.EmbeddingModel, texts)
	if err != nil {
		e := &EmbeddingError{Model: model, Cause: err}
		errors.As(err, &e.Provider)
		return nil, e
	}
	if len(vectors) != len(texts) {
		return nil, &EmbeddingError{Model: model, Unusable: true,
			Cause: fmt.Errorf("the provider returned %d vectors for %d texts", len(vectors), len(texts))}
	}
	for i, v := range vectors {
		if cfg.EmbeddingDim > 0 && len(v) != cfg.EmbeddingDim {
			return nil, &EmbeddingError{Model: model, Unusable: true,
				Cause: fmt.Errorf("the provider returned a vector of %d dimensions, but the embedding_config says embedding_dim %d", len(v), cfg.EmbeddingDim)}
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, &EmbeddingError{Model: model, Unusable: true, Cause: fmt.Errorf("the provider returned a non-finite value in vector %d", i)}
			}
		}
	}
	return vectors, nil
}

// ArchivalInsertParams is one archival insert.
type ArchivalInsertParams struct {
	Text      string
	Tags      []string
	CreatedAt *time.Time // nil: now
	// Chunk splits Text into chunks of the embedding config's chunk size,
	// one passage each, as Letta's REST insert does; the agent's tool stores
	// one passage.
	Chunk bool
	// Vectors are the embeddings of the chunks when the caller computed
	// them already (see ChunksFor); nil: InsertArchival embeds them.
	Vectors [][]float32
	ActorID string
}

// ChunksFor returns the texts an insert of text stores: the chunks when
// chunk is set, else text alone.
func ChunksFor(a *letta.Agent, text string, chunk bool) []string {
	if !chunk {
		return []string{text}
	}
	size := DefaultChunkTokens
	if a.EmbeddingConfig != nil && letta.Deref(a.EmbeddingConfig.EmbeddingChunkSize) > 0 {
		size = *a.EmbeddingConfig.EmbeddingChunkSize
	}
	return Chunk(text, size)
}

// InsertArchival stores text in the agent's archival memory (embedded with the
// agent's embedding model, if it has one) and returns the new passages.
// st may be a transaction; the embedding call is made before any write.
func InsertArchival(ctx context.Context, st store.Store, models *llm.Registry, a *letta.Agent, p ArchivalInsertParams) ([]*letta.Passage, error) {
	if strings.TrimSpace(p.Text) == "" {
		return nil, errors.New("archival memory text is empty")
	}
	chunks := ChunksFor(a, p.Text, p.Chunk)
	vectors := p.Vectors
	if vectors == nil {
		var err error
		if vectors, err = Embed(ctx, models, a.EmbeddingConfig, chunks); err != nil {
			return nil, err
		}
	}
	if len(vectors) != len(chunks) {
		return nil, fmt.Errorf("insert archival memory: %d vectors for %d chunks", len(vectors), len(chunks))
	}
	now := letta.Now()
	created := now
	if p.CreatedAt != nil {
		created = p.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	tags := dedupe(p.Tags)
	ps := make([]*letta.Passage, len(chunks))
	for i, text := range chunks {
		ps[i] = &letta.Passage{
			ID:              letta.NewID(letta.PrefixPassage),
			AgentID:         a.ID,
			Text:            text,
			Embedding:       vectors[i],
			EmbeddingConfig: a.EmbeddingConfig,
			Metadata:        map[string]any{},
			Tags:            tags,
			CreatedAt:       created,
			UpdatedAt:       now,
		}
		if p.ActorID != "" {
			ps[i].CreatedByID, ps[i].LastUpdatedByID = letta.Ptr(p.ActorID), letta.Ptr(p.ActorID)
		}
	}
	if err := st.CreatePassages(ctx, ps); err != nil {
		return nil, fmt.Errorf("insert archival memory: %w", err)
	}
	return ps, nil
}

// ArchivalSearchParams is one archival search of an agent.
type ArchivalSearchParams struct {
	Query        string
	Tags         []string
	MatchAllTags bool
	TopK         int // <= 0: DefaultArchivalSearchLimit
	Start, End   *time.Time
	// QueryVector is the query's embedding when the caller computed it
	// already; nil: SearchArchival embeds the query (if the agent has a model).
	QueryVector []float32
}

// SearchArchival ranks the agent's passages against the query: hybrid (vector and
// full text fused by reciprocal rank) when the agent has an embedding
// model, full text alone when it has none. An empty query finds nothing.
func SearchArchival(ctx context.Context, st store.Store, models *llm.Registry, a *letta.Agent, p ArchivalSearchParams) ([]store.PassageHit, error) {
	if strings.TrimSpace(p.Query) == "" {
		return []store.PassageHit{}, nil
	}
	vec := p.QueryVector
	if vec == nil && a.EmbeddingConfig != nil {
		vs, err := Embed(ctx, models, a.EmbeddingConfig, []string{p.Query})
		if err != nil {
			return nil, err
		}
		vec = vs[0]
	}
	limit := p.TopK
	if limit <= 0 {
		limit = DefaultArchivalSearchLimit
	}
	hits, err := st.SearchPassages(ctx, store.SearchPassagesParams{
		AgentID: a.ID, Embedding: vec, Query: p.Query,
		Tags: p.Tags, MatchAllTags: p.MatchAllTags,
		StartDate: p.Start, EndDate: p.End, Limit: limit,
	})
	if err != nil {
		return nil, fmt.Errorf("search archival memory: %w", err)
	}
	return hits, nil
}

// ArchivalResult is one archival search hit as Letta reports it to the
// agent and on GET .../archival-memory/search.
type ArchivalResult struct {
	ID        string   `json:"id"`
	Timestamp string   `json:"timestamp"`
	Content   string   `json:"content"`
	Tags      []string `json:"tags"`
}

// pythonISOTime is Python's isoformat() at seconds precision: the offset
// is always numeric ("+00:00", never "Z").
const pythonISOTime = "2006-01-02T15:04:05-07:00"

// ArchivalResults formats hits with timestamps in the agent's timezone.
func ArchivalResults(hits []store.PassageHit, timezone string) []ArchivalResult {
	loc := time.UTC
	if l, err := time.LoadLocation(timezone); err == nil && timezone != "" {
		loc = l
	}
	out := make([]ArchivalResult, len(hits))
	for i, h := range hits {
		tags := h.Passage.Tags
		if tags == nil {
			tags = []string{}
		}
		out[i] = ArchivalResult{
			ID:        h.Passage.ID,
			Timestamp: h.Passage.CreatedAt.In(loc).Format(pythonISOTime),
			Content:   h.Passage.Text,
			Tags:      tags,
		}
	}
	return out
}

func dedupe(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
