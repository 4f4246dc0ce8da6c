package anthropic

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/llm"
)

func TestChatSendsImageBlocks(t *testing.T) {
	t.Parallel()
	f := newFake(t, jsonAnswer(t, 200, "messages-text.response.json"))
	req := userRequest("")
	req.Messages[len(req.Messages)-1].Parts = []llm.Part{
		llm.TextPart("compare these"),
		llm.ImagePart(llm.Image{MediaType: "image/png", Data: "iVBORw0KGgo="}),
		llm.ImagePart(llm.Image{URL: "data:image/webp;base64,UklGRg=="}),
		llm.ImagePart(llm.Image{URL: "https://example.com/cat.jpg", Detail: "high"}),
	}
	if _, err := f.client().Chat(context.Background(), req); err != nil {
		t.Fatalf("Chat: %v", err)
	}
	msgs, _ := f.requests()[0]["messages"].([]any)
	last, _ := msgs[len(msgs)-1].(map[string]any)
	want := []any{
		map[string]any{"type": "text", "text": "compare these"},
		map[string]any{"type": "image", "source": map[string]any{"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
		map[string]any{"type": "image", "source": map[string]any{"type": "base64", "media_type": "image/webp", "data": "UklGRg=="}},
		map[string]any{"type": "image", "source": map[string]any{"type": "url", "url": "https://example.com/cat.jpg"}},
	}
	if diff := cmp.Diff(want, last["content"]); diff != "" {
		t.Errorf("user content (-want +got):\n%s", diff)
	}
}

func TestChatRejectsMalformedDataURL(t *testing.T) {
	t.Parallel()
	f := newFake(t, jsonAnswer(t, 200, "messages-text.response.json"))
	req := userRequest("")
	req.Messages[len(req.Messages)-1].Parts = []llm.Part{llm.ImagePart(llm.Image{URL: "data:image/png,notbase64"})}
	_, err := f.client().Chat(context.Background(), req)
	var apiErr *llm.APIError
	if !errors.As(err, &apiErr) || apiErr.Kind != llm.ErrKindBadRequest {
		t.Fatalf("error %v, want a bad request", err)
	}
	if len(f.requests()) != 0 {
		t.Errorf("the malformed request reached the API")
	}
}
