package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// newArchivalAgent stores an agent with the given embedding config (nil: none).
func (e *env) newArchivalAgent(cfg *letta.EmbeddingConfig) *letta.Agent {
	e.t.Helper()
	a := e.newAgent("archivist", nil)
	a.EmbeddingConfig = cfg
	a, err := e.store.UpdateAgent(e.t.Context(), a)
	if err != nil {
		e.t.Fatalf("set embedding config: %v", err)
	}
	return a
}

func smallEmbedding(dim int) *letta.EmbeddingConfig {
	return &letta.EmbeddingConfig{
		EmbeddingEndpointType: "openai", EmbeddingModel: "text-embedding-3-small", EmbeddingDim: dim,
		EmbeddingChunkSize: letta.Ptr(300), Handle: letta.Ptr("openai/text-embedding-3-small"), BatchSize: 32,
	}
}

func TestPassagesLifecycle(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newArchivalAgent(smallEmbedding(1536))
	base := "/v1/agents/" + a.ID + "/archival-memory"

	var created []letta.Passage
	e.ok("POST", base, map[string]any{"text": "The user's locker code is 4471.", "tags": []string{"gym"}}, &created)
	if len(created) != 1 || created[0].Text != "The user's locker code is 4471." || len(created[0].Embedding) != 1536 ||
		created[0].EmbeddingConfig == nil || strings.Join(created[0].Tags, ",") != "gym" || !strings.HasPrefix(created[0].ID, "passage-") {
		t.Fatalf("created = %+v", created)
	}
	e.ok("POST", base+"/", map[string]any{"text": "The user likes green tea.", "created_at": "2024-01-02T03:04:05"}, &created)
	if got := created[0].CreatedAt.Format("2006-01-02T15:04:05"); got != "2024-01-02T03:04:05" {
		t.Errorf("created_at = %s", got)
	}

	r := e.do("GET", base+"?ascending=true", nil)
	r.expect(t, http.StatusOK)
	if got := ids(t, r.body); len(got) != 2 {
		t.Fatalf("list = %v", got)
	}
	r = e.do("GET", base+"?search=TEA", nil)
	r.expect(t, http.StatusOK)
	if got := ids(t, r.body); len(got) != 1 || got[0] != created[0].ID {
		t.Errorf("list search=TEA = %v", got)
	}

	var res struct {
		Results []map[string]any `json:"results"`
		Count   int              `json:"count"`
	}
	e.ok("GET", base+"/search?"+url.Values{"query": {"locker 4471"}, "top_k": {"1"}}.Encode(), nil, &res)
	if res.Count != 1 || res.Results[0]["content"] != "The user's locker code is 4471." || res.Results[0]["timestamp"] == "" {
		t.Errorf("search = %+v", res)
	}
	e.ok("GET", base+"/search?"+url.Values{"query": {"anything"}, "tags": {"nope"}}.Encode(), nil, &res)
	if res.Count != 0 || res.Results == nil {
		t.Errorf("search with an unknown tag = %+v", res)
	}

	var hits []struct {
		Passage  letta.Passage  `json:"passage"`
		Score    float64        `json:"score"`
		Metadata map[string]any `json:"metadata"`
	}
	e.ok("POST", "/v1/passages/search", map[string]any{"query": "green tea", "agent_id": a.ID, "limit": 1}, &hits)
	if len(hits) != 1 || hits[0].Passage.ID != created[0].ID || hits[0].Metadata["fts_rank"] == nil {
		t.Errorf("passages.search = %+v", hits)
	}
	e.ok("POST", "/v1/passages/search", map[string]any{"query": "green tea"}, &hits)
	if len(hits) != 1 || hits[0].Passage.ID != created[0].ID {
		t.Errorf("passages.search across agents = %+v", hits)
	}

	var updated []letta.Passage
	e.ok("PATCH", base+"/"+created[0].ID, map[string]any{"id": created[0].ID, "text": "The user likes black coffee."}, &updated)
	if len(updated) != 1 || updated[0].Text != "The user likes black coffee." || updated[0].Embedding[0] != llmtest.Embedding("The user likes black coffee.", 1536)[0] {
		t.Errorf("updated = %+v", updated)
	}

	var del map[string]string
	e.ok("DELETE", base+"/"+created[0].ID, nil, &del)
	if del["message"] != "Memory id="+created[0].ID+" successfully deleted" {
		t.Errorf("delete body = %v", del)
	}
	e.do("DELETE", base+"/"+created[0].ID, nil).expect(t, http.StatusNotFound)
	other := e.newArchivalAgent(nil)
	e.do("DELETE", "/v1/agents/"+other.ID+"/archival-memory/"+created[0].ID, nil).expect(t, http.StatusNotFound)
}

