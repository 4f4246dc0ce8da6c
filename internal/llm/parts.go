package llm

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Part types of a multimodal message.
const (
	PartText  = "text"
	PartImage = "image"
)

// Part is one part of a multimodal user message: text or an image.
type Part struct {
	Type  string // PartText | PartImage
	Text  string
	Image *Image
}

// Image is an image for a vision model: either a URL (http, https or a
// data: URL) or base64 Data with its MediaType. Detail is OpenAI's
// resolution hint ("auto", "low", "high"); other providers ignore it.
type Image struct {
	URL       string
	MediaType string
	Data      string
	Detail    string
}

// TextPart is a text part.
func TextPart(text string) Part { return Part{Type: PartText, Text: text} }

// ImagePart is an image part.
func ImagePart(img Image) Part { return Part{Type: PartImage, Image: &img} }

// HasImages reports whether the message carries an image part.
func (m Message) HasImages() bool {
	for _, p := range m.Parts {
		if p.Type == PartImage && p.Image != nil {
			return true
		}
	}
	return false
}

// ErrDataURL: a data: URL that is not base64 image data.
var ErrDataURL = errors.New("malformed data URL")

// Inline returns the image as media type and base64 data: Data as is, a
// data: URL decoded into its parts. ok is false for an http(s) URL.
func (img Image) Inline() (mediaType, data string, ok bool, err error) {
	if img.URL == "" {
		return img.MediaType, img.Data, true, nil
	}
	rest, isData := strings.CutPrefix(img.URL, "data:")
	if !isData {
		return "", "", false, nil
	}
	meta, payload, found := strings.Cut(rest, ",")
	mt, isBase64 := strings.CutSuffix(meta, ";base64")
	if !found || !isBase64 || mt == "" {
		return "", "", false, fmt.Errorf("%w: want data:<media type>;base64,<data>", ErrDataURL)
	}
	return mt, payload, true, nil
}

// DataURL returns the image as a URL: URL as is, Data as a base64 data: URL.
func (img Image) DataURL() string {
	if img.URL != "" {
		return img.URL
	}
	return "data:" + img.MediaType + ";base64," + img.Data
}

// Bytes decodes inline image data (standard base64, padded or not).
func (img Image) Bytes() ([]byte, error) {
	_, data, ok, err := img.Inline()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("image is a URL, not inline data")
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		if b2, err2 := base64.RawStdEncoding.DecodeString(strings.TrimRight(data, "=")); err2 == nil {
			return b2, nil
		}
		return nil, fmt.Errorf("decode image data: %w", err)
	}
	return b, nil
}
