package vertex

import (
	"fmt"
	"mime"
	"net/url"
	"path"
	"strings"

	"google.golang.org/genai"

	"github.com/letta-server/letta-server/internal/llm"
)

// wireParts maps a user message's parts to genai parts, in order: inline
// image data (and data: URLs) as inlineData, http(s) URLs as fileData with
// the media type their extension names. A URL whose type cannot be told
// is an error: Gemini needs the type and this server does not fetch.
func wireParts(parts []llm.Part) ([]*genai.Part, error) {
	var out []*genai.Part
	for i, p := range parts {
		switch {
		case p.Type == llm.PartImage && p.Image != nil:
			part, err := imagePart(*p.Image)
			if err != nil {
				return nil, &llm.APIError{Provider: "vertex", Kind: llm.ErrKindBadRequest, Message: fmt.Sprintf("image %d: %v", i, err)}
			}
			out = append(out, part)
		case p.Type == llm.PartText && p.Text != "":
			out = append(out, &genai.Part{Text: p.Text})
		}
	}
	return out, nil
}

func imagePart(img llm.Image) (*genai.Part, error) {
	mediaType, _, inline, err := img.Inline()
	if err != nil {
		return nil, err
	}
	if inline {
		data, err := img.Bytes()
		if err != nil {
			return nil, err
		}
		return &genai.Part{InlineData: &genai.Blob{MIMEType: mediaType, Data: data}}, nil
	}
	mediaType = urlImageType(img.URL)
	if mediaType == "" {
		return nil, fmt.Errorf("cannot tell the image type of URL %q from its extension; send the image as base64", img.URL)
	}
	return &genai.Part{FileData: &genai.FileData{FileURI: img.URL, MIMEType: mediaType}}, nil
}

// urlImageType is the image media type a URL's path extension names, or "".
func urlImageType(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	t, _, _ := strings.Cut(mime.TypeByExtension(strings.ToLower(path.Ext(u.Path))), ";")
	if !strings.HasPrefix(t, "image/") {
		return ""
	}
	return t
}
