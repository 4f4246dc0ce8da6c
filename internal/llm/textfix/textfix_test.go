package textfix

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"valid text is unchanged", "héllo 😀", "héllo 😀"},
		{"lone high surrogate (WTF-8)", "a\xed\xa0\xbdb", "a\uFFFDb"},
		{"lone low surrogate (WTF-8)", "a\xed\xb8\x80b", "a\uFFFDb"},
		{"split pair is joined", "\xed\xa0\xbd\xed\xb8\x80!", "😀!"},
		{"reversed pair is two replacements", "\xed\xb8\x80\xed\xa0\xbd", "\uFFFD\uFFFD"},
		{"invalid byte", "ok\xffok", "ok\uFFFDok"},
		{"truncated sequence at end", "end\xe2\x82", "end\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := String(tt.in)
			if got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("String(%q) = %q is not valid UTF-8", tt.in, got)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"no escapes", `{"a":"b"}`, `{"a":"b"}`},
		{"lone high surrogate escape", `{"message":"hi \ud83d"}`, `{"message":"hi \ufffd"}`},
		{"lone low surrogate escape", `{"m":"\uDE00x"}`, `{"m":"\ufffdx"}`},
		{"valid pair kept", `{"m":"\ud83d\ude00"}`, `{"m":"\ud83d\ude00"}`},
		{"high then non-surrogate", `{"m":"\ud83d\u0041"}`, `{"m":"\ufffd\u0041"}`},
		{"escaped backslash is literal text", `{"m":"\\ud83d"}`, `{"m":"\\ud83d"}`},
		{"other escapes untouched", `{"m":"a\n\"\u00e9"}`, `{"m":"a\n\"\u00e9"}`},
		{"high surrogate at end", `"\ud83d"`, `"\ufffd"`},
		{"invalid bytes too", "{\"m\":\"\xff\"}", "{\"m\":\"\uFFFD\"}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := JSON(tt.in)
			if got != tt.want {
				t.Errorf("JSON(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzJSON checks that the repaired text is always valid UTF-8 and that
// valid JSON stays valid JSON.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"a":"\ud83d"}`, `"\\ud83d"`, "\xed\xa0\xbd", `"\ud83d\ude00"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := JSON(s)
		if !utf8.ValidString(got) {
			t.Fatalf("JSON(%q) = %q is not valid UTF-8", s, got)
		}
		if json.Valid([]byte(s)) && !json.Valid([]byte(got)) {
			t.Fatalf("JSON(%q) = %q is no longer valid JSON", s, got)
		}
	})
}
