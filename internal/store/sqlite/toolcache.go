package sqlite

import (
	"sync"

	"github.com/letta-server/letta-server/internal/letta"
)

// maxCachedTools bounds the decoded-tool cache; it starts over when full.
const maxCachedTools = 4096

// toolCache keeps tools decoded from their stored JSON, by id, for loading
// agents' relations: every turn loads its agent's tools, and decoding their
// JSON schemas was a tenth of the server's CPU. An entry is used only while
// the stored columns are byte for byte the same, and every caller gets its
// own deep copy.
type toolCache struct {
	mu   sync.Mutex
	byID map[string]cachedTool
}

type cachedTool struct {
	name, data       string
	created, updated int64
	tool             *letta.Tool
}

func newToolCache() *toolCache { return &toolCache{byID: map[string]cachedTool{}} }

// decode returns the tool the columns describe, from the cache when they
// are unchanged.
func (c *toolCache) decode(id, name string, created, updated int64, data string) (*letta.Tool, error) {
	c.mu.Lock()
	e, ok := c.byID[id]
	c.mu.Unlock()
	if ok && e.name == name && e.data == data && e.created == created && e.updated == updated {
		x := e.tool.Clone()
		return &x, nil
	}
	x, err := decodeTool(id, name, created, updated, data)
	if err != nil {
		return nil, err
	}
	kept := x.Clone()
	c.mu.Lock()
	if len(c.byID) >= maxCachedTools {
		clear(c.byID)
	}
	c.byID[id] = cachedTool{name: name, data: data, created: created, updated: updated, tool: &kept}
	c.mu.Unlock()
	return x, nil
}

// scan reads a tool row (the columns scanTool reads) through the cache.
func (c *toolCache) scan(row interface{ Scan(...any) error }) (*letta.Tool, error) {
	var (
		id, name, data       string
		createdAt, updatedAt int64
	)
	if err := row.Scan(&id, &name, &createdAt, &updatedAt, &data); err != nil {
		return nil, err
	}
	return c.decode(id, name, createdAt, updatedAt, data)
}
