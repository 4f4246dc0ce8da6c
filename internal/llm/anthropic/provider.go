// Package anthropic is the provider for Anthropic's Messages API, over
// plain HTTP: tool use, thinking blocks (reasoning with its signature),
// refusals, named-event streams, and errors (overloaded 529 included)
// classified into llm.APIError and retried under llm.Retry.
//
// It is hand-written rather than built on github.com/anthropics/anthropic-sdk-go:
// that SDK reads the environment and profile files by itself and retries on
// its own, while this server reads configuration only in main and retries
// every provider the same way; the part of the API used here is small.
package anthropic

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
)

// Defaults for the zero Config fields.
const (
	DefaultBaseURL = "https://api.anthropic.com"
	// APIVersion is the anthropic-version header value.
	APIVersion = "2023-06-01"
	// DefaultMaxTokens is sent when the request sets no limit (the API
	// requires max_tokens).
	DefaultMaxTokens = 4096
	// DefaultContextWindow is the window of every current Claude model.
	DefaultContextWindow = 200000
)

// Config configures the provider.
type Config struct {
	APIKey  string
	BaseURL string // default https://api.anthropic.com (no /v1)
	// HTTPClient is used for every call; default a client without timeout
	// (Timeout bounds each attempt instead, streams included).
	HTTPClient *http.Client
	// Retry says how often and how patiently calls are repeated.
	Retry llm.RetryPolicy
}

// Provider is the enabled Anthropic provider. It implements llm.Provider.
type Provider struct {
	cfg    Config
	client *Client
}

var _ llm.Provider = (*Provider)(nil)

// New returns a provider; zero Config fields take their defaults.
func New(cfg Config) *Provider {
	cfg.BaseURL = strings.TrimRight(cmp.Or(cfg.BaseURL, DefaultBaseURL), "/")
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/v1")
	cfg.Retry = cfg.Retry.WithDefaults()
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	return &Provider{cfg: cfg, client: &Client{cfg: cfg}}
}

// Name is the handle prefix.
func (p *Provider) Name() string { return "anthropic" }

// models are the Claude models listed, all with a 200k window.
var models = []string{
	"claude-opus-4-1",
	"claude-opus-4-0",
	"claude-sonnet-4-5",
	"claude-sonnet-4-0",
	"claude-haiku-4-5",
	"claude-3-7-sonnet-latest",
	"claude-3-5-haiku-latest",
}

// LLMs lists the known Claude models.
func (p *Provider) LLMs() []letta.LLMConfig {
	out := make([]letta.LLMConfig, 0, len(models))
	for _, m := range models {
		out = append(out, p.llmConfig(m))
	}
	return out
}

// DefaultLLM accepts any other Claude model name (dated snapshots, new
// releases): they all have the same window.
func (p *Provider) DefaultLLM(model string) (letta.LLMConfig, bool) {
	if !strings.HasPrefix(model, "claude-") {
		return letta.LLMConfig{}, false
	}
	return p.llmConfig(model), true
}

func (p *Provider) llmConfig(model string) letta.LLMConfig {
	return letta.LLMConfig{
		Model:                    model,
		ModelEndpointType:        "anthropic",
		ModelEndpoint:            letta.Ptr(llm.PublicEndpoint(p.cfg.BaseURL + "/v1")),
		ContextWindow:            DefaultContextWindow,
		PutInnerThoughtsInKwargs: letta.Ptr(false),
		Handle:                   letta.Ptr("anthropic/" + model),
		Temperature:              0.7,
		MaxTokens:                letta.Ptr(DefaultMaxTokens),
		ProviderName:             letta.Ptr("anthropic"),
		ProviderCategory:         letta.Ptr("base"),
	}
}

// EmbeddingModels is empty: Anthropic has no embeddings API.
func (p *Provider) EmbeddingModels() []letta.EmbeddingConfig { return []letta.EmbeddingConfig{} }

// Client returns the provider's client.
func (p *Provider) Client(letta.LLMConfig) (llm.Client, error) { return p.client, nil }

// Embedder is nil: Anthropic has no embeddings API.
func (p *Provider) Embedder() llm.Embedder { return nil }

// APIClient returns the concrete client.
func (p *Provider) APIClient() *Client { return p.client }
