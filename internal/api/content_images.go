package api

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// imageMediaTypes are the image types the vision models take.
var imageMediaTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// imageDetails are the accepted values of an image source's detail.
var imageDetails = []string{"auto", "low", "high"}

// validateImageSource checks an image part's source at loc: {type: "url",
// url} with an http, https or base64 data: URL, or {type: "base64",
// media_type, data, detail?}. A "letta" source names an uploaded file,
// and this server keeps no file store.
func validateImageSource(fe *fieldErrors, source map[string]any, loc ...any) {
	at := func(field string) []any { return append(append([]any{}, loc...), field) }
	if source == nil {
		fe.add("Field required", loc...)
		return
	}
	str := func(k string) (string, bool) { s, ok := source[k].(string); return s, ok }
	if d, present := source["detail"]; present && d != nil {
		if s, _ := d.(string); !slices.Contains(imageDetails, s) {
			fe.add("Input should be 'auto', 'low' or 'high'", at("detail")...)
		}
	}
	typ, _ := str("type")
	switch typ {
	case "url":
		u, _ := str("url")
		if u == "" {
			fe.add("Field required", at("url")...)
		} else if msg := checkImageURL(u); msg != "" {
			fe.add(msg, at("url")...)
		}
	case "base64":
		mt, _ := str("media_type")
		if mt == "" {
			fe.add("Field required", at("media_type")...)
		} else if !slices.Contains(imageMediaTypes, mt) {
			fe.add(fmt.Sprintf("Image media type %q is not supported; use %s", mt, strings.Join(imageMediaTypes, ", ")), at("media_type")...)
		}
		data, _ := str("data")
		if data == "" {
			fe.add("Field required", at("data")...)
		} else if !isBase64(data) {
			fe.add("Input should be base64-encoded image data", at("data")...)
		}
	case "letta":
		fe.add("Image sources of type \"letta\" (uploaded files) are not supported; send the image as \"base64\" or \"url\"", at("type")...)
	case "":
		fe.add("Field required", at("type")...)
	default:
		fe.add(fmt.Sprintf("Image source type %q is not supported; use \"url\" or \"base64\"", typ), at("type")...)
	}
}

// checkImageURL returns what is wrong with an image URL, or "".
func checkImageURL(raw string) string {
	if rest, ok := strings.CutPrefix(raw, "data:"); ok {
		meta, data, found := strings.Cut(rest, ",")
		mt, base64Meta := strings.CutSuffix(meta, ";base64")
		if !found || !base64Meta || !slices.Contains(imageMediaTypes, mt) || !isBase64(data) {
			return "Data URLs must be data:<" + strings.Join(imageMediaTypes, "|") + ">;base64,<data>"
		}
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "Input should be an http, https or data URL"
	}
	return ""
}

// isBase64 reports whether s is standard base64 (padding optional).
func isBase64(s string) bool {
	if s == "" {
		return false
	}
	if _, err := base64.StdEncoding.DecodeString(s); err == nil {
		return true
	}
	_, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return err == nil
}
