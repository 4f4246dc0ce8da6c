package metrics

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
)

// Token kinds of letta_llm_tokens_total.
const (
	tokensPrompt      = "prompt"
	tokensCompletion  = "completion"
	tokensReasoning   = "reasoning"
	tokensCachedInput = "cached_input"
	tokensEmbedding   = "embedding_inputs"
)

// InstrumentProviders wraps each provider so every chat and embedding call
// its clients make is counted, timed and its tokens added up.
func (m *Metrics) InstrumentProviders(ps []llm.Provider) []llm.Provider {
	out := make([]llm.Provider, len(ps))
	for i, p := range ps {
		out[i] = &provider{Provider: p, m: m}
	}
	return out
}

// provider is an llm.Provider whose clients report to Metrics. Methods it
// does not override pass through.
type provider struct {
	llm.Provider
	m *Metrics
}

// Client returns the wrapped provider's client for cfg, instrumented.
func (p *provider) Client(cfg letta.LLMConfig) (llm.Client, error) {
	c, err := p.Provider.Client(cfg)
	if err != nil {
		return nil, err
	}
	return &client{next: c, m: p.m, provider: p.Name(), model: cfg.Model}, nil
}

// Embedder returns the wrapped provider's embedder, instrumented, or nil.
func (p *provider) Embedder() llm.Embedder {
	e := p.Provider.Embedder()
	if e == nil {
		return nil
	}
	return &embedder{next: e, m: p.m, provider: p.Name()}
}

// client counts the calls of one provider's client.
type client struct {
	next            llm.Client
	m               *Metrics
	provider, model string
}

func (c *client) Chat(ctx context.Context, req llm.ChatRequest) (*llm.ChatResponse, error) {
	start := time.Now()
	resp, err := c.next.Chat(ctx, req)
	c.m.observeLLM(c.provider, c.modelOf(req), false, resp, err, time.Since(start))
	return resp, err
}

func (c *client) ChatStream(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (*llm.ChatResponse, error) {
	start := time.Now()
	resp, err := c.next.ChatStream(ctx, req, onDelta)
	c.m.observeLLM(c.provider, c.modelOf(req), true, resp, err, time.Since(start))
	return resp, err
}

// modelOf names the model of a call: the request's, else the config's.
func (c *client) modelOf(req llm.ChatRequest) string {
	if req.Model != "" {
		return req.Model
	}
	return c.model
}

// embedder counts the calls of one provider's embedder.
type embedder struct {
	next     llm.Embedder
	m        *Metrics
	provider string
}

func (e *embedder) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	start := time.Now()
	vecs, err := e.next.Embed(ctx, model, texts)
	e.m.llmCalls.WithLabelValues(e.provider, model, "false", outcome(err)).Inc()
	e.m.llmDuration.WithLabelValues(e.provider, model).Observe(time.Since(start).Seconds())
	if err != nil {
		e.m.errors.WithLabelValues("llm").Inc()
	} else {
		e.m.llmTokens.WithLabelValues(e.provider, model, tokensEmbedding).Add(float64(len(texts)))
	}
	return vecs, err
}

// observeLLM records one chat call.
func (m *Metrics) observeLLM(provider, model string, stream bool, resp *llm.ChatResponse, err error, elapsed time.Duration) {
	m.llmCalls.WithLabelValues(provider, model, strconv.FormatBool(stream), outcome(err)).Inc()
	m.llmDuration.WithLabelValues(provider, model).Observe(elapsed.Seconds())
	if err != nil {
		m.errors.WithLabelValues("llm").Inc()
	}
	if resp == nil {
		return
	}
	u := resp.Usage
	for _, t := range []struct {
		kind string
		n    int
	}{
		{tokensPrompt, u.PromptTokens},
		{tokensCompletion, u.CompletionTokens},
		{tokensReasoning, u.ReasoningTokens},
		{tokensCachedInput, u.CachedInputTokens},
	} {
		if t.n > 0 {
			m.llmTokens.WithLabelValues(provider, model, t.kind).Add(float64(t.n))
		}
	}
}

// outcome is "ok", the kind of a provider error, "canceled", or "error".
func outcome(err error) string {
	var apiErr *llm.APIError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &apiErr) && apiErr.Kind != "":
		return apiErr.Kind
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return llm.ErrKindTimeout
	}
	return "error"
}
