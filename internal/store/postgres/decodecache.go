package postgres

import (
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Bounds of the decode caches.
const (
	maxCachedAgents   = 1024
	maxCachedBlocks   = 4096
	maxCachedMessages = 20_000
)

func newAgentCache() *store.DecodeCache[letta.Agent] {
	return store.NewDecodeCache(maxCachedAgents, (*letta.Agent).Clone)
}

func newBlockCache() *store.DecodeCache[letta.Block] {
	return store.NewDecodeCache(maxCachedBlocks, (*letta.Block).Clone)
}

func newMessageCache() *store.DecodeCache[letta.Message] {
	return store.NewDecodeCache(maxCachedMessages, (*letta.Message).Clone)
}
