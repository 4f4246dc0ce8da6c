package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

// TestModelsWithProvidersFromEnv enables every provider by its environment
// variables (base URLs pointing at local fakes) and lists the models in
// both SDK generations' fields, with the filters.
func TestModelsWithProvidersFromEnv(t *testing.T) {
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/models" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"object":"list","data":[{"id":"qwen2.5:32b","object":"model"},{"id":"nomic-embed-text","object":"model"}]}`)
	}))
	t.Cleanup(local.Close)
	base, _ := startServer(t, map[string]string{
		"XAI_API_KEY":                "xai-test",
		"ANTHROPIC_API_KEY":          "sk-ant-test",
		"GOOGLE_CLOUD_PROJECT":       "test-project",
		"GOOGLE_CLOUD_LOCATION":      "us-central1",
		"GOOGLE_VERTEX_BASE_URL":     local.URL + "/",
		"GOOGLE_VERTEX_ACCESS_TOKEN": "ya29.test-token",
		"OLLAMA_BASE_URL":            local.URL,
		"VLLM_API_BASE":              local.URL,
	})

	list := func(path string) []map[string]any {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out []map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
		}
		return out
	}
	providers := func(models []map[string]any) string {
		seen := map[string]bool{}
		for _, m := range models {
			seen[m["provider_name"].(string)] = true
		}
		var names []string
		for n := range seen {
			names = append(names, n)
		}
		sort.Strings(names)
		return strings.Join(names, ",")
	}

	all := list("/v1/models/")
	if got, want := providers(all), "anthropic,google_vertex,ollama,openai,vllm,xai"; got != want {
		t.Errorf("providers %s, want %s", got, want)
	}
	byHandle := map[string]map[string]any{}
	for _, m := range all {
		byHandle[m["handle"].(string)] = m
	}
	for handle, window := range map[string]float64{
		"xai/grok-3-mini":              131072,
		"anthropic/claude-sonnet-4-5":  200000,
		"google_vertex/gemini-2.5-pro": 1048576,
		"ollama/qwen2.5:32b":           8192,
		"vllm/qwen2.5:32b":             8192,
		"openai/gpt-4o-mini":           128000,
	} {
		m, ok := byHandle[handle]
		if !ok {
			t.Errorf("%s not listed", handle)
			continue
		}
		// LLMConfig (0.1.x) and Model (1.x) fields side by side.
		if m["context_window"] != window || m["max_context_window"] != window || m["model"] == "" || m["name"] != m["model"] ||
			m["model_endpoint_type"] != m["provider_type"] || m["model_type"] != "llm" {
			t.Errorf("%s = %v", handle, m)
		}
	}
	if _, ok := byHandle["ollama/nomic-embed-text"]; ok {
		t.Errorf("an embedding model is listed as a chat model")
	}
	if got := providers(list("/v1/models/?provider_name=xai")); got != "xai" {
		t.Errorf("provider_name=xai lists %s", got)
	}
	if got := providers(list("/v1/models/?provider_type=google_vertex")); got != "google_vertex" {
		t.Errorf("provider_type=google_vertex lists %s", got)
	}
	if n := len(list("/v1/models/?provider_category=byok")); n != 0 {
		t.Errorf("provider_category=byok lists %d models, want 0", n)
	}
	if n := len(list("/v1/models/?provider_category=base&provider_category=byok")); n != len(all) {
		t.Errorf("provider_category=base,byok lists %d models, want %d", n, len(all))
	}

	emb := list("/v1/models/embedding")
	if got, want := providers(emb), "google_vertex,ollama,openai"; got != want {
		t.Errorf("embedding providers %s, want %s", got, want)
	}
	for _, m := range emb {
		if m["handle"] == "google_vertex/text-embedding-005" && (m["embedding_dim"] != float64(768) || m["model_type"] != "embedding" || m["embedding_model"] != m["name"]) {
			t.Errorf("vertex embedding = %v", m)
		}
	}
	if got := providers(list("/v1/models/embedding?provider_name=ollama")); got != "ollama" {
		t.Errorf("embedding provider_name=ollama lists %s", got)
	}
}
