package api

import (
	"context"

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
