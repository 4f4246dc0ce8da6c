package postgres

import (
	"bytes"
	"sync"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// maxCachedTools bounds the decoded-tool cache; it starts over when full.
const maxCachedTools = 4096

// toolCache keeps tools decoded from their stored JSON, by id, for loading
// agents' relations: every turn loads its agent's tools, and decoding their
// JSON schemas was a sixth of the server's CPU. An entry is used only while
// the stored columns are byte for byte the same, and every caller gets its
// own deep copy.
type toolCache struct {
	mu   sync.Mutex
	byID map[string]cachedTool
}

type cachedTool struct {
	name             string
	data             []byte
	created, updated time.Time
	tool             *letta.Tool
}

func newToolCache() *toolCache { return &toolCache{byID: map[string]cachedTool{}} }

// scanTool reads toolColumns through the cache, once per call of loadLinks
// (decoded): the agents of a page share the value, which readers do not
// modify.
func (c *toolCache) scanTool(row scanner, decoded map[string]*letta.Tool) (*letta.Tool, error) {
	var (
		id, name string
		created  time.Time
		updated  time.Time
		data     []byte
	)
	if err := row.Scan(&id, &name, &created, &updated, &data); err != nil {
		return nil, interpretError(err)
	}
	if t, ok := decoded[id]; ok {
		return t, nil
	}
	c.mu.Lock()
	e, ok := c.byID[id]
	c.mu.Unlock()
	if ok && e.name == name && e.created.Equal(created) && e.updated.Equal(updated) && bytes.Equal(e.data, data) {
		t := e.tool.Clone()
		decoded[id] = &t
		return &t, nil
	}
	t, err := decodeTool(&letta.Tool{}, id, name, created, updated, data)
	if err != nil {
		return nil, err
	}
	kept := t.Clone()
	c.mu.Lock()
	if len(c.byID) >= maxCachedTools {
		clear(c.byID)
	}
	c.byID[id] = cachedTool{name: name, data: bytes.Clone(data), created: created, updated: updated, tool: &kept}
	c.mu.Unlock()
	decoded[id] = t
	return t, nil
}
