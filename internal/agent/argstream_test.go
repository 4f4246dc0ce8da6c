package agent

import "testing"

func TestKwargStreamDecodesAcrossFragments(t *testing.T) {
	want := "He said \"hi\" \\ café 😀\nend"
	raw := `{"n": 1.5, "o": {"x": [1, "}"]}, "message": "He said \"hi\" \\ caf\u00e9 \ud83d\ude00\nend", "x": true}`
	for size := 1; size <= 8; size++ {
		k := kwargStream{key: "message"}
		got := ""
		for i := 0; i < len(raw); i += size {
			got += k.add(raw[i:min(i+size, len(raw))])
		}
		if got != want {
			t.Fatalf("fragments of %d: got %q, want %q", size, got, want)
		}
	}
}

func TestKwargStreamIgnoresOtherAndNonStringValues(t *testing.T) {
	k := kwargStream{key: "message"}
	if got := k.add(`{"messages": "no", "message": 42}`); got != "" {
		t.Fatalf("got %q for a non-string value", got)
	}
}
