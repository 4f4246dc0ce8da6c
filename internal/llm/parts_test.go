package llm

import (
	"errors"
	"testing"
)

func TestImageInline(t *testing.T) {
	tests := []struct {
		name               string
		img                Image
		wantType, wantData string
		wantInline         bool
		wantErr            error
	}{
		{"base64", Image{MediaType: "image/png", Data: "AAAA"}, "image/png", "AAAA", true, nil},
		{"data url", Image{URL: "data:image/gif;base64,R0lG"}, "image/gif", "R0lG", true, nil},
		{"http url", Image{URL: "https://example.com/a.png"}, "", "", false, nil},
		{"data url without base64", Image{URL: "data:image/png,raw"}, "", "", false, ErrDataURL},
		{"data url without type", Image{URL: "data:;base64,AAAA"}, "", "", false, ErrDataURL},
	}
	for _, tt := range tests {
		mt, data, inline, err := tt.img.Inline()
		if mt != tt.wantType || data != tt.wantData || inline != tt.wantInline || !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: got %q %q %v %v", tt.name, mt, data, inline, err)
		}
	}
	if got := (Image{MediaType: "image/webp", Data: "UklG"}).DataURL(); got != "data:image/webp;base64,UklG" {
		t.Errorf("DataURL = %q", got)
	}
	if b, err := (Image{URL: "data:image/png;base64,aGk"}).Bytes(); err != nil || string(b) != "hi" {
		t.Errorf("Bytes of unpadded data = %q, %v", b, err)
	}
	if (Message{Parts: []Part{TextPart("x")}}).HasImages() || !(Message{Parts: []Part{ImagePart(Image{URL: "u"})}}).HasImages() {
		t.Error("HasImages is wrong")
	}
}
