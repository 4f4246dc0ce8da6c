package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/letta-server/letta-server/internal/api"
)

// corsOrigins parses LETTA_CORS_ORIGINS: a comma-separated list, or a JSON
// array as Letta's own server reads it. Unset means Letta's defaults (its
// web ADE and localhost); "none" allows no browser origin; "*" any.
func corsOrigins(raw string) ([]string, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return append([]string(nil), api.DefaultCORSOrigins...), nil
	case strings.EqualFold(raw, "none"):
		return []string{}, nil
	}
	var list []string
	if strings.HasPrefix(raw, "[") {
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			return nil, fmt.Errorf("invalid LETTA_CORS_ORIGINS: not a JSON array of strings: %w", err)
		}
	} else {
		list = strings.Split(raw, ",")
	}
	out := []string{}
	var bad []string
	for _, o := range list {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		if o != "*" && !validOrigin(o) {
			bad = append(bad, o)
			continue
		}
		out = append(out, o)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("invalid LETTA_CORS_ORIGINS: %q: want origins like https://app.letta.com (scheme and host, no path), separated by commas", bad)
	}
	return out, nil
}

// validOrigin accepts scheme://host[:port] with no path, query or user.
func validOrigin(o string) bool {
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.User == nil && u.Fragment == ""
}

// basePathPattern is what LETTA_BASE_PATH may hold: slash-separated
// segments of URL-safe characters.
var basePathPattern = regexp.MustCompile(`^/?[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/?$`)

// validateBasePath checks LETTA_BASE_PATH ("" is fine: no prefix).
func validateBasePath(p string) error {
	if p == "" || p == "/" {
		return nil
	}
	if !basePathPattern.MatchString(p) {
		return fmt.Errorf("invalid LETTA_BASE_PATH %q: want a path prefix such as /letta", p)
	}
	return nil
}
