package agent

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

const pngData = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

func TestUserImagesBecomeParts(t *testing.T) {
	msgs := []*letta.Message{{
		Role: letta.RoleUser,
		Content: []letta.Content{
			{Type: letta.ContentText, Text: "look:"},
			{Type: letta.ContentImage, Source: map[string]any{"type": "base64", "media_type": "image/png", "data": pngData, "detail": "low"}},
			{Type: letta.ContentImage, Source: map[string]any{"type": "url", "url": "https://example.com/cat.png"}},
			{Type: letta.ContentImage, Source: map[string]any{"type": "letta", "file_id": "file-1"}},
		},
	}, {
		Role:    letta.RoleUser,
		Content: []letta.Content{{Type: letta.ContentText, Text: "just text"}},
	}}
	got := toLLMMessages(msgs)
	want := []llm.Part{
		llm.TextPart("look:"),
		llm.ImagePart(llm.Image{MediaType: "image/png", Data: pngData, Detail: "low"}),
		llm.ImagePart(llm.Image{URL: "https://example.com/cat.png"}),
		llm.TextPart(imageUnavailable),
	}
	if diff := cmp.Diff(want, got[0].Parts); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
	if got[1].Parts != nil || got[1].Content != "just text" {
		t.Errorf("a text-only message got parts: %+v", got[1])
	}
}

// TestSendImages: an image-only message and a text+image message reach the
// model as image_url parts, in order, on the turn they are sent and when
// replayed from the store on the next turn; neither is an empty message.
func TestSendImages(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1)
	image := letta.Content{Type: letta.ContentImage, Source: map[string]any{"type": "base64", "media_type": "image/png", "data": pngData}}
	urlImage := letta.Content{Type: letta.ContentImage, Source: map[string]any{"type": "url", "url": "https://example.com/dog.jpg"}}
	send := func(content ...letta.Content) {
		t.Helper()
		f.llm.Enqueue(llmtest.Text("I see it"))
		p := SendParams{Messages: []MessageInput{{Role: letta.RoleUser, Content: content}}, UseAssistantMessage: true}
		if _, err := f.engine.Send(context.Background(), a.ID, p, &collectSink{}); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	imageOnly := []any{map[string]any{"type": "image_url", "image_url": map[string]any{"url": "data:image/png;base64," + pngData}}}
	textAndImage := []any{
		map[string]any{"type": "text", "text": "and this one?"},
		map[string]any{"type": "image_url", "image_url": map[string]any{"url": "https://example.com/dog.jpg"}},
	}

	send(image)
	send(letta.Content{Type: letta.ContentText, Text: "and this one?"}, urlImage)

	reqs := f.llm.Requests()
	if len(reqs) != 2 {
		t.Fatalf("model calls = %d, want 2", len(reqs))
	}
	if diff := cmp.Diff([][]any{imageOnly}, userContents(reqs[0])); diff != "" {
		t.Errorf("first call user contents (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]any{imageOnly, textAndImage}, userContents(reqs[1])); diff != "" {
		t.Errorf("second call user contents (-want +got):\n%s", diff)
	}
}

// userContents is the content array of each user message of a recorded
// request, skipping plain-text ones.
func userContents(r llmtest.Request) [][]any {
	var out [][]any
	msgs, _ := r.Raw["messages"].([]any)
	for _, m := range msgs {
		msg, _ := m.(map[string]any)
		if parts, ok := msg["content"].([]any); ok && msg["role"] == "user" {
			out = append(out, parts)
		}
	}
	return out
}

// TestInitialSequenceKeepsImages: an initial user message keeps its image
// parts after the packed text, so the model sees them.
func TestInitialSequenceKeepsImages(t *testing.T) {
	a := &letta.Agent{ID: "agent-1", AgentType: letta.AgentTypeLettaV1}
	image := letta.Content{Type: letta.ContentImage, Source: map[string]any{"type": "url", "url": "https://example.com/a.png"}}
	msgs, err := openingMessages(a, []MessageInput{{Role: letta.RoleUser, Content: []letta.Content{image}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if len(last.Content) != 2 || last.Content[0].Type != letta.ContentText || !cmp.Equal(last.Content[1], image) {
		t.Fatalf("initial user message content = %+v", last.Content)
	}
	parts := toLLMMessages(msgs[len(msgs)-1:])[0].Parts
	if len(parts) != 2 || parts[1].Image == nil || parts[1].Image.URL != "https://example.com/a.png" {
		t.Errorf("parts sent = %+v", parts)
	}
}
