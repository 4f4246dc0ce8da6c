package api

import (
	"cmp"
	"slices"
	"time"

	"github.com/letta-server/letta-server/internal/store"
)

// pageOf applies a store.Page to items already in memory and in their
// ascending order (an agent's blocks or tools in attachment order): reverse
// them for a descending page, cut at the exclusive before/after cursors, then
// limit. An unknown cursor is store.ErrNotFound, as in the store. Because the
// order is the same on every call, the 1.x SDK's after=<last id> walk ends.
func pageOf[T any](items []T, id func(T) string, p store.Page) ([]T, error) {
	sorted := slices.Clone(items)
	if !p.Ascending {
		slices.Reverse(sorted)
	}
	index := func(cursor string) int {
		return slices.IndexFunc(sorted, func(t T) bool { return id(t) == cursor })
	}
	lo, hi := 0, len(sorted)
	if p.After != "" {
		i := index(p.After)
		if i < 0 {
			return nil, store.ErrNotFound
		}
		lo = i + 1
	}
	if p.Before != "" {
		i := index(p.Before)
		if i < 0 {
			return nil, store.ErrNotFound
		}
		hi = i
	}
	if lo >= hi {
		return []T{}, nil
	}
	out := sorted[lo:hi]
	if p.Limit > 0 && len(out) > p.Limit {
		out = out[:p.Limit]
	}
	return out, nil
}

// sortByCreated orders items by (created, id), oldest first.
func sortByCreated[T any](items []T, id func(T) string, created func(T) time.Time) {
	slices.SortStableFunc(items, func(a, b T) int {
		if c := created(a).Compare(created(b)); c != 0 {
			return c
		}
		return cmp.Compare(id(a), id(b))
	})
}
