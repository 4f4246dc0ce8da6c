package llm

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/letta-server/letta-server/internal/letta"
)

type recordingClient struct{ got ChatRequest }

func (c *recordingClient) Chat(_ context.Context, req ChatRequest) (*ChatResponse, error) {
	c.got = req
	return &ChatResponse{}, nil
}

func (c *recordingClient) ChatStream(_ context.Context, req ChatRequest, _ func(Delta) error) (*ChatResponse, error) {
	c.got = req
	return &ChatResponse{}, nil
}

type stubProvider struct{ client *recordingClient }

func (p stubProvider) Name() string                              { return "stub" }
func (p stubProvider) LLMs() []letta.LLMConfig                   { return nil }
func (p stubProvider) EmbeddingModels() []letta.EmbeddingConfig  { return nil }
func (p stubProvider) DefaultLLM(string) (letta.LLMConfig, bool) { return letta.LLMConfig{}, false }
func (p stubProvider) Client(letta.LLMConfig) (Client, error)    { return p.client, nil }
func (p stubProvider) Embedder() Embedder                        { return nil }

// TestRegistryClientRepairsText: the client the registry hands out repairs
// every request, in both call styles, without touching the caller's data.
func TestRegistryClientRepairsText(t *testing.T) {
	t.Parallel()
	rec := &recordingClient{}
	c, err := NewRegistry(stubProvider{rec}).Client(letta.LLMConfig{ProviderName: letta.Ptr("stub")})
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{
		{Role: RoleUser, Content: "hi \xed\xa0\xbd"},
		{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "c1", Name: "f", Arguments: `{"q":"\ud83d"}`}}},
		{Role: RoleTool, ToolCallID: "c1", Content: "{\"status\":\"OK\",\"message\":\"\\udc00 \xff\"}"},
	}
	for _, call := range []func() error{
		func() error { _, err := c.Chat(context.Background(), ChatRequest{Messages: msgs}); return err },
		func() error {
			_, err := c.ChatStream(context.Background(), ChatRequest{Messages: msgs}, nil)
			return err
		},
	} {
		if err := call(); err != nil {
			t.Fatal(err)
		}
		got := rec.got.Messages
		if got[0].Content != "hi \uFFFD" || got[1].ToolCalls[0].Arguments != `{"q":"\ufffd"}` ||
			got[2].Content != "{\"status\":\"OK\",\"message\":\"\\ufffd \uFFFD\"}" {
			t.Errorf("repaired messages = %+v", got)
		}
		for _, m := range got {
			if !utf8.ValidString(m.Content) {
				t.Errorf("content %q is not valid UTF-8", m.Content)
			}
		}
	}
	if msgs[0].Content != "hi \xed\xa0\xbd" || msgs[1].ToolCalls[0].Arguments != `{"q":"\ud83d"}` {
		t.Errorf("the caller's messages were changed: %+v", msgs)
	}
}
