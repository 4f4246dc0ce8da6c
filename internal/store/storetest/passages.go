package storetest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// testDim is the embedding dimension of the contract corpus.
const testDim = 64

// embed is the suite's deterministic embedding: a normalized bag of words,
// each word a pseudo-random vector seeded by its hash, so texts that share
// words are close.
func embed(text string, dim int) []float32 {
	sum := make([]float64, dim)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	}) {
		h := sha256.Sum256([]byte(w))
		for i := range sum {
			if i%8 == 0 && i > 0 {
				h = sha256.Sum256(h[:])
			}
			sum[i] += float64(binary.LittleEndian.Uint32(h[(i%8)*4:]))/math.MaxUint32*2 - 1
		}
	}
	var norm float64
	for _, x := range sum {
		norm += x * x
	}
	v := make([]float32, dim)
	for i, x := range sum {
		v[i] = float32(x / math.Sqrt(norm))
	}
	return v
}

// corpus is the 20-passage contract corpus. Exactly one passage mentions a
// locker or 4471, and exactly two mention running.
var corpus = []string{
	"The user's favorite color is deep ocean blue.",
	"The user has a golden retriever named Biscuit.",
	"The user works as a nurse at the city hospital.",
	"The user's locker number at the gym is 4471.",
	"The user is allergic to peanuts and shellfish.",
	"The user grew up in a small town near Lyon.",
	"The user plays the cello in a community orchestra.",
	"The user runs five kilometres every Sunday morning.",
	"The user's sister lives in Toronto with two cats.",
	"The user prefers green tea over coffee.",
	"The user is learning Japanese for a trip next spring.",
	"The user drives an old blue bicycle to work.",
	"The user's birthday is on the third of March.",
	"The user enjoys running trails in the mountains.",
	"The user reads science fiction novels before bed.",
	"The user is saving money to buy a sailboat.",
	"The user dislikes loud restaurants and crowded bars.",
	"The user volunteers at an animal shelter on weekends.",
	"The user's favorite food is mushroom risotto.",
	"The user keeps a vegetable garden with tomatoes and basil.",
}

func newPassage(c *clock, agentID, text string, emb []float32, tags ...string) *letta.Passage {
	now := c.now()
	return &letta.Passage{
		ID:              letta.NewID(letta.PrefixPassage),
		AgentID:         agentID,
		Text:            text,
		Embedding:       emb,
		EmbeddingConfig: &letta.EmbeddingConfig{EmbeddingEndpointType: "openai", EmbeddingModel: "test", EmbeddingDim: len(emb)},
		Metadata:        map[string]any{"source": "storetest"},
		Tags:            tags,
		CreatedAt:       now,
		UpdatedAt:       now,
	}
}

func passageID(p *letta.Passage) string { return p.ID }

func hitIDs(hits []store.PassageHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Passage.ID
	}
	return out
}

func testPassages(t *testing.T, newStore newStoreFunc) {
	t.Run("CRUD", func(t *testing.T) { testPassageCRUD(t, newStore) })
	t.Run("List", func(t *testing.T) { testPassageList(t, newStore) })
	t.Run("Search", func(t *testing.T) { testPassageSearch(t, newStore) })
	t.Run("Filters", func(t *testing.T) { testPassageFilters(t, newStore) })
	t.Run("LargeAgent", func(t *testing.T) { testPassageLargeAgent(t, newStore) })
}

