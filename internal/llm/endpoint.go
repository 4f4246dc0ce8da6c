package llm

import "net/url"

// PublicEndpoint is a provider base URL as it may be shown and stored in an
// agent's llm_config: without the user:password an operator may have put
// in it (for a gateway), since configs are listed, stored and exported.
func PublicEndpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
