package vertex

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/llm"
)

func TestRequestSendsImageParts(t *testing.T) {
	t.Parallel()
	f := newFake(t, jsonAnswer(t, 200, "generate-content-text.response.json"))
	req := llm.ChatRequest{
		Model: "gemini-2.5-flash",
		Messages: []llm.Message{{Role: llm.RoleUser, Parts: []llm.Part{
			llm.TextPart("what is this?"),
			llm.ImagePart(llm.Image{MediaType: "image/png", Data: "iVBORw0KGgo="}),
			llm.ImagePart(llm.Image{URL: "data:image/gif;base64,R0lGODlh"}),
			llm.ImagePart(llm.Image{URL: "https://example.com/a/cat.JPG?size=2"}),
		}}},
	}
	if _, err := f.provider(t).APIClient().Chat(context.Background(), req); err != nil {
		t.Fatalf("Chat: %v", err)
	}
	_, bodies := f.calls()
	want := []any{map[string]any{"role": "user", "parts": []any{
		map[string]any{"text": "what is this?"},
		map[string]any{"inlineData": map[string]any{"mimeType": "image/png", "data": "iVBORw0KGgo="}},
		map[string]any{"inlineData": map[string]any{"mimeType": "image/gif", "data": "R0lGODlh"}},
		map[string]any{"fileData": map[string]any{"mimeType": "image/jpeg", "fileUri": "https://example.com/a/cat.JPG?size=2"}},
	}}}
	if diff := cmp.Diff(want, bodies[0]["contents"]); diff != "" {
		t.Errorf("contents (-want +got):\n%s", diff)
	}
}

func TestRequestRejectsUntypedImageURL(t *testing.T) {
	t.Parallel()
	f := newFake(t, jsonAnswer(t, 200, "generate-content-text.response.json"))
	req := llm.ChatRequest{Model: "gemini-2.5-flash", Messages: []llm.Message{{Role: llm.RoleUser, Parts: []llm.Part{
		llm.ImagePart(llm.Image{URL: "https://example.com/image"}),
	}}}}
	_, err := f.provider(t).APIClient().Chat(context.Background(), req)
	var apiErr *llm.APIError
	if !errors.As(err, &apiErr) || apiErr.Kind != llm.ErrKindBadRequest || !strings.Contains(apiErr.Message, "base64") {
		t.Fatalf("error %v, want a bad request telling to send base64", err)
	}
	if calls, _ := f.calls(); len(calls) != 0 {
		t.Errorf("the request reached the API: %v", calls)
	}
}
