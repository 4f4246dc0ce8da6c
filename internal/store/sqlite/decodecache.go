package sqlite

import (
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Bounds of the decode caches of agents and blocks (messages have their
// own cache, messageCache).
const (
	maxCachedAgents = 1024
	maxCachedBlocks = 4096
)

func newAgentCache() *store.DecodeCache[letta.Agent] {
	return store.NewDecodeCache(maxCachedAgents, (*letta.Agent).Clone)
}

func newBlockCache() *store.DecodeCache[letta.Block] {
	return store.NewDecodeCache(maxCachedBlocks, (*letta.Block).Clone)
}