func testPassageCRUD(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	a := plainAgent(ctx, t, s, c, "archivist")

	ps := []*letta.Passage{
		newPassage(c, a.ID, "first fact", embed("first fact", testDim), "x"),
		newPassage(c, a.ID, "second fact", embed("second", testDim)),
		newPassage(c, a.ID, "text only, no embedding", nil, "x", "y"),
	}
	must(t, "CreatePassages", s.CreatePassages(ctx, ps))

	for _, want := range ps {
		got, err := s.GetPassage(ctx, want.ID)
		must(t, "GetPassage", err)
		want.Normalize()
		if diff := gocmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("GetPassage %s mismatch (-want +got):\n%s", want.ID, diff)
		}
	}
	if got, _ := s.GetPassage(ctx, ps[2].ID); got.Embedding != nil || got.Tags == nil {
		t.Errorf("text-only passage: embedding %v tags %v, want nil and non-nil", got.Embedding, got.Tags)
	}
	n, err := s.CountPassages(ctx, a.ID)
	must(t, "CountPassages", err)
	if n != 3 {
		t.Errorf("CountPassages = %d, want 3", n)
	}

	// Update: text, tags and embedding change; the FTS index follows.
	up := ps[0]
	up.Text, up.Tags, up.Embedding = "renamed fact about zebras", []string{"z"}, embed("zebras", testDim)
	must(t, "UpdatePassage", s.UpdatePassage(ctx, up))
	got, err := s.GetPassage(ctx, up.ID)
	must(t, "GetPassage after update", err)
	if diff := gocmp.Diff(up, got, cmpOpts); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}
	hits, err := s.SearchPassages(ctx, store.SearchPassagesParams{AgentID: a.ID, Query: "zebras"})
	must(t, "search updated text", err)
	if diff := gocmp.Diff([]string{up.ID}, hitIDs(hits)); diff != "" {
		t.Errorf("text search after update (-want +got):\n%s", diff)
	}
	hits, err = s.SearchPassages(ctx, store.SearchPassagesParams{AgentID: a.ID, Query: "first"})
	must(t, "search old text", err)
	if len(hits) != 0 {
		t.Errorf("old text still found: %v", hitIDs(hits))
	}

	must(t, "DeletePassage", s.DeletePassage(ctx, ps[1].ID))
	_, err = s.GetPassage(ctx, ps[1].ID)
	wantErr(t, "GetPassage deleted", err, store.ErrNotFound)
	wantErr(t, "DeletePassage again", s.DeletePassage(ctx, ps[1].ID), store.ErrNotFound)
	wantErr(t, "UpdatePassage missing", s.UpdatePassage(ctx, ps[1]), store.ErrNotFound)

	// A batch with an unknown agent or a taken id changes nothing.
	orphan := newPassage(c, letta.NewID(letta.PrefixAgent), "orphan", nil)
	wantErr(t, "CreatePassages unknown agent", s.CreatePassages(ctx, []*letta.Passage{newPassage(c, a.ID, "ok", nil), orphan}), store.ErrNotFound)
	wantErr(t, "CreatePassages taken id", s.CreatePassages(ctx, []*letta.Passage{ps[0]}), store.ErrConflict)
	if n, _ := s.CountPassages(ctx, a.ID); n != 2 {
		t.Errorf("after failed batches CountPassages = %d, want 2", n)
	}

	// Deleting the agent deletes its passages (and their text index rows).
	must(t, "DeleteAgent", s.DeleteAgent(ctx, a.ID))
	_, err = s.GetPassage(ctx, ps[0].ID)
	wantErr(t, "GetPassage of deleted agent", err, store.ErrNotFound)
	hits, err = s.SearchPassages(ctx, store.SearchPassagesParams{Query: "zebras"})
	must(t, "search after agent delete", err)
	if len(hits) != 0 {
		t.Errorf("passages of a deleted agent still found: %v", hitIDs(hits))
	}
}