func TestPassagesErrors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newArchivalAgent(smallEmbedding(1536))
	base := "/v1/agents/" + a.ID + "/archival-memory"
	cases := []struct {
		name, method, path string
		body               any
		status             int
		detail             string
	}{
		{"no text", "POST", base, map[string]any{"tags": []string{"x"}}, 422, "text"},
		{"empty text", "POST", base, map[string]any{"text": "  "}, 422, "text"},
		{"bad created_at", "POST", base, map[string]any{"text": "x", "created_at": "yesterday"}, 422, "created_at"},
		{"unknown agent", "POST", "/v1/agents/" + letta.NewID(letta.PrefixAgent) + "/archival-memory", map[string]any{"text": "x"}, 404, "Agent not found"},
		{"search without query", "GET", base + "/search", nil, 422, "query"},
		{"bad tag mode", "GET", base + "/search?query=x&tag_match_mode=some", nil, 422, "tag_match_mode"},
		{"bad limit", "POST", "/v1/passages/search", map[string]any{"query": "x", "limit": 500}, 422, "limit"},
	}
	for _, tc := range cases {
		r := e.do(tc.method, tc.path, tc.body)
		r.expect(t, tc.status)
		if d := r.detail(t); !strings.Contains(d, tc.detail) {
			t.Errorf("%s: detail %s lacks %q", tc.name, d, tc.detail)
		}
	}
	if n, _ := e.store.CountPassages(t.Context(), a.ID); n != 0 {
		t.Errorf("%d passages after rejected requests", n)
	}
}

func TestPassagesEmbeddingFailuresAreClear(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cases := []struct {
		name   string
		cfg    *letta.EmbeddingConfig
		status int
		want   []string
	}{
		{"mis-sized", smallEmbedding(768), http.StatusBadGateway, []string{"openai/text-embedding-3-small", "1536 dimensions", "embedding_dim 768"}},
		{"provider not enabled", &letta.EmbeddingConfig{EmbeddingEndpointType: "google_vertex", EmbeddingModel: "text-embedding-005",
			EmbeddingDim: 768, Handle: letta.Ptr("google_vertex/text-embedding-005")}, http.StatusBadRequest, []string{"google_vertex/text-embedding-005"}},
	}
	for _, tc := range cases {
		a := e.newArchivalAgent(tc.cfg)
		r := e.do("POST", "/v1/agents/"+a.ID+"/archival-memory", map[string]any{"text": "a fact"})
		r.expect(t, tc.status)
		d := r.detail(t)
		for _, w := range tc.want {
			if !strings.Contains(d, w) {
				t.Errorf("%s: detail %q lacks %q", tc.name, d, w)
			}
		}
		r = e.do("GET", "/v1/agents/"+a.ID+"/archival-memory/search?query=fact", nil)
		r.expect(t, tc.status)
		if n, _ := e.store.CountPassages(t.Context(), a.ID); n != 0 {
			t.Errorf("%s: %d passages stored", tc.name, n)
		}
	}
}

func TestPassagesWithoutEmbeddingModel(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newArchivalAgent(nil)
	base := "/v1/agents/" + a.ID + "/archival-memory"
	var created []letta.Passage
	e.ok("POST", base, map[string]any{"text": "Biscuit is the user's dog."}, &created)
	raw := e.do("GET", base, nil)
	raw.expect(t, http.StatusOK)
	var list []map[string]any
	_ = json.Unmarshal(raw.body, &list)
	if len(list) != 1 || list[0]["embedding"] != nil || list[0]["embedding_config"] != nil {
		t.Errorf("text-only passage on the wire: %s", raw.body)
	}
	var res struct {
		Count int `json:"count"`
	}
	e.ok("GET", base+"/search?query=dog", nil, &res)
	if res.Count != 1 {
		t.Errorf("text-only search count = %d", res.Count)
	}
	if n := len(e.llm.EmbeddingRequests()); n != 0 {
		t.Errorf("%d embedding requests", n)
	}
}

func TestPassagesChunkLongText(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cfg := smallEmbedding(1536)
	cfg.EmbeddingChunkSize = letta.Ptr(20)
	a := e.newArchivalAgent(cfg)
	text := strings.Repeat("This sentence has exactly eight words in it. ", 10)
	var created []letta.Passage
	e.ok("POST", "/v1/agents/"+a.ID+"/archival-memory", map[string]any{"text": text}, &created)
	if len(created) < 4 {
		t.Fatalf("%d passages for a long text, want it chunked", len(created))
	}
	var joined []string
	for _, p := range created {
		joined = append(joined, p.Text)
	}
	if strings.Join(joined, " ") != strings.TrimSpace(text) {
		t.Errorf("chunks do not add up to the text: %q", joined)
	}
}
