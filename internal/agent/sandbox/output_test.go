package sandbox

import (
	"strings"
	"testing"
)

// The marker is found whatever the write boundaries, and output before it
// is capped without losing it.
func TestSplitterAcrossWrites(t *testing.T) {
	t.Parallel()
	marker := "<<m-1234>>\n"
	stream := strings.Repeat("out", 50) + "\n" + marker + `{"value": 1}`
	for size := 1; size <= len(stream); size += 7 {
		s := newSplitter(marker, 20, 100)
		for i := 0; i < len(stream); i += size {
			s.Write([]byte(stream[i:min(i+size, len(stream))]))
		}
		s.finish()
		if !s.found || s.after.String() != `{"value": 1}` {
			t.Fatalf("chunk %d: found=%v after=%q", size, s.found, s.after.String())
		}
		if s.before.String() != strings.Repeat("out", 50)[:20] || !s.before.truncated {
			t.Fatalf("chunk %d: before=%q truncated=%v", size, s.before.String(), s.before.truncated)
		}
	}
}

func TestSplitterWithoutMarker(t *testing.T) {
	t.Parallel()
	s := newSplitter("<<m>>\n", 100, 100)
	s.Write([]byte("abc<<m"))
	s.finish()
	if s.found || s.before.String() != "abc<<m" {
		t.Fatalf("found=%v before=%q", s.found, s.before.String())
	}
}
