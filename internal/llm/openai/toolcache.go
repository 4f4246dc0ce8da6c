package openai

import (
	"sync"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/letta-server/letta-server/internal/letta"
)

// Bounds of the tool cache: distinct tools (name and description), and
// schemas kept per tool (an agent with heartbeats and one without offer
// the same base tool with two schemas).
const (
	maxCachedTools    = 1024
	maxSchemasPerTool = 4
)

// encodedTools keeps the JSON of the tools offered to the model. Every step
// of every agent sends the same few tools, and escaping their long
// descriptions was most of the cost of encoding a request.
var encodedTools = toolCache{byKey: map[toolKey][]*cachedTool{}}

// toolCache finds a tool's JSON by its type, name, description and
// strictness, and uses it only when its parameters equal the tool's: a
// changed schema is encoded anew, never answered from the cache.
type toolCache struct {
	mu    sync.Mutex
	byKey map[toolKey][]*cachedTool
}

type toolKey struct {
	typ, name, description string
	strict                 bool
}

// cachedTool is immutable once stored: params is a copy of the schema.
type cachedTool struct {
	params any
	json   []byte
}

func keyOf(t goopenai.Tool) toolKey {
	f := t.Function
	return toolKey{typ: string(t.Type), name: f.Name, description: f.Description, strict: f.Strict}
}

// lookup returns the JSON of t, or nil.
func (c *toolCache) lookup(t goopenai.Tool) []byte {
	c.mu.Lock()
	entries := c.byKey[keyOf(t)]
	c.mu.Unlock()
	for _, e := range entries {
		if letta.EqualJSON(e.params, t.Function.Parameters) {
			return e.json
		}
	}
	return nil
}

// store keeps the JSON of t (a copy of it and of its parameters), dropping
// the oldest schema of the tool, or every tool, when full.
func (c *toolCache) store(t goopenai.Tool, encoded []byte) {
	params, ok := copyJSON(t.Function.Parameters)
	if !ok {
		return // a value copyJSON cannot copy: never found, not kept
	}
	e := &cachedTool{params: params, json: append([]byte(nil), encoded...)}
	k := keyOf(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	entries := c.byKey[k]
	if entries == nil && len(c.byKey) >= maxCachedTools {
		clear(c.byKey)
	}
	if len(entries) >= maxSchemasPerTool {
		entries = entries[1:]
	}
	c.byKey[k] = append(entries[:len(entries):len(entries)], e)
}

// copyJSON deep-copies a decoded-JSON value (or []string); ok is false
// for any other type.
func copyJSON(v any) (any, bool) {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return x, true
	case map[string]any:
		if x == nil {
			return x, true
		}
		out := make(map[string]any, len(x))
		for k, item := range x {
			c, ok := copyJSON(item)
			if !ok {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	case []any:
		if x == nil {
			return x, true
		}
		out := make([]any, len(x))
		for i, item := range x {
			c, ok := copyJSON(item)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	case []string:
		if x == nil {
			return x, true
		}
		return append([]string{}, x...), true
	}
	return nil, false
}
