package openai

import (
	"errors"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
)

func TestRegistryResolves(t *testing.T) {
	t.Parallel()
	reg := llm.NewRegistry(New(Config{APIKey: testAPIKey}))

	for _, handle := range []string{"gpt-4o-mini", "openai/gpt-4o-mini"} {
		cfg, err := reg.ResolveLLM(handle)
		if err != nil {
			t.Fatalf("ResolveLLM(%q): %v", handle, err)
		}
		if cfg.Model != "gpt-4o-mini" || cfg.ContextWindow != 128000 || letta.Deref(cfg.Handle) != "openai/gpt-4o-mini" ||
			cfg.ModelEndpointType != "openai" || letta.Deref(cfg.ModelEndpoint) != DefaultBaseURL ||
			letta.Deref(cfg.ProviderName) != "openai" || letta.Deref(cfg.ProviderCategory) != "base" ||
			cfg.Temperature != 0.7 || cfg.MaxTokens != nil || letta.Deref(cfg.PutInnerThoughtsInKwargs) {
			t.Errorf("ResolveLLM(%q) = %+v", handle, cfg)
		}
		if _, err := reg.Client(cfg); err != nil {
			t.Errorf("Client: %v", err)
		}
	}

	if cfg, err := reg.ResolveLLM("openai/gpt-4.1"); err != nil || cfg.ContextWindow != 1047576 {
		t.Errorf("gpt-4.1: %+v, %v", cfg, err)
	}
	if cfg, err := reg.ResolveLLM("openai/gpt-4o-2024-08-06"); err != nil || cfg.ContextWindow != 128000 {
		t.Errorf("dated snapshot: %+v, %v", cfg, err)
	}
	if _, err := reg.ResolveLLM("openai/not-a-model"); !errors.Is(err, llm.ErrUnknownModel) {
		t.Errorf("unknown model on the official endpoint: %v", err)
	}

	emb, err := reg.ResolveEmbedding("openai/text-embedding-ada-002")
	if err != nil {
		t.Fatalf("ResolveEmbedding: %v", err)
	}
	if emb.EmbeddingDim != 1536 || letta.Deref(emb.EmbeddingChunkSize) != 300 || emb.BatchSize != 32 ||
		emb.EmbeddingEndpointType != "openai" || letta.Deref(emb.Handle) != "openai/text-embedding-ada-002" {
		t.Errorf("embedding config %+v", emb)
	}
	if e, err := reg.ResolveEmbedding("openai/text-embedding-3-large"); err != nil || e.EmbeddingDim != 3072 {
		t.Errorf("3-large: %+v, %v", e, err)
	}
	if _, err := reg.Embedder(emb); err != nil {
		t.Errorf("Embedder: %v", err)
	}

	_, err = reg.ResolveLLM("xai/grok-4")
	if !errors.Is(err, llm.ErrUnknownModel) || !strings.Contains(err.Error(), "XAI_API_KEY") {
		t.Errorf("xai without provider: %v", err)
	}
}

func TestCompatibleEndpointAcceptsAnyModel(t *testing.T) {
	t.Parallel()
	reg := llm.NewRegistry(New(Config{BaseURL: "http://127.0.0.1:9/v1"}))
	cfg, err := reg.ResolveLLM("openai/my-local-llama")
	if err != nil {
		t.Fatalf("ResolveLLM: %v", err)
	}
	if cfg.ContextWindow != DefaultContextWindow || letta.Deref(cfg.ModelEndpoint) != "http://127.0.0.1:9/v1" ||
		letta.Deref(cfg.Handle) != "openai/my-local-llama" {
		t.Errorf("config %+v", cfg)
	}
}

func TestXAIProvider(t *testing.T) {
	t.Parallel()
	reg := llm.NewRegistry(New(Config{APIKey: testAPIKey}), New(Config{Name: "xai", APIKey: testAPIKey}))
	cfg, err := reg.ResolveLLM("xai/grok-4")
	if err != nil {
		t.Fatalf("ResolveLLM: %v", err)
	}
	if cfg.ModelEndpointType != "xai" || letta.Deref(cfg.ModelEndpoint) != XAIBaseURL || letta.Deref(cfg.ProviderName) != "xai" {
		t.Errorf("config %+v", cfg)
	}
	if _, err := reg.ResolveLLM("xai/grok-99"); !errors.Is(err, llm.ErrUnknownModel) {
		t.Errorf("unknown xai model: %v", err)
	}
}
