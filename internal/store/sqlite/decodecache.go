package sqlite

import (
	"encoding/json"
	"sync"

	"github.com/letta-server/letta-server/internal/letta"
)

// Bounds of the decode caches; a full cache starts over.
const (
	maxCachedAgents = 1024
	maxCachedBlocks = 4096
)

// decodeCache keeps records decoded from their data column, by id: every
// turn loads its agent and blocks, a list of agents a page of both, and
// decoding their JSON was most of the store's own time in listing agents.
// An entry is used only while the stored data is byte for byte the same,
// and every caller gets its own deep copy.
type decodeCache[T any] struct {
	mu    sync.Mutex
	max   int
	clone func(*T) T
	byID  map[string]decoded[T]
}

type decoded[T any] struct {
	data string
	v    *T
}

// The caches a Store keeps.
type (
	agentCache = decodeCache[letta.Agent]
	blockCache = decodeCache[letta.Block]
)

func newAgentCache() *agentCache {
	return &agentCache{max: maxCachedAgents, clone: (*letta.Agent).Clone, byID: map[string]decoded[letta.Agent]{}}
}

func newBlockCache() *blockCache {
	return &blockCache{max: maxCachedBlocks, clone: (*letta.Block).Clone, byID: map[string]decoded[letta.Block]{}}
}

// decode returns the record data encodes, from the cache when unchanged.
func (c *decodeCache[T]) decode(id, data string) (*T, error) {
	c.mu.Lock()
	e, ok := c.byID[id]
	c.mu.Unlock()
	if ok && e.data == data {
		v := c.clone(e.v)
		return &v, nil
	}
	var v T
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return nil, err
	}
	kept := c.clone(&v)
	c.mu.Lock()
	if len(c.byID) >= c.max {
		clear(c.byID)
	}
	c.byID[id] = decoded[T]{data: data, v: &kept}
	c.mu.Unlock()
	return &v, nil
}
