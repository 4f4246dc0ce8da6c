package postgres

import (
	"bytes"
	"sync"

	"github.com/letta-server/letta-server/internal/letta"
)

// Bounds of the decode caches; a full cache starts over.
const (
	maxCachedAgents   = 1024
	maxCachedBlocks   = 4096
	maxCachedMessages = 20_000
)

// decodeCache keeps records decoded from their data column, by id: every
// turn loads its agent, blocks and in-context messages, a list of agents a
// page of agents and blocks, and decoding their JSON was most of the
// store's own time in listing agents and 14% of a turn's CPU.
// An entry is used only while the stored data is byte for byte the same,
// and every caller gets its own deep copy.
type decodeCache[T any] struct {
	mu    sync.Mutex
	max   int
	clone func(*T) T
	byID  map[string]decoded[T]
}

type decoded[T any] struct {
	data []byte
	v    *T
}

// The caches a Store keeps.
type (
	agentCache   = decodeCache[letta.Agent]
	blockCache   = decodeCache[letta.Block]
	messageCache = decodeCache[letta.Message]
)

func newAgentCache() *agentCache {
	return &agentCache{max: maxCachedAgents, clone: (*letta.Agent).Clone, byID: map[string]decoded[letta.Agent]{}}
}

func newMessageCache() *messageCache {
	return &messageCache{max: maxCachedMessages, clone: (*letta.Message).Clone, byID: map[string]decoded[letta.Message]{}}
}

func newBlockCache() *blockCache {
	return &blockCache{max: maxCachedBlocks, clone: (*letta.Block).Clone, byID: map[string]decoded[letta.Block]{}}
}

// decode returns the record data encodes, from the cache when unchanged.
// data may be reused by the driver once decode returns.
func (c *decodeCache[T]) decode(id string, data []byte) (*T, error) {
	c.mu.Lock()
	e, ok := c.byID[id]
	c.mu.Unlock()
	if ok && bytes.Equal(e.data, data) {
		v := c.clone(e.v)
		return &v, nil
	}
	var v T
	if err := decodeData(data, &v); err != nil {
		return nil, err
	}
	kept := c.clone(&v)
	c.mu.Lock()
	if len(c.byID) >= c.max {
		clear(c.byID)
	}
	c.byID[id] = decoded[T]{data: bytes.Clone(data), v: &kept}
	c.mu.Unlock()
	return &v, nil
}
