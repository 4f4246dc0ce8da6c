// Package textfix repairs text before it is sent to a model provider:
// invalid UTF-8 (including UTF-16 surrogates encoded on their own, as
// Python's surrogateescape and WTF-8 produce) and, in JSON text, escaped
// lone surrogates such as "\ud83d". Provider JSON parsers reject both, and
// one bad byte in a tool's output would otherwise fail every later step of
// the agent. Valid text is returned unchanged, without copying.
package textfix

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// String returns s as valid UTF-8. A surrogate pair whose halves were
// encoded separately (CESU-8 / WTF-8) is joined into its character; any
// other invalid byte sequence becomes U+FFFD.
func String(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size > 1 {
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		if hi, ok := encodedSurrogate(s[i:]); ok {
			if lo, ok := encodedSurrogate(s[i+3:]); ok && utf16.IsSurrogate(hi) && hi < 0xDC00 && lo >= 0xDC00 {
				b.WriteRune(utf16.DecodeRune(hi, lo))
				i += 6
				continue
			}
			b.WriteRune(utf8.RuneError)
			i += 3
			continue
		}
		b.WriteRune(utf8.RuneError)
		i++
	}
	return b.String()
}

// encodedSurrogate decodes a UTF-16 surrogate written as three UTF-8-style
// bytes (ED A0..BF 80..BF), which Go's decoder rejects.
func encodedSurrogate(s string) (rune, bool) {
	if len(s) < 3 || s[0] != 0xED || s[1] < 0xA0 || s[1] > 0xBF || s[2] < 0x80 || s[2] > 0xBF {
		return 0, false
	}
	return 0xD000 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), true
}

// JSON repairs JSON text (a tool call's arguments, a tool's packaged
// return): String first, then every \u escape of a surrogate that is not
// half of a valid pair becomes \ufffd. Escaped backslashes are skipped, so
// a literal "\\ud83d" (backslash, then text) is left alone.
func JSON(s string) string {
	s = String(s)
	if !strings.Contains(s, `\u`) && !strings.Contains(s, `\U`) {
		return s
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if s[i+1] != 'u' {
			b.WriteString(s[i : i+2]) // \\ \" \n ...: copied whole
			i++
			continue
		}
		r, ok := hex4(s, i+2)
		if !ok || !utf16.IsSurrogate(r) {
			b.WriteString(s[i : i+2])
			i++
			continue
		}
		if r < 0xDC00 && i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
			if lo, ok := hex4(s, i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				b.WriteString(s[i : i+12]) // a valid pair
				i += 11
				continue
			}
		}
		b.WriteString(`\ufffd`)
		changed = true
		i += 5
	}
	if !changed {
		return s
	}
	return b.String()
}

// hex4 parses the four hex digits at s[at:at+4].
func hex4(s string, at int) (rune, bool) {
	if at+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[at : at+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}
