// Package vertex is the provider for Google Vertex AI (Gemini chat models
// and text embeddings) through google.golang.org/genai: function calling,
// usage including thinking tokens, safety-blocked replies and blocked
// prompts as clean errors, streams, and errors classified into
// llm.APIError and retried under llm.Retry.
package vertex

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"

	"cloud.google.com/go/auth/credentials"
	"cloud.google.com/go/auth/httptransport"
	"google.golang.org/genai"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
)

// Name is the provider's handle prefix and model_endpoint_type.
const Name = "google_vertex"

// cloudPlatformScope is the OAuth scope of Vertex AI calls.
const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

// Config configures the provider.
type Config struct {
	Project  string // GOOGLE_CLOUD_PROJECT
	Location string // GOOGLE_CLOUD_LOCATION, e.g. us-central1 or global
	// BaseURL overrides the endpoint genai derives from the location (for
	// tests, proxies and private endpoints).
	BaseURL string
	// HTTPClient, when set, makes the calls and must authenticate them
	// itself (tests give one that does not). When nil, application default
	// credentials are found at New and used.
	HTTPClient *http.Client
	// AccessToken, when set (and HTTPClient is not), is sent as the bearer
	// token instead of looking up application default credentials.
	AccessToken string
	// Retry says how often and how patiently calls are repeated.
	Retry llm.RetryPolicy
}

// Provider is the enabled Vertex provider. It implements llm.Provider.
type Provider struct {
	cfg    Config
	client *Client
}

var _ llm.Provider = (*Provider)(nil)

// New builds the provider. Without an HTTPClient it looks up application
// default credentials, and fails with a message naming them when there
// are none.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.Project == "" || cfg.Location == "" {
		return nil, fmt.Errorf("google vertex: GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION are both required")
	}
	cfg.Retry = cfg.Retry.WithDefaults()
	hc := cfg.HTTPClient
	if hc == nil && cfg.AccessToken != "" {
		hc = &http.Client{Transport: bearerTransport{token: cfg.AccessToken, next: http.DefaultTransport}}
	}
	if hc == nil {
		creds, err := credentials.DetectDefault(&credentials.DetectOptions{Scopes: []string{cloudPlatformScope}})
		if err != nil {
			return nil, fmt.Errorf("google vertex: find application default credentials (run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS): %w", err)
		}
		if hc, err = httptransport.NewClient(&httptransport.Options{Credentials: creds}); err != nil {
			return nil, fmt.Errorf("google vertex: authenticated http client: %w", err)
		}
	}
	// recordingTransport notes each answer's status and Retry-After for
	// the attempt in progress (genai does not expose headers).
	hc = &http.Client{Transport: recordingTransport{next: cmp.Or[http.RoundTripper](hc.Transport, http.DefaultTransport)}, Jar: hc.Jar}
	gc, err := genai.NewClient(ctx, &genai.ClientConfig{
		Backend:     genai.BackendVertexAI,
		Project:     cfg.Project,
		Location:    cfg.Location,
		HTTPClient:  hc,
		HTTPOptions: genai.HTTPOptions{BaseURL: cfg.BaseURL},
	})
	if err != nil {
		return nil, fmt.Errorf("google vertex: create client: %w", err)
	}
	return &Provider{cfg: cfg, client: &Client{cfg: cfg, api: gc}}, nil
}

// Name is the handle prefix.
func (p *Provider) Name() string { return Name }

type chatModel struct {
	name          string
	contextWindow int
}

// chatModels are the Gemini models listed, with their input windows.
var chatModels = []chatModel{
	{"gemini-2.5-pro", 1048576},
	{"gemini-2.5-flash", 1048576},
	{"gemini-2.5-flash-lite", 1048576},
	{"gemini-2.0-flash-001", 1048576},
	{"gemini-2.0-flash-lite-001", 1048576},
	{"gemini-3-pro-preview", 1048576},
	{"gemini-3-flash-preview", 1048576},
}

type embeddingModel struct {
	name string
	dim  int
}

var embeddingModels = []embeddingModel{
	{"text-embedding-005", 768},
	{"text-multilingual-embedding-002", 768},
}

// LLMs lists the known Gemini models.
func (p *Provider) LLMs() []letta.LLMConfig {
	out := make([]letta.LLMConfig, 0, len(chatModels))
	for _, m := range chatModels {
		out = append(out, p.llmConfig(m.name, m.contextWindow))
	}
	return out
}

// DefaultLLM accepts other Gemini model names (versioned releases) with a
// 1M window.
func (p *Provider) DefaultLLM(model string) (letta.LLMConfig, bool) {
	if !strings.HasPrefix(model, "gemini-") {
		return letta.LLMConfig{}, false
	}
	return p.llmConfig(model, 1048576), true
}

// endpoint is the model_endpoint Letta records for Vertex configs.
func (p *Provider) endpoint() string {
	if p.cfg.BaseURL != "" {
		return strings.TrimRight(p.cfg.BaseURL, "/")
	}
	return fmt.Sprintf("https://%s-aiplatform.googleapis.com/v1/projects/%s/locations/%s", p.cfg.Location, p.cfg.Project, p.cfg.Location)
}

func (p *Provider) llmConfig(model string, window int) letta.LLMConfig {
	return letta.LLMConfig{
		Model:                    model,
		ModelEndpointType:        Name,
		ModelEndpoint:            letta.Ptr(llm.PublicEndpoint(p.endpoint())),
		ContextWindow:            window,
		PutInnerThoughtsInKwargs: letta.Ptr(false),
		Handle:                   letta.Ptr(Name + "/" + model),
		Temperature:              0.7,
		ProviderName:             letta.Ptr(Name),
		ProviderCategory:         letta.Ptr("base"),
	}
}

// EmbeddingModels lists Vertex's text embedding models.
func (p *Provider) EmbeddingModels() []letta.EmbeddingConfig {
	out := make([]letta.EmbeddingConfig, 0, len(embeddingModels))
	for _, m := range embeddingModels {
		out = append(out, letta.EmbeddingConfig{
			EmbeddingEndpointType: Name,
			EmbeddingEndpoint:     letta.Ptr(llm.PublicEndpoint(p.endpoint())),
			EmbeddingModel:        m.name,
			EmbeddingDim:          m.dim,
			EmbeddingChunkSize:    letta.Ptr(300),
			Handle:                letta.Ptr(Name + "/" + m.name),
			BatchSize:             embeddingBatchSize,
		})
	}
	return out
}

// Client returns the provider's client.
func (p *Provider) Client(letta.LLMConfig) (llm.Client, error) { return p.client, nil }

// Embedder returns the provider's client, which also embeds.
func (p *Provider) Embedder() llm.Embedder { return p.client }

// APIClient returns the concrete client.
func (p *Provider) APIClient() *Client { return p.client }

// bearerTransport adds a fixed access token to every request.
type bearerTransport struct {
	token string
	next  http.RoundTripper
}

func (t bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(req)
}
