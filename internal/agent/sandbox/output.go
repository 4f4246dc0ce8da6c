package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// capped keeps the first limit bytes written to it and notes the rest.
type capped struct {
	buf       bytes.Buffer // not embedded: io.Copy must not bypass Write via ReadFrom
	limit     int
	truncated bool
}

// Write never fails: bytes past the limit are dropped.
func (c *capped) Write(p []byte) (int, error) {
	room := c.limit - c.buf.Len()
	if room < len(p) {
		c.truncated = true
		if room > 0 {
			c.buf.Write(p[:room])
		}
		return len(p), nil
	}
	c.buf.Write(p)
	return len(p), nil
}

// String returns what was kept.
func (c *capped) String() string { return c.buf.String() }

// Bytes returns what was kept.
func (c *capped) Bytes() []byte { return c.buf.Bytes() }

// splitter separates the tool's stdout from the runner's result: bytes
// before the first marker are the tool's output, bytes after it the result.
// It finds the marker across write boundaries, however much the tool
// printed first.
type splitter struct {
	marker []byte
	carry  []byte // a tail that may be the start of the marker
	found  bool
	before capped
	after  capped
}

func newSplitter(marker string, maxOutput, maxResult int) *splitter {
	return &splitter{marker: []byte(marker), before: capped{limit: maxOutput}, after: capped{limit: maxResult}}
}

// Write routes p; it never fails.
func (s *splitter) Write(p []byte) (int, error) {
	if s.found {
		return s.after.Write(p)
	}
	data := append(s.carry, p...)
	if i := bytes.Index(data, s.marker); i >= 0 {
		s.before.Write(bytes.TrimSuffix(data[:i], []byte("\n")))
		s.found = true
		s.carry = nil
		s.after.Write(data[i+len(s.marker):])
		return len(p), nil
	}
	keep := len(s.marker) - 1
	if len(data) <= keep {
		s.carry = data
		return len(p), nil
	}
	s.before.Write(data[:len(data)-keep])
	s.carry = append([]byte(nil), data[len(data)-keep:]...)
	return len(p), nil
}

// finish flushes a held-back tail once the stream ended without a marker.
func (s *splitter) finish() {
	if !s.found {
		s.before.Write(s.carry)
		s.carry = nil
	}
}

// newMarker returns a line no tool prints by chance.
func newMarker() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make result marker: %w", err)
	}
	return "<<letta-tool-result-" + hex.EncodeToString(b) + ">>\n", nil
}