func testPassageList(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	a := plainAgent(ctx, t, s, c, "lister")
	other := plainAgent(ctx, t, s, c, "other")
	var asc []string
	for i, text := range []string{"Alpha one", "beta TWO", "gamma three", "delta two", "epsilon five"} {
		p := newPassage(c, a.ID, text, embed(text, testDim))
		must(t, "CreatePassages", s.CreatePassages(ctx, []*letta.Passage{p}))
		asc = append(asc, p.ID)
		if i == 0 {
			must(t, "CreatePassages other", s.CreatePassages(ctx, []*letta.Passage{newPassage(c, other.ID, "alpha elsewhere", nil)}))
		}
	}
	checkPaging(t, asc, func(p store.Page) ([]string, error) {
		ps, err := s.ListPassages(ctx, store.ListPassagesParams{AgentID: a.ID, Page: p})
		return ids(ps, passageID), err
	})
	ps, err := s.ListPassages(ctx, store.ListPassagesParams{AgentID: a.ID, Search: "TWO", Page: store.Page{Ascending: true}})
	must(t, "ListPassages search", err)
	if diff := gocmp.Diff([]string{asc[1], asc[3]}, ids(ps, passageID)); diff != "" {
		t.Errorf("search=TWO (-want +got):\n%s", diff)
	}
	ps, err = s.ListPassages(ctx, store.ListPassagesParams{AgentID: letta.NewID(letta.PrefixAgent)})
	must(t, "ListPassages unknown agent", err)
	if ps == nil || len(ps) != 0 {
		t.Errorf("unknown agent: got %v, want []", ps)
	}
}

// seedCorpus stores the corpus for a new agent (tags: even/odd index, and
// "pets" on two passages) and returns the agent and passages in order.
func seedCorpus(ctx context.Context, t *testing.T, s store.Store, c *clock) (*letta.Agent, []*letta.Passage) {
	t.Helper()
	a := plainAgent(ctx, t, s, c, "corpus")
	ps := make([]*letta.Passage, len(corpus))
	for i, text := range corpus {
		tags := []string{"odd"}
		if i%2 == 0 {
			tags = []string{"even"}
		}
		if i == 1 || i == 8 {
			tags = append(tags, "pets")
		}
		ps[i] = newPassage(c, a.ID, text, embed(text, testDim), tags...)
	}
	must(t, "CreatePassages corpus", s.CreatePassages(ctx, ps))
	return a, ps
}

