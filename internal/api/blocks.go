package api

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// createBlock answers POST /v1/blocks.
func (s *server) createBlock(w http.ResponseWriter, r *http.Request) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	var req createBlockRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	var fe fieldErrors
	req.validate(&fe, "body")
	if err := fe.err(); err != nil {
		return err
	}
	if err := letta.CheckLimit(letta.Deref(req.Value), req.limit()); err != nil {
		return err
	}
	if req.ProjectID == nil {
		if pid := r.Header.Get("X-Project-Id"); pid != "" {
			req.ProjectID = &pid
		}
	}
	b := req.block(actor)
	if err := s.cfg.Store.CreateBlock(r.Context(), b); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, normalizeBlock(b))
}

// blockFilters reads the filters of GET /v1/blocks and /v1/blocks/count.
func blockFilters(q *query, page store.Page) store.ListBlocksParams {
	return store.ListBlocksParams{
		Label:         q.str("label"),
		TemplatesOnly: q.boolean("templates_only", false),
		Name:          q.str("name"),
		ProjectID:     q.str("project_id"),
		Page:          page,
	}
}

// listBlocks answers GET /v1/blocks: label, templates_only, name,
// project_id, before/after/limit (50)/order (asc).
func (s *server) listBlocks(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := blockFilters(q, q.page(50, true))
	identityID, keys := q.str("identity_id"), q.strs("identifier_keys", false)
	if err := q.err(); err != nil {
		return err
	}
	linked, filtered, err := s.identityBlockIDs(r.Context(), identityID, keys)
	if err != nil {
		return err
	}
	var blocks []*letta.Block
	page := p.Page
	if !filtered {
		blocks, err = s.cfg.Store.ListBlocks(r.Context(), p)
	} else { // identity links are few: filter the whole list, then page it
		p.Page = store.Page{Ascending: true}
		if blocks, err = s.cfg.Store.ListBlocks(r.Context(), p); err == nil {
			blocks = slices.DeleteFunc(blocks, func(b *letta.Block) bool { return !linked[b.ID] })
			blocks, err = pageOf(blocks, func(b *letta.Block) string { return b.ID }, page)
		}
	}
	if err != nil {
		return notFound(err, "Block", cmp.Or(page.After, page.Before))
	}
	out := make([]*letta.Block, 0, len(blocks))
	for _, b := range blocks {
		out = append(out, normalizeBlock(b))
	}
	return writeJSON(w, http.StatusOK, out)
}

// countBlocks answers GET /v1/blocks/count with a bare integer.
func (s *server) countBlocks(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := blockFilters(q, store.Page{})
	if err := q.err(); err != nil {
		return err
	}
	blocks, err := s.cfg.Store.ListBlocks(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, len(blocks))
}

// getBlock answers GET /v1/blocks/{block_id}.
func (s *server) getBlock(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "block_id")
	b, err := s.cfg.Store.GetBlock(r.Context(), id)
	if err != nil {
		return notFound(err, "Block", id)
	}
	return writeJSON(w, http.StatusOK, normalizeBlock(b))
}

// updateBlock answers PATCH /v1/blocks/{block_id}.
func (s *server) updateBlock(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "block_id")
	b, err := s.editBlock(w, r, func(st store.Store) (*letta.Block, error) {
		b, err := st.GetBlock(r.Context(), id)
		return b, notFound(err, "Block", id)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, normalizeBlock(b))
}

// editBlock decodes a BlockUpdate and applies it, in one transaction, to the
// block load finds. A value over the limit (or a limit lowered below the
// value) changes nothing. Agents see the edit at their next turn, when the
// engine recompiles their system prompt from the blocks.
func (s *server) editBlock(w http.ResponseWriter, r *http.Request, load func(store.Store) (*letta.Block, error)) (*letta.Block, error) {
	actor, err := actorID(r)
	if err != nil {
		return nil, err
	}
	var req updateBlockRequest
	if err := s.decode(w, r, &req); err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	var out *letta.Block
	err = s.cfg.Store.InTx(r.Context(), func(tx store.Store) error {
		b, err := load(tx)
		if err != nil {
			return err
		}
		// Locked, then read again: the edit must not undo a change
		// committed since load read it (a memory tool's, another PATCH's).
		id := b.ID
		if b, err = store.Locked(r.Context(), tx, store.BlockRow, id, tx.GetBlock); err != nil {
			return notFound(err, "Block", id)
		}
		oldLabel := b.Label
		if err := req.apply(b, actor); err != nil {
			return err
		}
		if err := tx.UpdateBlock(r.Context(), b); err != nil {
			return err
		}
		if b.Label != oldLabel {
			if err := labelsStayUnique(r.Context(), tx, b); err != nil {
				return err
			}
		}
		out, err = tx.GetBlock(r.Context(), b.ID)
		return err
	})
	return out, err
}

// labelsStayUnique refuses a rename that would give an agent the block has
// been attached to two blocks with the same label (409).
func labelsStayUnique(ctx context.Context, tx store.Store, b *letta.Block) error {
	agentIDs, err := tx.ListBlockAgentIDs(ctx, b.ID)
	if err != nil {
		return err
	}
	for _, id := range agentIDs {
		a, err := tx.GetAgent(ctx, id)
		if err != nil {
			return err
		}
		if label, dup := letta.DuplicateLabel(a.Blocks); dup {
			return errorf(http.StatusConflict, "Agent %s already has a block labelled %s", id, label)
		}
	}
	return nil
}

