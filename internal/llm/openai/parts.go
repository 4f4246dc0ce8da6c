package openai

import (
	goopenai "github.com/sashabaranov/go-openai"

	"github.com/letta-server/letta-server/internal/llm"
)

// wireParts maps multimodal parts to content parts: text as text, images
// as image_url (inline data as a base64 data: URL), in order.
func wireParts(parts []llm.Part) []goopenai.ChatMessagePart {
	out := make([]goopenai.ChatMessagePart, 0, len(parts))
	for _, p := range parts {
		switch {
		case p.Type == llm.PartImage && p.Image != nil:
			out = append(out, goopenai.ChatMessagePart{
				Type: goopenai.ChatMessagePartTypeImageURL,
				ImageURL: &goopenai.ChatMessageImageURL{
					URL:    p.Image.DataURL(),
					Detail: goopenai.ImageURLDetail(p.Image.Detail),
				},
			})
		case p.Type == llm.PartText:
			out = append(out, goopenai.ChatMessagePart{Type: goopenai.ChatMessagePartTypeText, Text: p.Text})
		}
	}
	return out
}

// checkImages refuses image URLs a server that only takes inline images
// (Config.InlineImagesOnly) would fail on, naming the fix.
func (c *Client) checkImages(req llm.ChatRequest) error {
	if !c.cfg.InlineImagesOnly {
		return nil
	}
	for _, m := range req.Messages {
		for _, p := range m.Parts {
			if p.Image == nil {
				continue
			}
			if _, _, inline, err := p.Image.Inline(); err != nil || !inline {
				return &llm.APIError{Provider: c.cfg.Name, Kind: llm.ErrKindBadRequest,
					Message: "this provider takes images only as base64 data, not URLs; send the image as base64"}
			}
		}
	}
	return nil
}
