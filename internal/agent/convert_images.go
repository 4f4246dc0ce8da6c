package agent

import (
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
)

// imageUnavailable stands in for a stored image whose source the model
// cannot be given, so the turn never reaches it empty.
const imageUnavailable = "[image unavailable]"

// userParts converts a user message's content to multimodal parts, in
// order, when it holds an image; nil otherwise (the text alone is sent).
func userParts(content []letta.Content) []llm.Part {
	hasImage := false
	for _, c := range content {
		if c.Type == letta.ContentImage {
			hasImage = true
			break
		}
	}
	if !hasImage {
		return nil
	}
	parts := make([]llm.Part, 0, len(content))
	for _, c := range content {
		switch c.Type {
		case letta.ContentText:
			parts = append(parts, llm.TextPart(c.Text))
		case letta.ContentImage:
			if img, ok := imageOf(c.Source); ok {
				parts = append(parts, llm.ImagePart(img))
			} else {
				parts = append(parts, llm.TextPart(imageUnavailable))
			}
		}
	}
	return parts
}

// imageOf reads an image source: {type: url, url} or {type: base64,
// media_type, data, detail}; a letta file source counts when it carries
// its data inline.
func imageOf(source map[string]any) (llm.Image, bool) {
	str := func(k string) string { s, _ := source[k].(string); return s }
	detail := str("detail")
	switch str("type") {
	case "url":
		if u := str("url"); u != "" {
			return llm.Image{URL: u, Detail: detail}, true
		}
	case "base64", "letta":
		if mt, data := str("media_type"), str("data"); mt != "" && data != "" {
			return llm.Image{MediaType: mt, Data: data, Detail: detail}, true
		}
	}
	return llm.Image{}, false
}

// imagesOf returns the image parts of content, in order.
func imagesOf(content []letta.Content) []letta.Content {
	var out []letta.Content
	for _, c := range content {
		if c.Type == letta.ContentImage {
			out = append(out, c)
		}
	}
	return out
}