// exactOrder ranks ps by cosine similarity to q (ties by id), as every
// store must.
func exactOrder(ps []*letta.Passage, q []float32) []string {
	type scored struct {
		id  string
		sim float64
	}
	var all []scored
	for _, p := range ps {
		var dot, n1, n2 float64
		for i := range q {
			dot += float64(q[i]) * float64(p.Embedding[i])
			n1 += float64(q[i]) * float64(q[i])
			n2 += float64(p.Embedding[i]) * float64(p.Embedding[i])
		}
		all = append(all, scored{p.ID, dot / math.Sqrt(n1*n2)})
	}
	slices.SortFunc(all, func(a, b scored) int {
		if c := cmp.Compare(b.sim, a.sim); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	out := make([]string, len(all))
	for i, s := range all {
		out[i] = s.id
	}
	return out
}

func testPassageSearch(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	a, ps := seedCorpus(ctx, t, s, c)

	for _, query := range []string{"what is the user's favorite color", "pets and animals the user has", "where does the user work"} {
		q := embed(query, testDim)
		hits, err := s.SearchPassages(ctx, store.SearchPassagesParams{AgentID: a.ID, Embedding: q, Limit: 3})
		must(t, "vector search", err)
		if diff := gocmp.Diff(exactOrder(ps, q)[:3], hitIDs(hits)); diff != "" {
			t.Errorf("vector search %q top 3 (-want +got):\n%s", query, diff)
		}
		for i, h := range hits {
			if h.VectorRank != i+1 || h.TextRank != 0 || h.Score <= -1 || h.Score > 1.0001 {
				t.Errorf("hit %d: ranks %d/%d score %v", i, h.VectorRank, h.TextRank, h.Score)
			}
			if h.Passage.Text == "" || len(h.Passage.Embedding) != testDim {
				t.Errorf("hit %d not filled: %+v", i, h.Passage)
			}
		}
	}

	// Hybrid: the embedding knows nothing of lockers, full text finds the
	// number; RRF puts it first and the rest keep their vector order.
	q := embed("weather forecast for the weekend", testDim)
	vectorOnly := exactOrder(ps, q)
	locker := ps[3].ID
	want := []string{locker}
	for _, id := range vectorOnly {
		if id != locker && len(want) < 3 {
			want = append(want, id)
		}
	}
	hits, err := s.SearchPassages(ctx, store.SearchPassagesParams{AgentID: a.ID, Embedding: q, Query: "locker 4471?", Limit: 3})
	must(t, "hybrid search", err)
	if diff := gocmp.Diff(want, hitIDs(hits)); diff != "" {
		t.Errorf("hybrid top 3 (-want +got):\n%s", diff)
	}
	if hits[0].TextRank != 1 || hits[0].VectorRank == 0 {
		t.Errorf("hybrid first hit ranks: vector %d text %d", hits[0].VectorRank, hits[0].TextRank)
	}
	if wantScore := 1/float64(store.RRFK+1) + 1/float64(store.RRFK+hits[0].VectorRank); math.Abs(hits[0].Score-wantScore) > 1e-12 {
		t.Errorf("hybrid score = %v, want %v", hits[0].Score, wantScore)
	}

	// Text alone: English stemming in both engines (running ~ runs).
	hits, err = s.SearchPassages(ctx, store.SearchPassagesParams{AgentID: a.ID, Query: "Running"})
	must(t, "text search", err)
	got := hitIDs(hits)
	slices.Sort(got)
	want = []string{ps[7].ID, ps[13].ID}
	slices.Sort(want)
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("text search running (-want +got):\n%s", diff)
	}

	// Neither: the newest passages.
	hits, err = s.SearchPassages(ctx, store.SearchPassagesParams{AgentID: a.ID, Limit: 2})
	must(t, "empty search", err)
	if diff := gocmp.Diff([]string{ps[19].ID, ps[18].ID}, hitIDs(hits)); diff != "" {
		t.Errorf("empty search (-want +got):\n%s", diff)
	}
}

func testPassageFilters(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	a, ps := seedCorpus(ctx, t, s, c)
	q := embed("the user's pets", testDim)
	search := func(p store.SearchPassagesParams) []string {
		t.Helper()
		p.Embedding, p.Limit = q, 20
		hits, err := s.SearchPassages(ctx, p)
		must(t, "SearchPassages", err)
		got := hitIDs(hits)
		slices.Sort(got)
		return got
	}
	idsWhere := func(keep func(i int) bool) []string {
		var out []string
		for i, p := range ps {
			if keep(i) {
				out = append(out, p.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	cases := []struct {
		name string
		p    store.SearchPassagesParams
		want []string
	}{
		{"all", store.SearchPassagesParams{AgentID: a.ID}, idsWhere(func(int) bool { return true })},
		{"tags any", store.SearchPassagesParams{AgentID: a.ID, Tags: []string{"pets", "nope"}}, idsWhere(func(i int) bool { return i == 1 || i == 8 })},
		{"tags all", store.SearchPassagesParams{AgentID: a.ID, Tags: []string{"pets", "odd"}, MatchAllTags: true}, idsWhere(func(i int) bool { return i == 1 })},
		{"tags all, none", store.SearchPassagesParams{AgentID: a.ID, Tags: []string{"pets", "nope"}, MatchAllTags: true}, nil},
		{"dates", store.SearchPassagesParams{AgentID: a.ID, StartDate: &ps[5].CreatedAt, EndDate: &ps[9].CreatedAt}, idsWhere(func(i int) bool { return i >= 5 && i <= 9 })},
		{"other agent", store.SearchPassagesParams{AgentID: letta.NewID(letta.PrefixAgent)}, nil},
	}
	for _, tc := range cases {
		if diff := gocmp.Diff(tc.want, search(tc.p), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}

	// Another agent with another dimension, and one without embeddings,
	// share the table: each search sees only vectors of its dimension.
	b := plainAgent(ctx, t, s, c, "small-dims")
	small := newPassage(c, b.ID, "The user's favorite color is deep ocean blue.", embed("favorite color blue", 32))
	plain := newPassage(c, b.ID, "The user's locker code is 9911.", nil)
	must(t, "CreatePassages 32 dims", s.CreatePassages(ctx, []*letta.Passage{small, plain}))
	hits, err := s.SearchPassages(ctx, store.SearchPassagesParams{Embedding: embed("favorite color", 32), Limit: 5})
	must(t, "cross-agent 32-dim search", err)
	if diff := gocmp.Diff([]string{small.ID}, hitIDs(hits)); diff != "" {
		t.Errorf("32-dim search across agents (-want +got):\n%s", diff)
	}
	hits, err = s.SearchPassages(ctx, store.SearchPassagesParams{Embedding: embed("favorite color", testDim), Limit: 3})
	must(t, "cross-agent 64-dim search", err)
	if len(hits) != 3 || hits[0].Passage.AgentID != a.ID {
		t.Errorf("64-dim search across agents: %v", hitIDs(hits))
	}
	hits, err = s.SearchPassages(ctx, store.SearchPassagesParams{AgentID: b.ID, Embedding: embed("locker", 32), Query: "locker code"})
	must(t, "hybrid with a text-only passage", err)
	if got := hitIDs(hits); len(got) != 2 || !slices.Contains(got, plain.ID) {
		t.Errorf("hybrid with a text-only passage: %v, want 2 hits with %s", got, plain.ID)
	}
}

// largeAgentPassages is more than any backend scans exactly (Postgres
// indexes an agent past 10,000 vectors of a dimension).
const largeAgentPassages = 10_050

// testPassageLargeAgent checks the indexed path: a vector search of an
// agent past the exact-scan size still finds the nearest passages, and
// filters still apply.
func testPassageLargeAgent(t *testing.T, newStore newStoreFunc) {
	t.Parallel()
	ctx, s := setup(t, newStore)
	c := newClock()
	a := plainAgent(ctx, t, s, c, "large")
	const dim = 16
	vec := func(i int) []float32 {
		return embed(fmt.Sprintf("word%d word%d", i%97, i%89), dim)
	}
	all := make([]*letta.Passage, 0, largeAgentPassages)
	for start := 0; start < largeAgentPassages; start += 1000 {
		batch := make([]*letta.Passage, 0, 1000)
		for i := start; i < min(start+1000, largeAgentPassages); i++ {
			tag := "even"
			if i%2 == 1 {
				tag = "odd"
			}
			batch = append(batch, newPassage(c, a.ID, fmt.Sprintf("passage %d", i), vec(i), tag))
		}
		must(t, "CreatePassages", s.CreatePassages(ctx, batch))
		all = append(all, batch...)
	}
	q := embed("word5 word7", dim)
	want := exactOrder(all, q)[:5]
	hits, err := s.SearchPassages(ctx, store.SearchPassagesParams{AgentID: a.ID, Embedding: q, Limit: 5})
	must(t, "large agent search", err)
	got := hitIDs(hits)
	found := 0
	for _, id := range want {
		if slices.Contains(got, id) {
			found++
		}
	}
	if len(got) != 5 || found < 4 {
		t.Errorf("large agent top 5: found %d of the exact top 5 (got %v, want %v)", found, got, want)
	}
	hits, err = s.SearchPassages(ctx, store.SearchPassagesParams{AgentID: a.ID, Embedding: q, Tags: []string{"odd"}, Limit: 20})
	must(t, "large agent filtered search", err)
	if len(hits) != 20 {
		t.Errorf("filtered search: %d hits, want 20", len(hits))
	}
	for _, h := range hits {
		if !slices.Contains(h.Passage.Tags, "odd") {
			t.Errorf("filtered search returned %s with tags %v", h.Passage.ID, h.Passage.Tags)
		}
	}
}
