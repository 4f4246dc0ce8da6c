package sqlite

import (
	"context"
	"database/sql"
	"math"
	"runtime"
	"sync"
	"weak"

	"github.com/letta-server/letta-server/internal/store"
)

// vectorCacheBytes bounds the vectors one database keeps in memory.
const vectorCacheBytes = 512 << 20

// vectorCaches holds each open database's cache, keyed weakly by its
// writer *sql.DB (shared by a Store and the Stores of its transactions),
// and dropped when that is collected.
var vectorCaches sync.Map // weak.Pointer[sql.DB] → *vectorCache

// cacheFor returns the cache of the store's database.
func (s *Store) cacheFor() *vectorCache {
	key := weak.Make(s.db)
	if c, ok := vectorCaches.Load(key); ok {
		return c.(*vectorCache)
	}
	c, loaded := vectorCaches.LoadOrStore(key, &vectorCache{entries: map[cacheKey]*cacheEntry{}, gens: map[string]uint64{}})
	if !loaded {
		runtime.AddCleanup(s.db, func(k weak.Pointer[sql.DB]) { vectorCaches.Delete(k) }, key)
	}
	return c.(*vectorCache)
}

// vectorCache keeps agents' normalized vectors in memory so an unfiltered
// vector search of an agent is a scan of a float32 slice instead of a
// query returning every row (docs/benchmarks.md, "Archival search"). An
// entry is valid while SQLite's data_version (which changes when another
// connection or process commits) is what it was at load and this process
// has not written the agent's passages since (its generation).
type vectorCache struct {
	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
	gens    map[string]uint64 // per agent, bumped by every passage write
	bytes   int
	clock   uint64
}

type cacheKey struct {
	agentID string
	dim     int
}

type cacheEntry struct {
	ids         []string
	vecs        []float32 // len(ids)*dim, each row normalized (zero rows stay zero)
	dataVersion int64
	gen         uint64
	used        uint64
}

// invalidate drops the agent's entries; call it on every passage write.
func (c *vectorCache) invalidate(agentID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gens[agentID]++
	for k, e := range c.entries {
		if k.agentID == agentID {
			c.bytes -= 4 * len(e.vecs)
			delete(c.entries, k)
		}
	}
}

// get returns a valid entry, or nil.
func (c *vectorCache) get(k cacheKey, dataVersion int64) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[k]
	if e == nil || e.dataVersion != dataVersion || e.gen != c.gens[k.agentID] {
		return nil
	}
	c.clock++
	e.used = c.clock
	return e
}

// generation returns the agent's write generation, read before a load.
func (c *vectorCache) generation(agentID string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gens[agentID]
}

// put stores e unless the agent was written since gen, evicting the least
// recently used entries to stay under vectorCacheBytes.
func (c *vectorCache) put(k cacheKey, e *cacheEntry) {
	size := 4 * len(e.vecs)
	if size > vectorCacheBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.gen != c.gens[k.agentID] {
		return
	}
	if old := c.entries[k]; old != nil {
		c.bytes -= 4 * len(old.vecs)
	}
	for c.bytes+size > vectorCacheBytes && len(c.entries) > 0 {
		var lru cacheKey
		var oldest uint64 = math.MaxUint64
		for key, x := range c.entries {
			if x.used < oldest {
				lru, oldest = key, x.used
			}
		}
		c.bytes -= 4 * len(c.entries[lru].vecs)
		delete(c.entries, lru)
	}
	c.clock++
	e.used = c.clock
	c.entries[k] = e
	c.bytes += size
}

// cachedVectorCandidates answers an unfiltered vector search of one agent
// from the cache, loading the agent's vectors on a miss. ok is false when
// the search cannot use the cache (filters, or a miss in a transaction).
func (s *Store) cachedVectorCandidates(ctx context.Context, p store.SearchPassagesParams, n int) (out []store.RankedID, ok bool, err error) {
	if p.AgentID == "" || len(p.Tags) > 0 || p.StartDate != nil || p.EndDate != nil {
		return nil, false, nil
	}
	dim := len(p.Embedding)
	c := s.cacheFor()
	k := cacheKey{p.AgentID, dim}
	// data_version is per connection: ask the one writer connection, whose
	// value changes when any other connection or process commits.
	var version int64
	if err := s.q.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&version); err != nil {
		return nil, false, interpretError(err)
	}
	e := c.get(k, version)
	if e == nil && s.inTx {
		// A transaction may hold uncommitted writes: it uses a valid entry
		// (its own writes to the agent would have invalidated it) but never
		// loads one.
		return nil, false, nil
	}
	if e == nil {
		if e, err = s.loadVectors(ctx, c, k, version); err != nil {
			return nil, false, err
		}
	}
	q := make([]float32, dim)
	var qn float64
	for _, x := range p.Embedding {
		qn += float64(x) * float64(x)
	}
	if qn > 0 {
		for i, x := range p.Embedding {
			q[i] = float32(float64(x) / math.Sqrt(qn))
		}
	}
	top := newTopK(n)
	for i, id := range e.ids {
		top.offer(id, float64(dot32(q, e.vecs[i*dim:(i+1)*dim])))
	}
	return top.sorted(), true, nil
}

// loadVectors reads the agent's vectors of one dimension into a new entry.
func (s *Store) loadVectors(ctx context.Context, c *vectorCache, k cacheKey, version int64) (*cacheEntry, error) {
	e := &cacheEntry{dataVersion: version, gen: c.generation(k.agentID)}
	rows, err := s.r.QueryContext(ctx, `SELECT id, embedding FROM passages WHERE agent_id = ? AND embedding_dim = ?`, k.agentID, k.dim)
	if err != nil {
		return nil, interpretError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   string
			blob sql.RawBytes
		)
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, interpretError(err)
		}
		v := decodeVector(blob)
		if len(v) != k.dim {
			continue
		}
		var norm float64
		for _, x := range v {
			norm += float64(x) * float64(x)
		}
		if norm > 0 {
			inv := 1 / math.Sqrt(norm)
			for i := range v {
				v[i] = float32(float64(v[i]) * inv)
			}
		}
		e.ids = append(e.ids, id)
		e.vecs = append(e.vecs, v...)
	}
	if err := rows.Err(); err != nil {
		return nil, interpretError(err)
	}
	c.put(k, e)
	return e, nil
}

// dot32 is the dot product of two equal-length vectors.
func dot32(a, b []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
