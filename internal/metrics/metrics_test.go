package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/metrics"
)

// scrape fetches the exposition text over HTTP, as Prometheus would.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// wantLines fails for each line missing from the exposition text.
func wantLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, "\n"+l+"\n") {
			t.Errorf("exposition lacks %q", l)
		}
	}
}

func TestRequestsStepsAndPool(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{
		Version: "v9.9.9",
		Backend: "sqlite",
		Pool: func() metrics.PoolStats {
			return metrics.PoolStats{MaxConns: 1, OpenConns: 1, InUseConns: 1, WaitCount: 3, WaitDuration: 1500 * time.Millisecond}
		},
	})
	done := m.RequestStarted()
	m.ObserveRequest("GET", "/v1/agents/{agent_id}", 200, 30*time.Millisecond)
	m.ObserveRequest("GET", "", 404, time.Millisecond)
	m.ObserveRequest("POST", "/v1/agents/{agent_id}/messages", 500, 2*time.Second)
	ns := int64(1500 * time.Millisecond)
	m.ObserveStep(&letta.Step{ProviderName: letta.Ptr("openai"), Model: letta.Ptr("gpt-4o-mini"), Status: letta.StepSuccess, StepNs: &ns})
	m.ObserveStep(&letta.Step{ProviderName: letta.Ptr("openai"), Model: letta.Ptr("gpt-4o-mini"), Status: letta.StepFailed})

	text := scrape(t, m)
	wantLines(t, text,
		`letta_http_requests_in_flight 1`,
		`letta_http_requests_total{method="GET",route="/v1/agents/{agent_id}",status="200"} 1`,
		`letta_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`letta_http_requests_total{method="POST",route="/v1/agents/{agent_id}/messages",status="500"} 1`,
		`letta_http_request_duration_seconds_bucket{method="POST",route="/v1/agents/{agent_id}/messages",le="2.5"} 1`,
		`letta_http_request_duration_seconds_bucket{method="POST",route="/v1/agents/{agent_id}/messages",le="1"} 0`,
		`letta_agent_steps_total{model="gpt-4o-mini",provider="openai",status="success"} 1`,
		`letta_agent_steps_total{model="gpt-4o-mini",provider="openai",status="failed"} 1`,
		`letta_agent_step_duration_seconds_count{model="gpt-4o-mini",provider="openai"} 1`,
		`letta_errors_total{source="http"} 1`,
		`letta_errors_total{source="step"} 1`,
		`letta_errors_total{source="llm"} 0`,
		`letta_db_pool_max_connections{backend="sqlite"} 1`,
		`letta_db_pool_in_use_connections{backend="sqlite"} 1`,
		`letta_db_pool_wait_total{backend="sqlite"} 3`,
		`letta_db_pool_wait_seconds_total{backend="sqlite"} 1.5`,
		`letta_build_info{version="v9.9.9"} 1`,
	)
	if !strings.Contains(text, "go_goroutines") || !strings.Contains(text, "process_") {
		t.Errorf("runtime and process collectors missing")
	}
	done()
	wantLines(t, scrape(t, m), `letta_http_requests_in_flight 0`)
}

func TestInstrumentedProviderCountsCallsAndTokens(t *testing.T) {
	t.Parallel()
	fake := llmtest.NewServer(t)
	m := metrics.New(metrics.Options{})
	ps := m.InstrumentProviders([]llm.Provider{openai.New(openai.Config{APIKey: "k", BaseURL: fake.URL(), MaxRetries: -1})})
	reg := llm.NewRegistry(ps...)
	cfg, err := reg.ResolveLLM("openai/gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	client, err := reg.Client(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req := llm.ChatRequest{Model: "gpt-4o-mini", Messages: []llm.Message{{Role: llm.RoleUser, Content: "hello there"}}}

	fake.Enqueue(
		llmtest.Reply{Content: "hi", Usage: &llmtest.Usage{PromptTokens: 11, CompletionTokens: 7, TotalTokens: 18, ReasoningTokens: 2}},
		llmtest.Reply{Content: "streamed", Usage: &llmtest.Usage{PromptTokens: 5, CompletionTokens: 3, TotalTokens: 8}},
		llmtest.Error(http.StatusTooManyRequests, `{"error":{"message":"slow down","type":"rate_limit"}}`),
	)
	if _, err := client.Chat(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if _, err := client.ChatStream(t.Context(), req, func(llm.Delta) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Chat(t.Context(), req); err == nil {
		t.Fatal("scripted 429 did not fail")
	}
	emb, err := reg.ResolveEmbedding("openai/text-embedding-3-small")
	if err != nil {
		t.Fatal(err)
	}
	e, err := reg.Embedder(emb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(t.Context(), emb.EmbeddingModel, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}

	text := scrape(t, m)
	wantLines(t, text,
		`letta_llm_calls_total{model="gpt-4o-mini",outcome="ok",provider="openai",stream="false"} 1`,
		`letta_llm_calls_total{model="gpt-4o-mini",outcome="ok",provider="openai",stream="true"} 1`,
		`letta_llm_calls_total{model="gpt-4o-mini",outcome="llm_rate_limit",provider="openai",stream="false"} 1`,
		`letta_llm_tokens_total{kind="prompt",model="gpt-4o-mini",provider="openai"} 16`,
		`letta_llm_tokens_total{kind="completion",model="gpt-4o-mini",provider="openai"} 10`,
		`letta_llm_tokens_total{kind="reasoning",model="gpt-4o-mini",provider="openai"} 2`,
		`letta_llm_calls_total{model="text-embedding-3-small",outcome="ok",provider="openai",stream="false"} 1`,
		`letta_llm_tokens_total{kind="embedding_inputs",model="text-embedding-3-small",provider="openai"} 2`,
		`letta_llm_call_duration_seconds_count{model="gpt-4o-mini",provider="openai"} 3`,
		`letta_errors_total{source="llm"} 1`,
	)
}

func TestInstrumentedProviderKeepsANilEmbedder(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{})
	p := m.InstrumentProviders([]llm.Provider{noEmbedder{}})[0]
	if p.Embedder() != nil {
		t.Errorf("a provider without an embedder gained one")
	}
	if p.Name() != "none" {
		t.Errorf("Name = %q", p.Name())
	}
}

// noEmbedder is a provider with no models and no embedder.
type noEmbedder struct{ llm.Provider }

func (noEmbedder) Name() string           { return "none" }
func (noEmbedder) Embedder() llm.Embedder { return nil }
