package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// writeIdentity writes one Identity.
func writeIdentity(w http.ResponseWriter, i *letta.Identity) error {
	i.Normalize()
	return writeJSON(w, http.StatusOK, i)
}

// identityFilters reads the filters of GET /v1/identities and its count.
func identityFilters(q *query, page store.Page) store.ListIdentitiesParams {
	p := store.ListIdentitiesParams{
		Name:          q.str("name"),
		ProjectID:     q.str("project_id"),
		IdentifierKey: q.str("identifier_key"),
		IdentityType:  letta.IdentityType(q.str("identity_type")),
		Page:          page,
	}
	if p.IdentityType != "" && !p.IdentityType.Known() {
		q.errs.add("Input should be 'org', 'user' or 'other'", "query", "identity_type")
	}
	return p
}

// listIdentities answers GET /v1/identities: name (substring), project_id,
// identifier_key, identity_type, before/after/limit (50)/order (desc).
func (s *server) listIdentities(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := identityFilters(q, q.page(50, false))
	if err := q.err(); err != nil {
		return err
	}
	list, err := s.cfg.Store.ListIdentities(r.Context(), p)
	if err != nil {
		return err
	}
	for _, i := range list {
		i.Normalize()
	}
	return writeJSON(w, http.StatusOK, list)
}

// countIdentities answers GET /v1/identities/count with a bare integer.
func (s *server) countIdentities(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	p := identityFilters(q, store.Page{})
	if err := q.err(); err != nil {
		return err
	}
	list, err := s.cfg.Store.ListIdentities(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, len(list))
}

// getIdentity answers GET /v1/identities/{identity_id}.
func (s *server) getIdentity(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "identity_id")
	i, err := s.cfg.Store.GetIdentity(r.Context(), id)
	if err != nil {
		return notFound(err, "Identity", id)
	}
	return writeIdentity(w, i)
}

// createIdentity answers POST /v1/identities. The linked agents and blocks
// must exist (404); a taken identifier key in the project is 409.
func (s *server) createIdentity(w http.ResponseWriter, r *http.Request) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	var req identityCreateRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	var out *letta.Identity
	err = s.cfg.Store.InTx(r.Context(), func(tx store.Store) error {
		var err error
		out, err = insertIdentity(r.Context(), tx, req.identity(actor))
		return err
	})
	if err != nil {
		return err
	}
	return writeIdentity(w, out)
}

// insertIdentity checks i's links and creates it; a taken key is Letta's 409.
func insertIdentity(ctx context.Context, tx store.Store, i *letta.Identity) (*letta.Identity, error) {
	if err := checkLinks(ctx, tx, i.AgentIDs, i.BlockIDs); err != nil {
		return nil, err
	}
	out, err := tx.CreateIdentity(ctx, i)
	if errors.Is(err, store.ErrConflict) {
		return nil, identityKeyTaken(*i)
	}
	return out, err
}

// identityKeyTaken is the 409 for a second identity with i's key in i's
// project.
func identityKeyTaken(i letta.Identity) error {
	if i.ProjectID != nil {
		return errorf(http.StatusConflict, "An identity with identifier key %s already exists for project %s", i.IdentifierKey, *i.ProjectID)
	}
	return errorf(http.StatusConflict, "An identity with identifier key %s already exists", i.IdentifierKey)
}

// checkLinks answers 404 naming the first agent or block that does not exist.
func checkLinks(ctx context.Context, tx store.Store, agentIDs, blockIDs []string) error {
	for _, id := range agentIDs {
		if _, err := tx.GetAgent(ctx, id); err != nil {
			return notFound(err, "Agent", id)
		}
	}
	for _, id := range blockIDs {
		if _, err := tx.GetBlock(ctx, id); err != nil {
			return notFound(err, "Block", id)
		}
	}
	return nil
}

// saveIdentity updates i, turning a taken key into a 409.
func saveIdentity(ctx context.Context, tx store.Store, i *letta.Identity) (*letta.Identity, error) {
	out, err := tx.UpdateIdentity(ctx, i)
	if errors.Is(err, store.ErrConflict) {
		return nil, errorf(http.StatusConflict, "An identity with identifier key %s already exists", i.IdentifierKey)
	}
	return out, notFound(err, "Identity", i.ID)
}

