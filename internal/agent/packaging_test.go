package agent

import (
	"strings"
	"testing"
	"time"
)

func TestPackageToolReturn(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 5, 30, 10, 15, 42, 0, time.UTC)
	tests := []struct {
		name string
		ok   bool
		msg  any
		want string
	}{
		{"none", true, nil, "{\n  \"status\": \"OK\",\n  \"message\": \"None\",\n  \"time\": \"2025-05-30 10:15:42 AM UTC+0000\"\n}"},
		{"failed <html>", false, "bad <x> & ü", "{\n  \"status\": \"Failed\",\n  \"message\": \"bad <x> & ü\",\n  \"time\": \"2025-05-30 10:15:42 AM UTC+0000\"\n}"},
		{"object", true, map[string]any{"message": "No results found.", "results": []any{}}, "{\n  \"status\": \"OK\",\n  \"message\": {\n    \"message\": \"No results found.\",\n    \"results\": []\n  },\n  \"time\": \"2025-05-30 10:15:42 AM UTC+0000\"\n}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := packageToolReturn(tt.ok, tt.msg, at, "UTC"); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	if got := truncateReturn(strings.Repeat("a", 12), 10); got != "aaaaaaaaaa... [NOTE: function output was truncated since it exceeded the character limit (12 > 10)]" {
		t.Errorf("truncate = %q", got)
	}
	if got := setArgument(`{"message": "hi", "b": 1}`, "request_heartbeat", true); got != `{"message": "hi", "b": 1, "request_heartbeat": true}` {
		t.Errorf("setArgument = %s", got)
	}
}
