package sqlite

import (
	"sync"

	"github.com/letta-server/letta-server/internal/letta"
)

// Bounds of the decoded-message cache; past either, it evicts an eighth of
// its entries (in map order, which is as good as random here).
const (
	maxCachedMessages     = 50_000
	maxCachedMessageBytes = 64 << 20
	// cachedMessageOverhead is added to a message's JSON length to
	// approximate its decoded size.
	cachedMessageOverhead = 256
)

// messageCache keeps messages decoded from their stored JSON, by id: every
// turn reads all of its agent's in-context messages, and decoding them was
// about a tenth of the server's CPU. Entries are never modified; callers get
// deep copies.
//
// Messages change only through this Store, since one process owns the file.
// Every statement that updates or deletes messages is bracketed by
// beginWrite and endWrite (the latter once its transaction has ended). In
// between, the written messages are dirty: dropped from the cache and
// refused by put, so reads go to the database, which shows each reader
// what it may see. A reader that read rows from before a write and stores
// them after it would bring the old rows back: every begin and end bumps
// epoch, and put keeps only what was read entirely within one epoch.
// Reads inside a transaction never put (a message it created may roll
// back).
type messageCache struct {
	mu          sync.Mutex
	byID        map[string]cachedMessage
	bytes       int
	epoch       uint64
	dirtyIDs    map[string]int // message id -> writes not yet ended
	dirtyAgents map[string]int // agent id -> writes of all its messages not yet ended
}

type cachedMessage struct {
	msg  *letta.Message
	size int
}

// messageWrite names the messages a statement changes: the message ID, or
// every message of AgentID.
type messageWrite struct {
	ID      string
	AgentID string
}

func newMessageCache() *messageCache {
	return &messageCache{byID: map[string]cachedMessage{}, dirtyIDs: map[string]int{}, dirtyAgents: map[string]int{}}
}

// get returns a copy of the cached message, if it is cached. A dirty
// message never is: beginWrite dropped it and put refuses it.
func (c *messageCache) get(id string) (*letta.Message, bool) {
	c.mu.Lock()
	e, ok := c.byID[id]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	m := e.msg.Clone()
	return &m, true
}

// currentEpoch is read before reading rows meant for put.
func (c *messageCache) currentEpoch() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put caches a copy of m, decoded from size bytes of JSON read after
// currentEpoch returned epoch, unless a write began or ended since.
func (c *messageCache) put(epoch uint64, m *letta.Message, size int) {
	kept := m.Clone()
	size += cachedMessageOverhead
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch || c.dirty(m.ID, m.AgentID) {
		return
	}
	if old, ok := c.byID[m.ID]; ok {
		c.bytes -= old.size
	}
	c.byID[m.ID] = cachedMessage{msg: &kept, size: size}
	c.bytes += size
	if len(c.byID) > maxCachedMessages || c.bytes > maxCachedMessageBytes {
		c.evict()
	}
}

// evict drops entries until the cache is at 7/8 of its bounds. c.mu is held.
func (c *messageCache) evict() {
	for id, e := range c.byID {
		if len(c.byID) <= maxCachedMessages*7/8 && c.bytes <= maxCachedMessageBytes*7/8 {
			return
		}
		delete(c.byID, id)
		c.bytes -= e.size
	}
}

// dirty reports whether a write of the message is under way. c.mu is held.
func (c *messageCache) dirty(id, agentID string) bool {
	return c.dirtyIDs[id] > 0 || c.dirtyAgents[agentID] > 0
}

// beginWrite marks w's messages dirty and drops them, before the statement
// that changes them runs.
func (c *messageCache) beginWrite(w messageWrite) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.ID != "" {
		c.dirtyIDs[w.ID]++
	} else {
		c.dirtyAgents[w.AgentID]++
	}
	c.drop(w)
}

// endWrite ends beginWrite once the statement's transaction has committed
// or rolled back.
func (c *messageCache) endWrite(w messageWrite) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.ID != "" {
		decrement(c.dirtyIDs, w.ID)
	} else {
		decrement(c.dirtyAgents, w.AgentID)
	}
	c.drop(w)
}

func decrement(m map[string]int, k string) {
	if m[k] <= 1 {
		delete(m, k)
		return
	}
	m[k]--
}

// drop removes w's messages and starts a new epoch. c.mu is held.
func (c *messageCache) drop(w messageWrite) {
	c.epoch++
	if w.ID != "" {
		c.remove(w.ID)
		return
	}
	for id, e := range c.byID {
		if e.msg.AgentID == w.AgentID {
			c.remove(id)
		}
	}
}

func (c *messageCache) remove(id string) {
	if e, ok := c.byID[id]; ok {
		delete(c.byID, id)
		c.bytes -= e.size
	}
}

// txMessageWrites collects a transaction's message writes, to end them when
// it ends.
type txMessageWrites struct {
	mu     sync.Mutex
	writes []messageWrite
}

func (w *txMessageWrites) add(mw messageWrite) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, mw)
}

// end ends the transaction's writes in c.
func (w *txMessageWrites) end(c *messageCache) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, mw := range w.writes {
		c.endWrite(mw)
	}
	w.writes = nil
}

// writeMessages runs write, a statement changing w's messages, bracketed
// for the cache: inside a transaction the write ends when the transaction
// does (InTx).
func (s *Store) writeMessages(w messageWrite, write func() error) error {
	s.msgCache.beginWrite(w)
	if s.txWrites != nil {
		s.txWrites.add(w)
		return write()
	}
	defer s.msgCache.endWrite(w)
	return write()
}
