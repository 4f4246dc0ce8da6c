package agent

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// kwargStream follows a tool call's JSON arguments as they stream in and
// yields the decoded text of one string argument as it grows, so the reply
// tool's `message` can stream as assistant_message deltas. Escapes split
// across fragments are held back until complete.
type kwargStream struct {
	key  string
	raw  strings.Builder
	sent int // bytes of the decoded value already returned
}

// add appends a fragment of the arguments and returns the newly decoded
// part of the argument's string value ("" when nothing new is complete).
func (k *kwargStream) add(fragment string) string {
	k.raw.WriteString(fragment)
	value, ok := partialStringField(k.raw.String(), k.key)
	if !ok || len(value) <= k.sent {
		return ""
	}
	out := value[k.sent:]
	k.sent = len(value)
	return out
}

// partialStringField scans a possibly incomplete JSON object and returns the
// decoded prefix of the string value of its top-level field key; ok is false
// while that value has not started or is not a string.
func partialStringField(raw, key string) (string, bool) {
	p := jsonScan{s: raw}
	p.ws()
	if !p.eat('{') {
		return "", false
	}
	for {
		p.ws()
		if p.eat(',') {
			continue
		}
		name, complete := p.str()
		if !complete {
			return "", false
		}
		p.ws()
		if !p.eat(':') {
			return "", false
		}
		p.ws()
		if p.done() {
			return "", false
		}
		if name == key {
			if p.s[p.i] != '"' {
				return "", false
			}
			value, _ := p.str()
			return value, true
		}
		if !p.skipValue() {
			return "", false
		}
	}
}

// jsonScan is a cursor over JSON text that may end early.
type jsonScan struct {
	s string
	i int
}

func (p *jsonScan) done() bool { return p.i >= len(p.s) }

func (p *jsonScan) ws() {
	for !p.done() && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *jsonScan) eat(c byte) bool {
	if !p.done() && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str decodes the string at the cursor; complete is false when the text
// ends first, in which case the decoded prefix stops before any escape
// that is not complete yet (a \u high surrogate waits for its pair).
func (p *jsonScan) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	var b strings.Builder
	for !p.done() {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), true
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return b.String(), false
		}
		e := p.s[p.i+1]
		if e != 'u' {
			b.WriteString(simpleEscape(e))
			p.i += 2
			continue
		}
		r, n, ok := p.unicodeEscape(p.i)
		if !ok {
			return b.String(), false
		}
		b.WriteRune(r)
		p.i += n
	}
	return b.String(), false
}

// unicodeEscape decodes \uXXXX at i (with its low surrogate when it is a
// high one) and returns the rune and its length; ok is false while the text
// is incomplete.
func (p *jsonScan) unicodeEscape(i int) (rune, int, bool) {
	hex := func(at int) (rune, bool) {
		if at+6 > len(p.s) {
			return 0, false
		}
		v, err := strconv.ParseUint(p.s[at+2:at+6], 16, 16)
		if err != nil {
			return '\uFFFD', true
		}
		return rune(v), true
	}
	r, ok := hex(i)
	if !ok {
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r) {
		return r, 6, true
	}
	if i+12 > len(p.s) {
		if i+6 < len(p.s) && p.s[i+6] != '\\' {
			return '\uFFFD', 6, true // a lone surrogate
		}
		return 0, 0, false
	}
	if p.s[i+6] != '\\' || p.s[i+7] != 'u' {
		return '\uFFFD', 6, true
	}
	low, _ := hex(i + 6)
	if pair := utf16.DecodeRune(r, low); pair != '\uFFFD' {
		return pair, 12, true
	}
	return '\uFFFD', 6, true
}

// simpleEscape is the text of a one-letter JSON escape.
func simpleEscape(e byte) string {
	switch e {
	case 'n':
		return "\n"
	case 't':
		return "\t"
	case 'r':
		return "\r"
	case 'b':
		return "\b"
	case 'f':
		return "\f"
	}
	return string(e) // \" \\ \/
}

// skipValue moves past one complete JSON value; false when the text ends
// first.
func (p *jsonScan) skipValue() bool {
	if p.done() {
		return false
	}
	switch p.s[p.i] {
	case '"':
		_, ok := p.str()
		return ok
	case '{', '[':
		depth := 0
		for !p.done() {
			switch p.s[p.i] {
			case '"':
				if _, ok := p.str(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			p.i++
			if depth == 0 {
				return true
			}
		}
		return false
	}
	for !p.done() && strings.IndexByte(",}] \t\r\n", p.s[p.i]) < 0 {
		p.i++
	}
	return !p.done()
}