// upsertIdentity answers PUT /v1/identities: the identity with this
// identifier key in this project is created, or else overwritten: name,
// type and properties replaced, and agent links replaced when agent_ids is
// sent. As in Letta, block_ids apply only when the identity is created.
func (s *server) upsertIdentity(w http.ResponseWriter, r *http.Request) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	var req identityCreateRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	ctx := r.Context()
	var out *letta.Identity
	upsert := func(tx store.Store) error {
		existing, err := tx.GetIdentityByKey(ctx, *req.IdentifierKey, req.ProjectID)
		if errors.Is(err, store.ErrNotFound) {
			i := req.identity(actor)
			if err := checkLinks(ctx, tx, i.AgentIDs, i.BlockIDs); err != nil {
				return err
			}
			// store.ErrConflict stays as it is: the upsert is retried.
			out, err = tx.CreateIdentity(ctx, i)
			return err
		}
		if err != nil {
			return err
		}
		if existing, err = store.Locked(ctx, tx, store.IdentityRow, existing.ID, tx.GetIdentity); err != nil {
			return err
		}
		existing.Name = *req.Name
		existing.IdentityType = letta.IdentityType(*req.IdentityType)
		if req.Properties != nil {
			existing.Properties = properties(req.Properties)
		}
		if req.AgentIDs != nil {
			if err := checkLinks(ctx, tx, req.AgentIDs, nil); err != nil {
				return err
			}
			existing.AgentIDs = req.AgentIDs
		}
		existing.LastUpdatedByID = &actor
		out, err = saveIdentity(ctx, tx, existing)
		return err
	}
	err = s.cfg.Store.InTx(ctx, upsert)
	if errors.Is(err, store.ErrConflict) {
		// Another upsert of the same key inserted it first (Postgres runs
		// transactions concurrently): it exists now, so update it.
		err = s.cfg.Store.InTx(ctx, upsert)
	}
	if errors.Is(err, store.ErrConflict) {
		return identityKeyTaken(*req.identity(actor))
	}
	if err != nil {
		return err
	}
	return writeIdentity(w, out)
}

// updateIdentity answers PATCH /v1/identities/{identity_id}: sent scalars
// replace, properties are merged in by key, agent_ids and block_ids are
// added to the existing links.
func (s *server) updateIdentity(w http.ResponseWriter, r *http.Request) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	var req identityUpdateRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	out, err := s.editIdentity(r.Context(), chi.URLParam(r, "identity_id"), actor, func(tx store.Store, i *letta.Identity) error {
		if err := checkLinks(r.Context(), tx, req.AgentIDs, req.BlockIDs); err != nil {
			return err
		}
		if req.IdentifierKey != nil {
			i.IdentifierKey = *req.IdentifierKey
		}
		if req.Name != nil {
			i.Name = *req.Name
		}
		if req.IdentityType != nil {
			i.IdentityType = letta.IdentityType(*req.IdentityType)
		}
		if req.Properties != nil {
			i.Properties = letta.MergeProperties(i.Properties, properties(req.Properties))
		}
		i.AgentIDs = appendNew(i.AgentIDs, req.AgentIDs...)
		i.BlockIDs = appendNew(i.BlockIDs, req.BlockIDs...)
		return nil
	})
	if err != nil {
		return err
	}
	return writeIdentity(w, out)
}

// editIdentity loads the identity, applies edit and saves it as actor, in
// one transaction.
func (s *server) editIdentity(ctx context.Context, id, actor string, edit func(tx store.Store, i *letta.Identity) error) (*letta.Identity, error) {
	var out *letta.Identity
	err := s.cfg.Store.InTx(ctx, func(tx store.Store) error {
		i, err := store.Locked(ctx, tx, store.IdentityRow, id, tx.GetIdentity)
		if err != nil {
			return notFound(err, "Identity", id)
		}
		if err := edit(tx, i); err != nil {
			return err
		}
		i.LastUpdatedByID = &actor
		out, err = saveIdentity(ctx, tx, i)
		return err
	})
	return out, err
}

// appendNew appends the ids not yet in list.
func appendNew(list []string, ids ...string) []string {
	for _, id := range ids {
		if !slices.Contains(list, id) {
			list = append(list, id)
		}
	}
	return list
}

// upsertIdentityProperties answers PUT /v1/identities/{identity_id}/properties:
// the body, a bare array of properties, replaces them all.
func (s *server) upsertIdentityProperties(w http.ResponseWriter, r *http.Request) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	var req []identityPropertyRequest
	if err := s.decode(w, r, &req); err != nil {
		var fe fieldErrors
		if errors.As(err, &fe) {
			return fieldErrors{{Loc: []any{"body"}, Msg: "Input should be a valid list", Type: "list_type"}}
		}
		return err
	}
	var fe fieldErrors
	validateProperties(&fe, req, "body")
	if err := fe.err(); err != nil {
		return err
	}
	out, err := s.editIdentity(r.Context(), chi.URLParam(r, "identity_id"), actor, func(_ store.Store, i *letta.Identity) error {
		i.Properties = properties(req)
		if i.Properties == nil {
			i.Properties = []letta.IdentityProperty{}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeIdentity(w, out)
}

// deleteIdentity answers DELETE /v1/identities/{identity_id} with JSON
// null. Linked agents and blocks stay; only the links go.
func (s *server) deleteIdentity(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "identity_id")
	if err := s.cfg.Store.DeleteIdentity(r.Context(), id); err != nil {
		return notFound(err, "Identity", id)
	}
	return writeJSON(w, http.StatusOK, nil)
}

// listIdentityAgents answers GET /v1/identities/{identity_id}/agents:
// before/after/limit (50)/order (desc).
func (s *server) listIdentityAgents(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "identity_id")
	q := newQuery(r.URL.Query())
	page := q.page(50, false)
	if err := q.err(); err != nil {
		return err
	}
	if _, err := s.cfg.Store.GetIdentity(r.Context(), id); err != nil {
		return notFound(err, "Identity", id)
	}
	agents, err := s.cfg.Store.ListAgents(r.Context(), store.ListAgentsParams{IdentityID: id, Page: page})
	if err != nil {
		return err
	}
	return writeAgents(w, agents)
}

