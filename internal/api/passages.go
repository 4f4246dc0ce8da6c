package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/memory"
	"github.com/letta-server/letta-server/internal/store"
)

// defaultPassageListLimit is the page size of GET .../archival-memory
// (Letta's default in the 1.x era).
const defaultPassageListLimit = 100

// writePassages writes a bare array of passages.
func writePassages(w http.ResponseWriter, ps []*letta.Passage) error {
	for _, p := range ps {
		p.Normalize()
	}
	if ps == nil {
		ps = []*letta.Passage{}
	}
	return writeJSON(w, http.StatusOK, ps)
}

// listPassages answers GET /v1/agents/{agent_id}/archival-memory: search
// (substring), before/after/limit (100), ascending (true) or order.
func (s *server) listPassages(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	q := newQuery(r.URL.Query())
	p := store.ListPassagesParams{AgentID: a.ID, Search: q.str("search"), Page: q.page(defaultPassageListLimit, true)}
	if err := q.err(); err != nil {
		return err
	}
	ps, err := s.cfg.Store.ListPassages(r.Context(), p)
	if err != nil {
		return notFound(err, "Passage", p.Page.After+p.Page.Before)
	}
	return writePassages(w, ps)
}

// createPassages answers POST /v1/agents/{agent_id}/archival-memory
// ({text, tags?, created_at?}): the text is chunked by the agent's
// embedding_chunk_size, embedded, and stored as one passage per chunk.
func (s *server) createPassages(w http.ResponseWriter, r *http.Request) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	var req createPassageRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	ps, err := memory.InsertArchival(r.Context(), s.cfg.Store, s.cfg.Models, a, memory.ArchivalInsertParams{
		Text: *req.Text, Tags: req.Tags, CreatedAt: req.CreatedAt, Chunk: true, ActorID: actor,
	})
	if err != nil {
		return embeddingHTTPError(err)
	}
	return writePassages(w, ps)
}

// searchAgentPassages answers GET /v1/agents/{agent_id}/archival-memory/search
// (0.1.211 and 1.x): query (required), tags, tag_match_mode, top_k,
// start_datetime, end_datetime → {results, count}.
func (s *server) searchAgentPassages(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	q := newQuery(r.URL.Query())
	p := memory.ArchivalSearchParams{
		Query: q.str("query"),
		Tags:  q.strs("tags", false),
		TopK:  q.integer("top_k", memory.DefaultArchivalSearchLimit, 1),
		Start: q.date("start_datetime"),
		End:   q.date("end_datetime"),
	}
	p.MatchAllTags = tagMatchAll(q, "tag_match_mode")
	if _, ok := r.URL.Query()["query"]; !ok {
		q.errs.add("Field required", "query", "query")
	}
	if err := q.err(); err != nil {
		return err
	}
	hits, err := memory.SearchArchival(r.Context(), s.cfg.Store, s.cfg.Models, a, p)
	if err != nil {
		return embeddingHTTPError(err)
	}
	results := memory.ArchivalResults(hits, letta.Deref(a.Timezone))
	return writeJSON(w, http.StatusOK, map[string]any{"results": results, "count": len(results)})
}

// tagMatchAll reads a tag_match_mode parameter (any | all).
func tagMatchAll(q *query, name string) bool {
	switch strings.ToLower(q.str(name)) {
	case "", "any":
		return false
	case "all":
		return true
	}
	q.errs.add("Input should be 'any' or 'all'", "query", name)
	return false
}

// loadAgentPassage returns the passage {memory_id} of the agent {agent_id}.
func (s *server) loadAgentPassage(r *http.Request) (*letta.Agent, *letta.Passage, error) {
	a, err := s.loadAgent(r)
	if err != nil {
		return nil, nil, err
	}
	id := chi.URLParam(r, "memory_id")
	p, err := s.cfg.Store.GetPassage(r.Context(), id)
	if err == nil && p.AgentID != a.ID {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, nil, notFound(err, "Passage", id)
	}
	return a, p, nil
}

