// Package openai is the provider for OpenAI and every OpenAI-compatible chat
// completions endpoint (xAI, a proxy, vLLM), built on go-openai. It maps the
// provider-neutral llm types to the wire, assembles streams, classifies
// errors into llm.APIError and retries the retryable ones.
package openai

import (
	"cmp"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
)

// Official base URLs of the providers this package knows by name.
const (
	DefaultBaseURL = "https://api.openai.com/v1"
	XAIBaseURL     = "https://api.x.ai/v1"
)

// Defaults for the zero Config fields.
const (
	DefaultMaxRetries     = llm.DefaultMaxRetries
	DefaultRetryBaseDelay = llm.DefaultRetryBaseDelay
	DefaultTimeout        = llm.DefaultTimeout
	// MaxRetryDelay caps one wait between attempts, Retry-After included.
	MaxRetryDelay = llm.MaxRetryDelay
	// DefaultContextWindow is assumed for models an operator deployed
	// behind a compatible endpoint.
	DefaultContextWindow = 128000
	// embeddingBatchSize is the number of texts per /embeddings call.
	embeddingBatchSize = 32
	embeddingChunkSize = 300
)

// Config configures one OpenAI-compatible provider.
type Config struct {
	// Name is the handle prefix and provider_name ("openai", "xai").
	Name    string
	APIKey  string
	BaseURL string // default https://api.openai.com/v1 (https://api.x.ai/v1 for "xai")
	// HTTPClient is used for every call; default a client without timeout
	// (Timeout bounds each attempt instead, streams included).
	HTTPClient *http.Client
	// MaxRetries is the number of repeats of a retryable failure; 0 means
	// DefaultMaxRetries and a negative value means none.
	MaxRetries     int
	RetryBaseDelay time.Duration // first backoff; doubles per attempt
	Timeout        time.Duration // per attempt; default DefaultTimeout
	// EndpointType is the model_endpoint_type of the configs it lists;
	// default "openai" ("xai" for the xai provider).
	EndpointType string
	// InlineImagesOnly: the server cannot fetch image URLs (Ollama), so
	// an http(s) image URL is refused before the call.
	InlineImagesOnly bool
}

// Provider is an enabled OpenAI-compatible provider. It implements llm.Provider.
type Provider struct {
	cfg    Config
	client *Client

	mu         sync.Mutex
	discovered []chatModel // set by Discover
}

var _ llm.Provider = (*Provider)(nil)

// defaultBaseURLs are the endpoints of the providers known by name; a
// local server's is where it listens by default.
var defaultBaseURLs = map[string]string{
	"openai": DefaultBaseURL,
	"xai":    XAIBaseURL,
	"ollama": "http://localhost:11434/v1",
	"vllm":   "http://localhost:8000/v1",
}

// New returns a provider; zero Config fields take their defaults.
func New(cfg Config) *Provider {
	cfg.Name = cmp.Or(cfg.Name, "openai")
	cfg.BaseURL = strings.TrimRight(cmp.Or(cfg.BaseURL, defaultBaseURLs[cfg.Name], DefaultBaseURL), "/")
	if cfg.EndpointType == "" {
		cfg.EndpointType = "openai"
		if _, known := defaultBaseURLs[cfg.Name]; known {
			cfg.EndpointType = cfg.Name // Letta's model_endpoint_type: xai, ollama, vllm
		}
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	cfg.RetryBaseDelay = cmp.Or(cfg.RetryBaseDelay, DefaultRetryBaseDelay)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	return &Provider{cfg: cfg, client: newClient(cfg)}
}

// Name is the handle prefix.
func (p *Provider) Name() string { return p.cfg.Name }

// BaseURL is the endpoint the provider calls.
func (p *Provider) BaseURL() string { return p.cfg.BaseURL }

// official reports whether the base URL is the provider's own public API,
// where only known models are served.
func (p *Provider) official() bool {
	return p.cfg.BaseURL == DefaultBaseURL || p.cfg.BaseURL == XAIBaseURL
}

// LLMs lists the known chat models of the provider, then those Discover
// found on the server.
func (p *Provider) LLMs() []letta.LLMConfig {
	models := append(slices.Clone(knownModels(p.cfg.Name)), p.discoveredModels()...)
	out := make([]letta.LLMConfig, 0, len(models))
	for _, m := range models {
		out = append(out, p.llmConfig(m.name, m.contextWindow))
	}
	return out
}

// DefaultLLM accepts a dated snapshot of a known model ("gpt-4o-2024-08-06")
// everywhere, and any model name on a non-official endpoint.
func (p *Provider) DefaultLLM(model string) (letta.LLMConfig, bool) {
	if model == "" {
		return letta.LLMConfig{}, false
	}
	base := dateSuffix.ReplaceAllString(model, "")
	for _, m := range append(slices.Clone(knownModels(p.cfg.Name)), p.discoveredModels()...) {
		if m.name == model || m.name == base {
			return p.llmConfig(model, m.contextWindow), true
		}
	}
	if p.official() {
		return letta.LLMConfig{}, false
	}
	return p.llmConfig(model, DefaultContextWindow), true
}

var dateSuffix = regexp.MustCompile(`-\d{4}-\d{2}-\d{2}$`)

func (p *Provider) llmConfig(model string, contextWindow int) letta.LLMConfig {
	return letta.LLMConfig{
		Model:                    model,
		ModelEndpointType:        p.cfg.EndpointType,
		ModelEndpoint:            letta.Ptr(llm.PublicEndpoint(p.cfg.BaseURL)),
		ContextWindow:            contextWindow,
		PutInnerThoughtsInKwargs: letta.Ptr(false),
		Handle:                   letta.Ptr(p.cfg.Name + "/" + model),
		Temperature:              0.7,
		ProviderName:             letta.Ptr(p.cfg.Name),
		ProviderCategory:         letta.Ptr("base"),
	}
}

// EmbeddingModels lists OpenAI's embedding models (only for the openai
// provider and other compatible endpoints; xAI, Ollama and vLLM list none).
func (p *Provider) EmbeddingModels() []letta.EmbeddingConfig {
	if !p.embeds() {
		return []letta.EmbeddingConfig{}
	}
	out := make([]letta.EmbeddingConfig, 0, len(embeddingModels))
	for _, m := range embeddingModels {
		out = append(out, letta.EmbeddingConfig{
			EmbeddingEndpointType: p.cfg.EndpointType,
			EmbeddingEndpoint:     letta.Ptr(llm.PublicEndpoint(p.cfg.BaseURL)),
			EmbeddingModel:        m.name,
			EmbeddingDim:          m.dim,
			EmbeddingChunkSize:    letta.Ptr(embeddingChunkSize),
			Handle:                letta.Ptr(p.cfg.Name + "/" + m.name),
			BatchSize:             embeddingBatchSize,
		})
	}
	return out
}

// Client returns the provider's client; every config it resolved shares it.
func (p *Provider) Client(letta.LLMConfig) (llm.Client, error) { return p.client, nil }

// Embedder returns the provider's client, which also embeds.
func (p *Provider) Embedder() llm.Embedder {
	if !p.embeds() {
		return nil
	}
	return p.client
}

// APIClient returns the concrete client (chat, streaming and embeddings),
// for callers that want it without going through llm.Provider.
func (p *Provider) APIClient() *Client { return p.client }

func (p *Provider) embeds() bool {
	switch p.cfg.Name {
	case "xai", "ollama", "vllm":
		return false
	}
	return true
}
