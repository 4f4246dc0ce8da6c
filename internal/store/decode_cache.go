package store

import (
	"encoding/json"
	"sync"
)

// DecodeCache keeps records decoded from their stored JSON, by id: every
// turn loads its agent, its blocks and its in-context messages, and a page
// of agents their agents and blocks, and decoding that JSON was most of a
// store's own time there. An entry is used only while the stored bytes are
// the same, so it is right whoever wrote the row (another replica too);
// every caller gets its own deep copy. A full cache starts over.
type DecodeCache[T any] struct {
	mu    sync.Mutex
	max   int
	clone func(*T) T
	byID  map[string]decodedRecord[T]
}

type decodedRecord[T any] struct {
	data string
	v    *T
}

// NewDecodeCache returns a cache of at most max records, copied with clone.
func NewDecodeCache[T any](max int, clone func(*T) T) *DecodeCache[T] {
	return &DecodeCache[T]{max: max, clone: clone, byID: map[string]decodedRecord[T]{}}
}

// Decode returns the record data encodes, from the cache when the record
// id was decoded from the same bytes before. data may be reused by the
// caller once Decode returns.
func (c *DecodeCache[T]) Decode(id string, data []byte) (*T, error) {
	c.mu.Lock()
	e, ok := c.byID[id]
	c.mu.Unlock()
	if ok && e.data == string(data) {
		v := c.clone(e.v)
		return &v, nil
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	kept := c.clone(&v)
	c.mu.Lock()
	if len(c.byID) >= c.max {
		clear(c.byID)
	}
	c.byID[id] = decodedRecord[T]{data: string(data), v: &kept}
	c.mu.Unlock()
	return &v, nil
}
