package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

const tinyPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

// TestSendImages: image parts reach the model as image_url parts (an
// image-only message and a text+image one), and the stored user messages
// render their parts array back.
func TestSendImages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a letta.Agent
	e.ok("POST", "/v1/agents", map[string]any{"agent_type": "letta_v1_agent", "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-ada-002"}, &a)
	path := "/v1/agents/" + a.ID + "/messages"
	base64Image := map[string]any{"type": "image", "source": map[string]any{"type": "base64", "media_type": "image/png", "data": tinyPNG}}
	urlImage := map[string]any{"type": "image", "source": map[string]any{"type": "url", "url": "https://example.com/cat.jpg", "detail": "low"}}

	e.llm.Enqueue(llmtest.Text("a pixel"))
	e.ok("POST", path, map[string]any{"messages": []any{map[string]any{"role": "user", "content": []any{base64Image}}}}, nil)
	e.llm.Enqueue(llmtest.Text("a cat"))
	e.ok("POST", path, map[string]any{"messages": []any{map[string]any{"role": "user", "content": []any{
		map[string]any{"type": "text", "text": "and this?"}, urlImage,
	}}}}, nil)

	reqs := e.llm.Requests()
	if len(reqs) != 2 {
		t.Fatalf("model calls = %d, want 2", len(reqs))
	}
	wantImageOnly := []any{map[string]any{"type": "image_url", "image_url": map[string]any{"url": "data:image/png;base64," + tinyPNG}}}
	wantTextImage := []any{
		map[string]any{"type": "text", "text": "and this?"},
		map[string]any{"type": "image_url", "image_url": map[string]any{"url": "https://example.com/cat.jpg", "detail": "low"}},
	}
	if diff := cmp.Diff([]any{wantImageOnly, wantTextImage}, arrayUserContents(reqs[1].Raw)); diff != "" {
		t.Errorf("user contents of the second call (-want +got):\n%s", diff)
	}

	var listed []map[string]any
	e.ok("GET", path+"?limit=50", nil, &listed)
	var rendered []any
	for _, m := range listed {
		if m["message_type"] == "user_message" {
			if parts, ok := m["content"].([]any); ok {
				rendered = append(rendered, parts)
			}
		}
	}
	want := []any{[]any{base64Image}, []any{map[string]any{"type": "text", "text": "and this?"}, urlImage}}
	if diff := cmp.Diff(want, rendered); diff != "" {
		t.Errorf("rendered user_message content (-want +got):\n%s", diff)
	}
}

func arrayUserContents(body map[string]any) []any {
	var out []any
	msgs, _ := body["messages"].([]any)
	for _, m := range msgs {
		msg, _ := m.(map[string]any)
		if parts, ok := msg["content"].([]any); ok && msg["role"] == "user" {
			out = append(out, parts)
		}
	}
	return out
}

// TestSendImageValidation: a bad image source is a 422 naming the field,
// and nothing is stored or sent to the model.
func TestSendImageValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a letta.Agent
	e.ok("POST", "/v1/agents", map[string]any{"agent_type": "letta_v1_agent", "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-ada-002"}, &a)
	path := "/v1/agents/" + a.ID + "/messages"
	var before []json.RawMessage
	e.ok("GET", path, nil, &before)
	tests := []struct {
		name      string
		source    any
		wantField string
		wantMsg   string
	}{
		{"no source", nil, `"source"]`, "Field required"},
		{"unknown type", map[string]any{"type": "s3", "url": "s3://b/k"}, `"source","type"]`, "not supported"},
		{"no type", map[string]any{"url": "https://example.com/a.png"}, `"source","type"]`, "Field required"},
		{"url missing", map[string]any{"type": "url"}, `"source","url"]`, "Field required"},
		{"ftp url", map[string]any{"type": "url", "url": "ftp://example.com/a.png"}, `"source","url"]`, "http, https or data"},
		{"relative url", map[string]any{"type": "url", "url": "/a.png"}, `"source","url"]`, "http, https or data"},
		{"data url not image", map[string]any{"type": "url", "url": "data:text/plain;base64,aGk="}, `"source","url"]`, "Data URLs"},
		{"base64 no media type", map[string]any{"type": "base64", "data": tinyPNG}, `"source","media_type"]`, "Field required"},
		{"base64 svg", map[string]any{"type": "base64", "media_type": "image/svg+xml", "data": tinyPNG}, `"source","media_type"]`, "not supported"},
		{"base64 no data", map[string]any{"type": "base64", "media_type": "image/png"}, `"source","data"]`, "Field required"},
		{"base64 not base64", map[string]any{"type": "base64", "media_type": "image/png", "data": "not base64!"}, `"source","data"]`, "base64"},
		{"bad detail", map[string]any{"type": "base64", "media_type": "image/png", "data": tinyPNG, "detail": "ultra"}, `"source","detail"]`, "'auto', 'low' or 'high'"},
		{"letta file", map[string]any{"type": "letta", "file_id": "file-123"}, `"source","type"]`, "not supported"},
	}
	for _, tt := range tests {
		part := map[string]any{"type": "image"}
		if tt.source != nil {
			part["source"] = tt.source
		}
		for _, body := range []map[string]any{
			{"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "see"}, part}}}},
			{"input": []any{part}},
		} {
			r := e.do("POST", path, body)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, body %s", tt.name, r.status, r.body)
				continue
			}
			if d := r.detail(t); !strings.Contains(d, tt.wantField) || !strings.Contains(d, tt.wantMsg) {
				t.Errorf("%s: detail %s, want field %s and %q", tt.name, d, tt.wantField, tt.wantMsg)
			}
		}
	}
	var after []json.RawMessage
	e.ok("GET", path, nil, &after)
	if len(after) != len(before) || len(e.llm.Requests()) != 0 {
		t.Errorf("rejected input changed something: %d → %d messages, %d model calls", len(before), len(after), len(e.llm.Requests()))
	}
}
