package api

import (
	"net/http"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
)

// modelResponse is one element of GET /v1/models: the union of the Apr-2025
// LLMConfig and the Mar-2026 Model, so both SDK generations find their fields.
type modelResponse struct {
	letta.LLMConfig
	Name             string `json:"name"`
	DisplayName      string `json:"display_name"`
	ProviderType     string `json:"provider_type"`
	ProviderName     string `json:"provider_name"`
	ModelType        string `json:"model_type"`
	MaxContextWindow int    `json:"max_context_window"`
}

// embeddingModelResponse is EmbeddingConfig ∪ EmbeddingModel.
type embeddingModelResponse struct {
	letta.EmbeddingConfig
	Name         string `json:"name"`
	DisplayName  string `json:"display_name"`
	ProviderType string `json:"provider_type"`
	ProviderName string `json:"provider_name"`
	ModelType    string `json:"model_type"`
}

// providerOf returns the provider part of a "provider/model" handle.
func providerOf(handle *string, fallback string) string {
	if name, _, ok := strings.Cut(letta.Deref(handle), "/"); ok && name != "" {
		return name
	}
	return fallback
}

// listModels answers GET /v1/models (filters provider_name, provider_type,
// provider_category; the last may repeat, e.g. base and byok).
func (s *server) listModels(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	wantName, wantType := q.str("provider_name"), q.str("provider_type")
	wantCategories := r.URL.Query()["provider_category"]
	out := []modelResponse{}
	for _, c := range s.cfg.Models.LLMs() {
		m := modelResponse{
			LLMConfig:        c,
			Name:             c.Model,
			DisplayName:      letta.Deref(c.DisplayName),
			ProviderType:     c.ModelEndpointType,
			ProviderName:     letta.Deref(c.ProviderName),
			ModelType:        "llm",
			MaxContextWindow: c.ContextWindow,
		}
		if m.DisplayName == "" {
			m.DisplayName = c.Model
		}
		if m.ProviderName == "" {
			m.ProviderName = providerOf(c.Handle, c.ModelEndpointType)
		}
		if (wantName != "" && m.ProviderName != wantName) || (wantType != "" && m.ProviderType != wantType) ||
			!categoryMatches(wantCategories, c.ProviderCategory) {
			continue
		}
		out = append(out, m)
	}
	return writeJSON(w, http.StatusOK, out)
}

// listEmbeddingModels answers GET /v1/models/embedding.
// The filters are those of GET /v1/models; every server-configured
// embedding model is in category base.
func (s *server) listEmbeddingModels(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	wantName, wantType := q.str("provider_name"), q.str("provider_type")
	wantCategories := r.URL.Query()["provider_category"]
	out := []embeddingModelResponse{}
	for _, c := range s.cfg.Models.EmbeddingModels() {
		m := embeddingModelResponse{
			EmbeddingConfig: c,
			Name:            c.EmbeddingModel,
			DisplayName:     c.EmbeddingModel,
			ProviderType:    c.EmbeddingEndpointType,
			ProviderName:    providerOf(c.Handle, c.EmbeddingEndpointType),
			ModelType:       "embedding",
		}
		if (wantName != "" && m.ProviderName != wantName) || (wantType != "" && m.ProviderType != wantType) ||
			!categoryMatches(wantCategories, letta.Ptr("base")) {
			continue
		}
		out = append(out, m)
	}
	return writeJSON(w, http.StatusOK, out)
}

// categoryMatches: no filter, or the model's category (default base) is
// one of the wanted ones.
func categoryMatches(want []string, category *string) bool {
	if len(want) == 0 {
		return true
	}
	got := letta.Deref(category)
	if got == "" {
		got = "base"
	}
	for _, w := range want {
		if w == got {
			return true
		}
	}
	return false
}
