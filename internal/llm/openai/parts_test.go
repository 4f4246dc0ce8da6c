package openai

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

func TestChatSendsImageParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		parts []llm.Part
		want  []any
	}{
		{
			name:  "image only, base64",
			parts: []llm.Part{llm.ImagePart(llm.Image{MediaType: "image/png", Data: "iVBORw0KGgo="})},
			want:  []any{map[string]any{"type": "image_url", "image_url": map[string]any{"url": "data:image/png;base64,iVBORw0KGgo="}}},
		},
		{
			name: "text then url image with detail",
			parts: []llm.Part{
				llm.TextPart("what is this?"),
				llm.ImagePart(llm.Image{URL: "https://example.com/cat.jpg", Detail: "low"}),
			},
			want: []any{
				map[string]any{"type": "text", "text": "what is this?"},
				map[string]any{"type": "image_url", "image_url": map[string]any{"url": "https://example.com/cat.jpg", "detail": "low"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, Config{})
			srv.Enqueue(llmtest.Text("a cat"))
			req := userRequest("")
			req.Messages[1].Parts = tt.parts
			if _, err := c.Chat(context.Background(), req); err != nil {
				t.Fatalf("Chat: %v", err)
			}
			sent, _ := srv.LastRequest()
			msgs, _ := sent.Raw["messages"].([]any)
			if len(msgs) != 2 {
				t.Fatalf("messages %v", sent.Raw["messages"])
			}
			user, _ := msgs[1].(map[string]any)
			if diff := cmp.Diff(tt.want, user["content"]); diff != "" {
				t.Errorf("user content (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChatTextOnlyPartsStayAString(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, Config{})
	srv.Enqueue(llmtest.Text("ok"))
	req := userRequest("hello")
	req.Messages[1].Parts = []llm.Part{llm.TextPart("hello")}
	if _, err := c.Chat(context.Background(), req); err != nil {
		t.Fatalf("Chat: %v", err)
	}
	sent, _ := srv.LastRequest()
	user, _ := sent.Raw["messages"].([]any)[1].(map[string]any)
	if user["content"] != "hello" {
		t.Errorf("content %#v, want the plain string", user["content"])
	}
}
