package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/letta-server/letta-server/internal/letta"
)

// PassageStore keeps archival memory: passages with their embeddings, found
// by vector similarity, full text or both (hybrid, fused by reciprocal
// rank). Both backends rank the same way: vector candidates by cosine
// distance, text candidates by the engine's full-text rank, ties by id, then
// FuseRanks.
type PassageStore interface {
	// CreatePassages inserts the passages (ID, AgentID, CreatedAt set) in
	// one statement batch. ErrNotFound for an unknown agent, ErrConflict for
	// a taken id.
	CreatePassages(ctx context.Context, ps []*letta.Passage) error
	// GetPassage returns one passage. ErrNotFound.
	GetPassage(ctx context.Context, id string) (*letta.Passage, error)
	// UpdatePassage overwrites the text, embedding, embedding config, tags
	// and metadata of p and sets p.UpdatedAt. ErrNotFound.
	UpdatePassage(ctx context.Context, p *letta.Passage) error
	// DeletePassage removes one passage. ErrNotFound.
	DeletePassage(ctx context.Context, id string) error
	// ListPassages returns the agent's passages in creation order, filtered
	// by a case-insensitive substring. ErrNotFound for an unknown cursor.
	ListPassages(ctx context.Context, p ListPassagesParams) ([]*letta.Passage, error)
	// SearchPassages ranks passages against a query vector, a text query or
	// both. Without either it returns the newest matches of the filters.
	SearchPassages(ctx context.Context, p SearchPassagesParams) ([]PassageHit, error)
	// CountPassages counts the agent's passages.
	CountPassages(ctx context.Context, agentID string) (int, error)
}

// ListPassagesParams filters ListPassages.
type ListPassagesParams struct {
	AgentID string
	Search  string // case-insensitive substring of the text
	Page    Page
}

// SearchPassagesParams is a ranked search. Empty fields do not filter.
type SearchPassagesParams struct {
	AgentID string // "" searches every agent's passages
	// Embedding is the query vector; only passages whose embedding has the
	// same dimension take part in vector ranking.
	Embedding []float32
	// Query is the full-text query: its words are OR-ed, stemmed (English).
	Query        string
	Tags         []string
	MatchAllTags bool // all of Tags instead of any
	StartDate    *time.Time
	EndDate      *time.Time
	Limit        int // <= 0: DefaultSearchLimit
}

// DefaultSearchLimit is the number of hits a search returns when asked for
// none in particular.
const DefaultSearchLimit = 10

// PassageHit is one search result.
type PassageHit struct {
	Passage *letta.Passage
	// Score orders the hits, higher first: cosine similarity for a vector
	// search, the engine's text rank for a text search (its scale differs
	// between backends), the RRF score for a hybrid search.
	Score float64
	// VectorRank and TextRank are the 1-based ranks in each list (0: not in it).
	VectorRank int
	TextRank   int
}

// RRFK is the constant of reciprocal rank fusion: a hit at rank r in a list
// adds 1/(RRFK+r) to its score.
const RRFK = 60

// SearchCandidates is how many candidates each ranked list contributes to a
// hybrid search that returns limit hits.
func SearchCandidates(limit int) int { return max(3*limit, 60) }

// SearchPlan is how a backend answers a SearchPassagesParams: which ranked
// lists it reads, how many candidates each, and how many hits it returns.
type SearchPlan struct {
	Limit      int      // hits to return
	Terms      []string // the full-text query's words (TextQueryTerms)
	Vector     bool     // rank by the query vector
	Text       bool     // rank by Terms
	Candidates int      // how many candidates each ranked list contributes
}

// PlanSearch plans the search p. With neither Vector nor Text the backend
// returns the newest matches of the filters, at most Limit.
func PlanSearch(p SearchPassagesParams) SearchPlan {
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	terms := TextQueryTerms(p.Query)
	plan := SearchPlan{Limit: limit, Terms: terms, Vector: len(p.Embedding) > 0, Text: len(terms) > 0, Candidates: limit}
	if plan.Vector && plan.Text {
		plan.Candidates = SearchCandidates(limit)
	}
	return plan
}

// Fuse merges the ranked lists read for the plan into its hits (FuseRanks).
func (plan SearchPlan) Fuse(vector, text []RankedID) []PassageHit {
	return FuseRanks(vector, text, plan.Limit, plan.Vector && plan.Text)
}

// RankedID is a candidate of one ranked list, best first.
type RankedID struct {
	ID    string
	Score float64
}

// FuseRanks merges the ranked lists of a search into at most limit hits
// (passages left nil for the caller to fill): with both lists, reciprocal
// rank fusion; with one, that list's own order and scores. Ties break by id
// so every backend returns the same order for the same ranks.
func FuseRanks(vector, text []RankedID, limit int, hybrid bool) []PassageHit {
	byID := map[string]*PassageHit{}
	var order []*PassageHit
	add := func(list []RankedID, vec bool) {
		for i, c := range list {
			h := byID[c.ID]
			if h == nil {
				h = &PassageHit{}
				byID[c.ID] = h
				order = append(order, h)
				h.Passage = &letta.Passage{ID: c.ID}
			}
			if vec {
				h.VectorRank = i + 1
			} else {
				h.TextRank = i + 1
			}
			if hybrid {
				h.Score += 1 / float64(RRFK+i+1)
			} else {
				h.Score = c.Score
			}
		}
	}
	add(vector, true)
	add(text, false)
	if hybrid {
		slices.SortStableFunc(order, func(a, b *PassageHit) int {
			if c := cmp.Compare(b.Score, a.Score); c != 0 {
				return c
			}
			return cmp.Compare(a.Passage.ID, b.Passage.ID)
		})
	}
	if limit > 0 && len(order) > limit {
		order = order[:limit]
	}
	out := make([]PassageHit, len(order))
	for i, h := range order {
		out[i] = *h
	}
	return out
}

// NewestHits wraps the passages a search with neither vector nor text
// returns (its newest matches) as hits of score 0.
func NewestHits(ps []*letta.Passage) []PassageHit {
	hits := make([]PassageHit, len(ps))
	for i, p := range ps {
		hits[i] = PassageHit{Passage: p}
	}
	return hits
}

// HitIDs returns the passage ids of hits, in order.
func HitIDs(hits []PassageHit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.Passage.ID
	}
	return ids
}

// FillHits sets each hit's passage (id set) to the one of ps with its id,
// in place. ErrNotFound when one is missing from ps (deleted during the
// search).
func FillHits(hits []PassageHit, ps []*letta.Passage) error {
	byID := make(map[string]*letta.Passage, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	for i := range hits {
		p, ok := byID[hits[i].Passage.ID]
		if !ok {
			return fmt.Errorf("passage %s vanished during the search: %w", hits[i].Passage.ID, ErrNotFound)
		}
		hits[i].Passage = p
	}
	return nil
}

// maxTextQueryTerms bounds the words of a full-text query.
const maxTextQueryTerms = 32

// TextQueryTerms splits a full-text query into its distinct lower-cased
// words (letters and digits only, so they are safe in either engine's query
// syntax), at most 32. Both backends OR them.
func TextQueryTerms(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	out := make([]string, 0, len(words))
	for _, w := range words {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
		if len(out) == maxTextQueryTerms {
			break
		}
	}
	return out
}
