package llm

import "testing"

func TestPublicEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"http://admin:hunter2@gw.local/v1": "http://gw.local/v1",
		"http://token@gw.local/v1":         "http://gw.local/v1",
		"https://api.openai.com/v1":        "https://api.openai.com/v1",
		"not a url %zz":                    "not a url %zz",
	} {
		if got := PublicEndpoint(in); got != want {
			t.Errorf("PublicEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
}
