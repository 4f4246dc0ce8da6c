// Package ollama is the provider for a local Ollama server: chat through
// its OpenAI-compatible /v1 API (package openai, with Ollama's quirks:
// reasoning in "reasoning", whole tool calls per chunk) and embeddings
// through the native /api/embed.
package ollama

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/openai"
)

// Config configures the provider.
type Config struct {
	// BaseURL is the server, e.g. http://localhost:11434 (a trailing /v1
	// is accepted and removed).
	BaseURL    string
	HTTPClient *http.Client
	Retry      llm.RetryPolicy
}

// Provider is an enabled Ollama server. It implements llm.Provider; chat
// is the embedded openai provider's.
type Provider struct {
	*openai.Provider
	embedder *Embedder
}

var _ llm.Provider = (*Provider)(nil)

// New returns the provider.
func New(cfg Config) *Provider {
	base := strings.TrimSuffix(strings.TrimRight(cfg.BaseURL, "/"), "/v1")
	if base == "" {
		base = "http://localhost:11434"
	}
	cfg.Retry = cfg.Retry.WithDefaults()
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	maxRetries := cfg.Retry.MaxRetries
	if maxRetries == 0 { // WithDefaults' "none"; openai.Config spells it -1
		maxRetries = -1
	}
	chat := openai.New(openai.Config{
		Name: "ollama", BaseURL: base + "/v1", HTTPClient: cfg.HTTPClient,
		MaxRetries: maxRetries, RetryBaseDelay: cfg.Retry.BaseDelay, Timeout: cfg.Retry.Timeout,
		InlineImagesOnly: true,
	})
	return &Provider{Provider: chat, embedder: &Embedder{base: base, cfg: cfg}}
}

// embeddingModels are common Ollama embedding models and their sizes.
var embeddingModels = []struct {
	name string
	dim  int
}{
	{"nomic-embed-text", 768},
	{"mxbai-embed-large", 1024},
	{"all-minilm", 384},
	{"snowflake-arctic-embed", 1024},
	{"bge-m3", 1024},
}

// EmbeddingModels lists the common embedding models.
func (p *Provider) EmbeddingModels() []letta.EmbeddingConfig {
	out := make([]letta.EmbeddingConfig, 0, len(embeddingModels))
	for _, m := range embeddingModels {
		out = append(out, letta.EmbeddingConfig{
			EmbeddingEndpointType: "ollama",
			EmbeddingEndpoint:     letta.Ptr(llm.PublicEndpoint(p.embedder.base)),
			EmbeddingModel:        m.name,
			EmbeddingDim:          m.dim,
			EmbeddingChunkSize:    letta.Ptr(300),
			Handle:                letta.Ptr("ollama/" + m.name),
			BatchSize:             32,
		})
	}
	return out
}

// Embedder returns the native /api/embed client.
func (p *Provider) Embedder() llm.Embedder { return p.embedder }

// Embedder calls Ollama's native /api/embed.
type Embedder struct {
	base string
	cfg  Config
}

// Embed returns one vector per text.
func (e *Embedder) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	body, err := json.Marshal(map[string]any{"model": model, "input": texts})
	if err != nil {
		return nil, fmt.Errorf("encode embed request: %w", err)
	}
	var out [][]float32
	err = llm.Retry(ctx, e.cfg.Retry, func(actx context.Context) error {
		req, err := http.NewRequestWithContext(actx, http.MethodPost, e.base+"/api/embed", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.cfg.HTTPClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			var w struct {
				Error string `json:"error"`
			}
			msg := strings.TrimSpace(string(raw))
			if json.Unmarshal(raw, &w) == nil && w.Error != "" {
				msg = w.Error
			}
			return &llm.APIError{Provider: "ollama", StatusCode: resp.StatusCode, Kind: llm.KindForStatus(resp.StatusCode),
				Message: msg, RetryAfter: llm.ParseRetryAfter(resp.Header, time.Now())}
		}
		var w struct {
			Embeddings [][]float32 `json:"embeddings"`
		}
		if err := json.Unmarshal(raw, &w); err != nil || len(w.Embeddings) != len(texts) {
			return &llm.APIError{Provider: "ollama", StatusCode: 200, Kind: llm.ErrKindInvalidResponse,
				Message: fmt.Sprintf("want %d embeddings, got %d (%v)", len(texts), len(w.Embeddings), err)}
		}
		out = w.Embeddings
		return nil
	}, func(err error, timedOut bool) error {
		var apiErr *llm.APIError
		switch {
		case errors.As(err, &apiErr):
			return err
		case ctx.Err() != nil:
			return fmt.Errorf("ollama embed: %w", ctx.Err())
		case timedOut:
			return &llm.APIError{Provider: "ollama", Kind: llm.ErrKindTimeout, Message: "no answer in time"}
		}
		return &llm.APIError{Provider: "ollama", Kind: llm.ErrKindServer, Message: "connection failed: " + err.Error()}
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("embed %d texts with %s: %w", len(texts), model, err)
	}
	return out, nil
}
