package api

import (
	"context"
	"slices"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// identityBlockIDs returns the ids of the blocks linked to the identity
// identityID or to the identities with the given identifier keys, and
// whether such a filter was asked for at all.
func (s *server) identityBlockIDs(ctx context.Context, identityID string, keys []string) (map[string]bool, bool, error) {
	if identityID == "" && len(keys) == 0 {
		return nil, false, nil
	}
	ids := map[string]bool{}
	if identityID != "" {
		i, err := s.cfg.Store.GetIdentity(ctx, identityID)
		if err != nil {
			return nil, true, notFound(err, "Identity", identityID)
		}
		for _, b := range i.BlockIDs {
			ids[b] = true
		}
	}
	for _, key := range keys {
		found, err := s.cfg.Store.ListIdentities(ctx, store.ListIdentitiesParams{IdentifierKey: key})
		if err != nil {
			return nil, true, err
		}
		for _, i := range found {
			for _, b := range i.BlockIDs {
				ids[b] = true
			}
		}
	}
	return ids, true, nil
}

// pageBlocks applies a Page to blocks already in its order, the way the
// store does: After/Before are ids of the list (ErrNotFound when absent).
func pageBlocks(blocks []*letta.Block, p store.Page) ([]*letta.Block, error) {
	index := func(id string) (int, error) {
		i := slices.IndexFunc(blocks, func(b *letta.Block) bool { return b.ID == id })
		if i < 0 {
			return 0, store.ErrNotFound
		}
		return i, nil
	}
	lo, hi := 0, len(blocks)
	if p.After != "" {
		i, err := index(p.After)
		if err != nil {
			return nil, err
		}
		lo = i + 1
	}
	if p.Before != "" {
		i, err := index(p.Before)
		if err != nil {
			return nil, err
		}
		hi = i
	}
	if lo >= hi {
		return []*letta.Block{}, nil
	}
	out := blocks[lo:hi]
	if p.Limit > 0 && len(out) > p.Limit {
		out = out[:p.Limit]
	}
	return out, nil
}