// listIdentityBlocks answers GET /v1/identities/{identity_id}/blocks:
// before/after/limit (50)/order (desc), in creation order.
func (s *server) listIdentityBlocks(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "identity_id")
	q := newQuery(r.URL.Query())
	page := q.page(50, false)
	if err := q.err(); err != nil {
		return err
	}
	i, err := s.cfg.Store.GetIdentity(r.Context(), id)
	if err != nil {
		return notFound(err, "Identity", id)
	}
	blocks := make([]*letta.Block, 0, len(i.BlockIDs))
	for _, bid := range i.BlockIDs {
		b, err := s.cfg.Store.GetBlock(r.Context(), bid)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since the identity was read
		}
		if err != nil {
			return err
		}
		blocks = append(blocks, normalizeBlock(b))
	}
	blockID := func(b *letta.Block) string { return b.ID }
	sortByCreated(blocks, blockID, func(b *letta.Block) time.Time { return b.CreatedAt })
	out, err := pageOf(blocks, blockID, page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// attachIdentityToAgent answers PATCH
// /v1/agents/{agent_id}/identities/attach/{identity_id} with JSON null, as
// Letta does (the 1.x SDK types the result as unknown).
func (s *server) attachIdentityToAgent(w http.ResponseWriter, r *http.Request) error {
	return s.linkIdentityAgent(w, r, true)
}

// detachIdentityFromAgent answers PATCH
// /v1/agents/{agent_id}/identities/detach/{identity_id} with JSON null.
func (s *server) detachIdentityFromAgent(w http.ResponseWriter, r *http.Request) error {
	return s.linkIdentityAgent(w, r, false)
}

func (s *server) linkIdentityAgent(w http.ResponseWriter, r *http.Request, attach bool) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	agentID := chi.URLParam(r, "agent_id")
	err = s.relinkIdentity(r, actor, attach, agentID, func(i *letta.Identity) *[]string { return &i.AgentIDs },
		[]string{agentID}, nil)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, nil)
}

// attachIdentityToBlock answers PATCH
// /v1/blocks/{block_id}/identities/attach/{identity_id} with the block.
func (s *server) attachIdentityToBlock(w http.ResponseWriter, r *http.Request) error {
	return s.linkIdentityBlock(w, r, true)
}

// detachIdentityFromBlock answers PATCH
// /v1/blocks/{block_id}/identities/detach/{identity_id} with the block.
func (s *server) detachIdentityFromBlock(w http.ResponseWriter, r *http.Request) error {
	return s.linkIdentityBlock(w, r, false)
}

func (s *server) linkIdentityBlock(w http.ResponseWriter, r *http.Request, attach bool) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	blockID := chi.URLParam(r, "block_id")
	if _, err := s.cfg.Store.GetBlock(r.Context(), blockID); err != nil {
		return notFound(err, "Block", blockID)
	}
	err = s.relinkIdentity(r, actor, attach, blockID, func(i *letta.Identity) *[]string { return &i.BlockIDs },
		nil, []string{blockID})
	if err != nil {
		return err
	}
	b, err := s.cfg.Store.GetBlock(r.Context(), blockID)
	if err != nil {
		return notFound(err, "Block", blockID)
	}
	return writeJSON(w, http.StatusOK, normalizeBlock(b))
}

// relinkIdentity adds id to (attach) or removes it from the list links
// picks out of the {identity_id} identity, edited by actor, after checking
// in the same transaction that agentIDs and blockIDs exist.
func (s *server) relinkIdentity(r *http.Request, actor string, attach bool, id string, links func(*letta.Identity) *[]string, agentIDs, blockIDs []string) error {
	_, err := s.editIdentity(r.Context(), chi.URLParam(r, "identity_id"), actor, func(tx store.Store, i *letta.Identity) error {
		if err := checkLinks(r.Context(), tx, agentIDs, blockIDs); err != nil {
			return err
		}
		list := links(i)
		if attach {
			*list = appendNew(*list, id)
		} else {
			*list = slices.DeleteFunc(*list, func(linked string) bool { return linked == id })
		}
		return nil
	})
	return err
}
