package anthropic

import (
	"github.com/letta-server/letta-server/internal/llm"
)

// imageSource is the source of an image block: base64 data with its media
// type, or a URL.
type imageSource struct {
	Type      string `json:"type"` // "base64" | "url"
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

// partBlocks maps a user message's parts to text and image blocks, in
// order. Inline data and data: URLs become base64 sources, http(s) URLs
// url sources; empty text parts are dropped (the API rejects them).
func partBlocks(parts []llm.Part) ([]block, error) {
	var out []block
	for _, p := range parts {
		switch {
		case p.Type == llm.PartImage && p.Image != nil:
			mediaType, data, inline, err := p.Image.Inline()
			if err != nil {
				return nil, &llm.APIError{Provider: "anthropic", Kind: llm.ErrKindBadRequest, Message: "image: " + err.Error()}
			}
			src := &imageSource{Type: "url", URL: p.Image.URL}
			if inline {
				src = &imageSource{Type: "base64", MediaType: mediaType, Data: data}
			}
			out = append(out, block{Type: "image", Source: src})
		case p.Type == llm.PartText && p.Text != "":
			out = append(out, block{Type: "text", Text: p.Text})
		}
	}
	return out, nil
}
