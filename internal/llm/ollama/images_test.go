package ollama

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// TestChatImages: Ollama's OpenAI API takes base64 images as data: URLs
// and cannot fetch http URLs, which are refused before the call.
func TestChatImages(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewServer(t)
	client := New(Config{BaseURL: srv.URL()}).APIClient()
	request := func(img llm.Image) llm.ChatRequest {
		return llm.ChatRequest{Model: "llava", Messages: []llm.Message{{Role: llm.RoleUser, Parts: []llm.Part{
			llm.TextPart("what is it?"), llm.ImagePart(img),
		}}}}
	}

	srv.Enqueue(llmtest.Text("a dot"))
	if _, err := client.Chat(context.Background(), request(llm.Image{MediaType: "image/jpeg", Data: "/9j/4AAQ"})); err != nil {
		t.Fatalf("Chat: %v", err)
	}
	sent, _ := srv.LastRequest()
	user, _ := sent.Raw["messages"].([]any)[0].(map[string]any)
	want := []any{
		map[string]any{"type": "text", "text": "what is it?"},
		map[string]any{"type": "image_url", "image_url": map[string]any{"url": "data:image/jpeg;base64,/9j/4AAQ"}},
	}
	if diff := cmp.Diff(want, user["content"]); diff != "" {
		t.Errorf("user content (-want +got):\n%s", diff)
	}

	_, err := client.ChatStream(context.Background(), request(llm.Image{URL: "https://example.com/cat.png"}), func(llm.Delta) error { return nil })
	var apiErr *llm.APIError
	if !errors.As(err, &apiErr) || apiErr.Kind != llm.ErrKindBadRequest {
		t.Fatalf("error %v, want a bad request", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1 (the URL image was sent)", n)
	}
}
