package sqlite

import (
	"cmp"
	"container/heap"
	"encoding/binary"
	"math"
	"slices"

	"github.com/letta-server/letta-server/internal/store"
)

// encodeVector stores v as little-endian float32s; nil stays NULL.
func encodeVector(v []float32) []byte {
	if v == nil {
		return nil
	}
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// decodeVector reads what encodeVector wrote; NULL is nil.
func decodeVector(b []byte) []float32 {
	if b == nil {
		return nil
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// cosineQuery computes cosine similarities against one query vector
// straight from stored blobs, without decoding them into slices.
type cosineQuery struct {
	q     []float64
	qNorm float64
}

func newCosineQuery(v []float32) cosineQuery {
	q := make([]float64, len(v))
	var norm float64
	for i, x := range v {
		q[i] = float64(x)
		norm += q[i] * q[i]
	}
	return cosineQuery{q: q, qNorm: math.Sqrt(norm)}
}

// similarity is 1 - cosine distance, as pgvector's <=> defines it. A zero
// vector on either side, or a blob of another size, gives 0.
func (c cosineQuery) similarity(blob []byte) float64 {
	if len(blob) != 4*len(c.q) || c.qNorm == 0 {
		return 0
	}
	var dot, norm float64
	for i, q := range c.q {
		x := float64(math.Float32frombits(binary.LittleEndian.Uint32(blob[4*i:])))
		dot += q * x
		norm += x * x
	}
	if norm == 0 {
		return 0
	}
	return dot / (c.qNorm * math.Sqrt(norm))
}

// topK keeps the k best candidates seen (higher score, then smaller id).
type topK struct {
	k int
	h candidateHeap
}

func newTopK(k int) *topK { return &topK{k: k} }

// better reports whether a ranks before b.
func better(a, b store.RankedID) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.ID < b.ID
}

func (t *topK) offer(id string, score float64) {
	c := store.RankedID{ID: id, Score: score}
	if len(t.h) < t.k {
		heap.Push(&t.h, c)
		return
	}
	if better(c, t.h[0]) {
		t.h[0] = c
		heap.Fix(&t.h, 0)
	}
}

// sorted returns the kept candidates, best first.
func (t *topK) sorted() []store.RankedID {
	out := slices.Clone([]store.RankedID(t.h))
	slices.SortFunc(out, func(a, b store.RankedID) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// candidateHeap is a min-heap by rank: the worst kept candidate on top.
type candidateHeap []store.RankedID

func (h candidateHeap) Len() int           { return len(h) }
func (h candidateHeap) Less(i, j int) bool { return better(h[j], h[i]) }
func (h candidateHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candidateHeap) Push(x any)        { *h = append(*h, x.(store.RankedID)) }
func (h *candidateHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