// deleteBlock answers DELETE /v1/blocks/{block_id} with the deleted block.
func (s *server) deleteBlock(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "block_id")
	var deleted *letta.Block
	err := s.cfg.Store.InTx(r.Context(), func(tx store.Store) error {
		b, err := tx.GetBlock(r.Context(), id)
		if err != nil {
			return err
		}
		deleted = b
		return tx.DeleteBlock(r.Context(), id)
	})
	if err != nil {
		return notFound(err, "Block", id)
	}
	return writeJSON(w, http.StatusOK, normalizeBlock(deleted))
}

// listBlockAgents answers GET /v1/blocks/{block_id}/agents: the agents the
// block is attached to, by creation, before/after/limit (50)/order (desc).
func (s *server) listBlockAgents(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := q.page(50, false)
	if err := q.err(); err != nil {
		return err
	}
	id := chi.URLParam(r, "block_id")
	ctx := r.Context()
	if _, err := s.cfg.Store.GetBlock(ctx, id); err != nil {
		return notFound(err, "Block", id)
	}
	ids, err := s.cfg.Store.ListBlockAgentIDs(ctx, id)
	if err != nil {
		return err
	}
	agents := make([]*letta.Agent, 0, len(ids))
	for _, aid := range ids {
		a, err := s.cfg.Store.GetAgent(ctx, aid)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		agents = append(agents, a)
	}
	agentID := func(a *letta.Agent) string { return a.ID }
	sortByCreated(agents, agentID, func(a *letta.Agent) time.Time { return a.CreatedAt })
	agents, err = pageOf(agents, agentID, p)
	if err != nil {
		return err
	}
	return writeAgents(w, agents)
}

// listAgentBlocks answers GET /v1/agents/{agent_id}/core-memory/blocks: the
// agent's blocks in attachment order (order=desc reverses it), all of them
// unless a limit is given; before/after page through them.
func (s *server) listAgentBlocks(w http.ResponseWriter, r *http.Request) error {
	return listAttached(s, w, r, func(a *letta.Agent) []letta.Block { return a.Blocks },
		func(b letta.Block) string { return b.ID }, normalizeBlock)
}

// agentBlockByLabel finds the agent's block with the {block_label}.
func agentBlockByLabel(a *letta.Agent, label string) (*letta.Block, error) {
	for i := range a.Blocks {
		if a.Blocks[i].Label == label {
			return &a.Blocks[i], nil
		}
	}
	return nil, errorf(http.StatusNotFound, "Block with label %s not found for agent %s", label, a.ID)
}

// labelParam is the {block_label} of the path, decoded: chi matches on the
// escaped path, so a label such as "a/b" arrives as "a%2Fb".
func labelParam(r *http.Request) string {
	raw := chi.URLParam(r, "block_label")
	if r.URL.RawPath == "" { // chi matched the decoded path
		return raw
	}
	if label, err := url.PathUnescape(raw); err == nil {
		return label
	}
	return raw
}

// getAgentBlock answers GET /v1/agents/{agent_id}/core-memory/blocks/{block_label}.
func (s *server) getAgentBlock(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	b, err := agentBlockByLabel(a, labelParam(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, normalizeBlock(b))
}

// updateAgentBlock answers PATCH /v1/agents/{agent_id}/core-memory/blocks/{block_label}.
func (s *server) updateAgentBlock(w http.ResponseWriter, r *http.Request) error {
	id, label := chi.URLParam(r, "agent_id"), labelParam(r)
	b, err := s.editBlock(w, r, func(st store.Store) (*letta.Block, error) {
		a, err := st.GetAgent(r.Context(), id)
		if err != nil {
			return nil, notFound(err, "Agent", id)
		}
		b, err := agentBlockByLabel(a, label)
		if err != nil {
			return nil, err
		}
		blockID := b.ID
		b, err = st.GetBlock(r.Context(), blockID)
		return b, notFound(err, "Block", blockID)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, normalizeBlock(b))
}

// attachBlock answers PATCH .../core-memory/blocks/attach/{block_id} with the agent.
func (s *server) attachBlock(w http.ResponseWriter, r *http.Request) error {
	return s.linkBlock(w, r, true)
}

// detachBlock answers PATCH .../core-memory/blocks/detach/{block_id} with the agent.
func (s *server) detachBlock(w http.ResponseWriter, r *http.Request) error {
	return s.linkBlock(w, r, false)
}

func (s *server) linkBlock(w http.ResponseWriter, r *http.Request, attach bool) error {
	ctx := r.Context()
	blockID := chi.URLParam(r, "block_id")
	return s.relinkAgent(w, r, func(tx store.Store, agentID string) error {
		b, err := tx.GetBlock(ctx, blockID)
		if err != nil {
			return notFound(err, "Block", blockID)
		}
		if !attach {
			return tx.DetachBlock(ctx, agentID, blockID)
		}
		err = tx.AttachBlock(ctx, agentID, blockID)
		if errors.Is(err, store.ErrConflict) {
			return &httpError{status: http.StatusConflict, noRetry: true,
				detail: "Agent " + agentID + " already has a block with label " + b.Label}
		}
		return err
	})
}
