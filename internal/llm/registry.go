package llm

import (
	"fmt"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
)

// Provider is one enabled model provider (OpenAI, xAI, ...).
type Provider interface {
	// Name is the handle prefix, e.g. "openai".
	Name() string
	// LLMs lists the chat models it serves, each with its Handle set.
	LLMs() []letta.LLMConfig
	// EmbeddingModels lists the embedding models it serves, Handle set.
	EmbeddingModels() []letta.EmbeddingConfig
	// DefaultLLM returns a config for a model name it does not list, or
	// false when it serves only listed models. OpenAI-compatible endpoints
	// (a proxy, vLLM) serve whatever the operator deployed.
	DefaultLLM(model string) (letta.LLMConfig, bool)
	// Client returns a client for a config this provider resolved.
	Client(cfg letta.LLMConfig) (Client, error)
	// Embedder returns the provider's embedder, or nil when it has none.
	Embedder() Embedder
}

// ProviderEnv names the environment variable that enables each provider
// Letta knows, for error messages when a handle names a disabled one.
var ProviderEnv = map[string]string{
	"openai":        "OPENAI_API_KEY",
	"xai":           "XAI_API_KEY",
	"anthropic":     "ANTHROPIC_API_KEY",
	"google_vertex": "GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION",
	"google_ai":     "GEMINI_API_KEY",
	"ollama":        "OLLAMA_BASE_URL",
	"vllm":          "VLLM_API_BASE",
}

// Registry resolves model handles across the enabled providers.
type Registry struct {
	providers []Provider
}

// NewRegistry returns a registry over the enabled providers, in priority order.
func NewRegistry(providers ...Provider) *Registry {
	return &Registry{providers: providers}
}

// Providers returns the enabled providers.
func (r *Registry) Providers() []Provider { return r.providers }

func (r *Registry) provider(name string) Provider {
	for _, p := range r.providers {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// ResolveLLM turns a handle ("openai/gpt-4o-mini") or a bare model name
// ("gpt-4o-mini") into a full config. The error wraps ErrUnknownModel and
// says which variable enables the provider.
func (r *Registry) ResolveLLM(handle string) (letta.LLMConfig, error) {
	name, model, ok := strings.Cut(handle, "/")
	if !ok { // a bare model name: the first provider that lists it
		for _, p := range r.providers {
			for _, c := range p.LLMs() {
				if c.Model == handle {
					return c, nil
				}
			}
		}
		return letta.LLMConfig{}, fmt.Errorf("%w: %q: use a handle like \"openai/%s\" from GET /v1/models/", ErrUnknownModel, handle, handle)
	}
	p := r.provider(name)
	if p == nil {
		return letta.LLMConfig{}, disabled(name, handle)
	}
	for _, c := range p.LLMs() {
		if letta.Deref(c.Handle) == handle || c.Model == model {
			return c, nil
		}
	}
	if c, ok := p.DefaultLLM(model); ok {
		return c, nil
	}
	return letta.LLMConfig{}, fmt.Errorf("%w: provider %q does not serve %q (see GET /v1/models/)", ErrUnknownModel, name, model)
}

// ResolveEmbedding turns an embedding handle into a full config.
func (r *Registry) ResolveEmbedding(handle string) (letta.EmbeddingConfig, error) {
	name, model, ok := strings.Cut(handle, "/")
	for _, p := range r.providers {
		if ok && p.Name() != name {
			continue
		}
		for _, c := range p.EmbeddingModels() {
			if letta.Deref(c.Handle) == handle || c.EmbeddingModel == model || (!ok && c.EmbeddingModel == handle) {
				return c, nil
			}
		}
	}
	if ok && r.provider(name) == nil {
		return letta.EmbeddingConfig{}, disabled(name, handle)
	}
	return letta.EmbeddingConfig{}, fmt.Errorf("%w: embedding model %q (see GET /v1/models/embedding)", ErrUnknownModel, handle)
}

func disabled(provider, handle string) error {
	if env, ok := ProviderEnv[provider]; ok {
		return fmt.Errorf("%w: %q needs the %s provider, which is not enabled: set %s", ErrUnknownModel, handle, provider, env)
	}
	return fmt.Errorf("%w: no provider named %q for %q", ErrUnknownModel, provider, handle)
}

// Client returns the client for an agent's config, chosen by its
// provider_name (or model_endpoint_type when that is unset).
func (r *Registry) Client(cfg letta.LLMConfig) (Client, error) {
	name := letta.Deref(cfg.ProviderName)
	if name == "" {
		name = cfg.ModelEndpointType
	}
	p := r.provider(name)
	if p == nil {
		return nil, disabled(name, letta.Deref(cfg.Handle))
	}
	c, err := p.Client(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", name, err)
	}
	return repairingClient{next: c}, nil
}

// Embedder returns the embedder for an embedding config.
func (r *Registry) Embedder(cfg letta.EmbeddingConfig) (Embedder, error) {
	name, _, _ := strings.Cut(letta.Deref(cfg.Handle), "/")
	if name == "" {
		name = cfg.EmbeddingEndpointType
	}
	p := r.provider(name)
	if p == nil || p.Embedder() == nil {
		return nil, disabled(name, letta.Deref(cfg.Handle))
	}
	return repairingEmbedder{next: p.Embedder()}, nil
}

// LLMs lists every enabled provider's chat models.
func (r *Registry) LLMs() []letta.LLMConfig {
	out := []letta.LLMConfig{}
	for _, p := range r.providers {
		out = append(out, p.LLMs()...)
	}
	return out
}

// EmbeddingModels lists every enabled provider's embedding models.
func (r *Registry) EmbeddingModels() []letta.EmbeddingConfig {
	out := []letta.EmbeddingConfig{}
	for _, p := range r.providers {
		out = append(out, p.EmbeddingModels()...)
	}
	return out
}