// deletePassage answers DELETE /v1/agents/{agent_id}/archival-memory/{memory_id}.
func (s *server) deletePassage(w http.ResponseWriter, r *http.Request) error {
	_, p, err := s.loadAgentPassage(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeletePassage(r.Context(), p.ID); err != nil {
		return notFound(err, "Passage", p.ID)
	}
	return writeJSON(w, http.StatusOK, map[string]string{"message": fmt.Sprintf("Memory id=%s successfully deleted", p.ID)})
}

// updatePassage answers PATCH /v1/agents/{agent_id}/archival-memory/{memory_id}
// (Feb–Aug 2025; 0.1.80 agents.modifyPassage, 0.1.211 agents.passages.modify):
// sent fields change; a new text is embedded again. It returns the passage
// in an array, as Letta did.
func (s *server) updatePassage(w http.ResponseWriter, r *http.Request) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	var req updatePassageRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	a, p, err := s.loadAgentPassage(r)
	if err != nil {
		return err
	}
	if req.Text != nil && *req.Text != p.Text {
		p.Text = *req.Text
		vs, err := memory.Embed(r.Context(), s.cfg.Models, a.EmbeddingConfig, []string{p.Text})
		if err != nil {
			return embeddingHTTPError(err)
		}
		p.Embedding, p.EmbeddingConfig = vs[0], a.EmbeddingConfig
	}
	if req.Tags != nil {
		p.Tags = *req.Tags
	}
	if m := req.metadata(); m != nil {
		p.Metadata = m
	}
	p.LastUpdatedByID = letta.Ptr(actor)
	if err := s.cfg.Store.UpdatePassage(r.Context(), p); err != nil {
		return notFound(err, "Passage", p.ID)
	}
	return writePassages(w, []*letta.Passage{p})
}

// searchPassages answers POST /v1/passages/search (1.x passages.search):
// {query, agent_id, archive_id, tags, tag_match_mode, limit (50), start_date,
// end_date} → [{passage, score, metadata}]. With agent_id the search is the
// agent's hybrid search; without it, a full-text search over every agent's
// passages (no single embedding model applies to them all).
func (s *server) searchPassages(w http.ResponseWriter, r *http.Request) error {
	var req passageSearchRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	if req.ArchiveID != nil && *req.ArchiveID != "" {
		return errorf(http.StatusNotFound, "Archive not found: %s", *req.ArchiveID)
	}
	limit := 50
	if req.Limit != nil {
		limit = *req.Limit
	}
	ctx := r.Context()
	query := letta.Deref(req.Query)
	var hits []store.PassageHit
	var err error
	if id := letta.Deref(req.AgentID); id != "" {
		a, gerr := s.cfg.Store.GetAgent(ctx, id)
		if gerr != nil {
			return notFound(gerr, "Agent", id)
		}
		p := memory.ArchivalSearchParams{Query: query, Tags: req.Tags, MatchAllTags: req.TagMatchMode == "all",
			TopK: limit, Start: req.StartDate, End: req.EndDate}
		if strings.TrimSpace(query) == "" {
			hits, err = s.cfg.Store.SearchPassages(ctx, store.SearchPassagesParams{AgentID: a.ID, Tags: p.Tags,
				MatchAllTags: p.MatchAllTags, StartDate: p.Start, EndDate: p.End, Limit: limit})
		} else {
			hits, err = memory.SearchArchival(ctx, s.cfg.Store, s.cfg.Models, a, p)
		}
	} else {
		hits, err = s.cfg.Store.SearchPassages(ctx, store.SearchPassagesParams{Query: query, Tags: req.Tags,
			MatchAllTags: req.TagMatchMode == "all", StartDate: req.StartDate, EndDate: req.EndDate, Limit: limit})
	}
	if err != nil {
		return embeddingHTTPError(err)
	}
	type result struct {
		Passage  *letta.Passage `json:"passage"`
		Score    float64        `json:"score"`
		Metadata map[string]any `json:"metadata"`
	}
	out := make([]result, len(hits))
	for i, h := range hits {
		h.Passage.Normalize()
		meta := map[string]any{}
		if h.VectorRank > 0 {
			meta["vector_rank"] = h.VectorRank
		}
		if h.TextRank > 0 {
			meta["fts_rank"] = h.TextRank
		}
		out[i] = result{Passage: h.Passage, Score: h.Score, Metadata: meta}
	}
	return writeJSON(w, http.StatusOK, out)
}

// embeddingHTTPError answers a failed embedding with a status that says
// whose problem it is, naming the model and the cause: the agent's model is
// unknown or not enabled (400), the provider limits us (429) or timed out
// (504), or failed or answered with something unusable (502). Other errors
// pass through.
func embeddingHTTPError(err error) error {
	var e *memory.EmbeddingError
	if !errors.As(err, &e) {
		return err
	}
	status := http.StatusBadGateway
	switch {
	case errors.Is(e.Cause, llm.ErrUnknownModel):
		status = http.StatusBadRequest
	case e.Provider != nil && e.Provider.Kind == llm.ErrKindRateLimit:
		status = http.StatusTooManyRequests
	case e.Provider != nil && e.Provider.Kind == llm.ErrKindTimeout:
		status = http.StatusGatewayTimeout
	}
	detail := fmt.Sprintf("Embedding with %s failed: %v", e.Model, e.Cause)
	if e.Provider != nil {
		detail = fmt.Sprintf("Embedding with %s failed: the provider answered %s (status %d): %s",
			e.Model, e.Provider.Kind, e.Provider.StatusCode, e.Provider.Message)
	}
	return &httpError{status: status, detail: detail, noRetry: status != http.StatusTooManyRequests}
}
