package providertest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/anthropic"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/llm/vertex"
)

// TestDisabledProviderNamesItsVariable: a handle no enabled provider serves
// is a validation error at agent creation that names the variable to set.
func TestDisabledProviderNamesItsVariable(t *testing.T) {
	t.Parallel()
	e := engine(t, openai.New(openai.Config{APIKey: "sk-test", BaseURL: "http://127.0.0.1:1/v1"}))
	tests := map[string]string{
		"xai/grok-4":                     "XAI_API_KEY",
		"anthropic/claude-sonnet-4-5":    "ANTHROPIC_API_KEY",
		"google_vertex/gemini-2.5-flash": "GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION",
		"ollama/llama3.2":                "OLLAMA_BASE_URL",
		"vllm/Qwen/Qwen3-0.6B":           "VLLM_API_BASE",
	}
	for handle, env := range tests {
		t.Run(handle, func(t *testing.T) {
			t.Parallel()
			_, err := e.CreateAgent(context.Background(), agent.CreateAgentParams{Model: letta.Ptr(handle)})
			var verr *agent.ValidationError
			if !errors.As(err, &verr) || !strings.Contains(err.Error(), "set "+env) {
				t.Errorf("CreateAgent(%s) = %v, want a validation error naming %s", handle, err, env)
			}
		})
	}
}

// TestFullLLMConfigWinsOverHandle: with both model and a full llm_config,
// the llm_config is used (Letta resolves the handle only without one).
func TestFullLLMConfigWinsOverHandle(t *testing.T) {
	t.Parallel()
	e := engine(t, openai.New(openai.Config{Name: "vllm", BaseURL: "http://127.0.0.1:1/v1"}))
	a, err := e.CreateAgent(context.Background(), agent.CreateAgentParams{
		Model: letta.Ptr("vllm/other-model"),
		LLMConfig: &letta.LLMConfig{
			Model: "my-model", ModelEndpointType: "vllm", ContextWindow: 32768,
			ModelEndpoint: letta.Ptr("http://127.0.0.1:1/v1"), ProviderName: letta.Ptr("vllm"),
		},
	})
	if err != nil {
		t.Fatalf("CreateAgent: %v", err)
	}
	if a.LLMConfig.Model != "my-model" || a.LLMConfig.ContextWindow != 32768 {
		t.Errorf("llm_config = %+v, want the given one", a.LLMConfig)
	}
}

// TestContextWindows: each provider's known models carry their windows.
func TestContextWindows(t *testing.T) {
	t.Parallel()
	vp, err := vertex.New(context.Background(), vertex.Config{Project: "p", Location: "us-central1", HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	reg := llm.NewRegistry(
		openai.New(openai.Config{APIKey: "k"}),
		openai.New(openai.Config{Name: "xai", APIKey: "k"}),
		anthropic.New(anthropic.Config{APIKey: "k"}),
		vp,
	)
	tests := map[string]int{
		"openai/gpt-4o-mini":                  128000,
		"openai/gpt-4.1":                      1047576,
		"xai/grok-3":                          131072,
		"xai/grok-3-mini":                     131072,
		"xai/grok-4":                          256000,
		"anthropic/claude-sonnet-4-5":         200000,
		"anthropic/claude-3-opus-20240229":    200000,
		"google_vertex/gemini-2.5-pro":        1048576,
		"google_vertex/gemini-2.0-flash-001":  1048576,
		"google_vertex/gemini-2.5-flash-lite": 1048576,
	}
	for handle, want := range tests {
		c, err := reg.ResolveLLM(handle)
		if err != nil {
			t.Errorf("ResolveLLM(%s): %v", handle, err)
			continue
		}
		if c.ContextWindow != want || letta.Deref(c.Handle) != handle {
			t.Errorf("ResolveLLM(%s) = window %d handle %s, want %d", handle, c.ContextWindow, letta.Deref(c.Handle), want)
		}
	}
	if _, err := reg.ResolveLLM("xai/grok-99"); !errors.Is(err, llm.ErrUnknownModel) {
		t.Errorf("unknown xai model: %v, want ErrUnknownModel (official endpoint serves known models only)", err)
	}
	if c, err := reg.ResolveEmbedding("google_vertex/text-embedding-005"); err != nil || c.EmbeddingDim != 768 {
		t.Errorf("vertex embedding = %+v, %v", c, err)
	}
}
