package memory

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultChunkTokens is Letta's embedding_chunk_size default.
const DefaultChunkTokens = 300

// estimateTokens approximates a text's token count the way tokenizers of
// English text come out on average: about four characters per token, and
// never fewer tokens than words.
func estimateTokens(s string) int {
	return max(len(strings.Fields(s)), (utf8.RuneCountInString(s)+3)/4)
}

// Chunk splits text into chunks of about maxTokens tokens, as Letta's REST
// archival insert does (a sentence splitter): sentences are kept whole and
// packed greedily; a sentence longer than a chunk is split between words,
// and a word longer than a chunk is cut. Text that fits is one chunk,
// unchanged.
func Chunk(text string, maxTokens int) []string {
	if maxTokens <= 0 {
		maxTokens = DefaultChunkTokens
	}
	if estimateTokens(text) <= maxTokens {
		return []string{text}
	}
	var (
		chunks []string
		cur    strings.Builder
	)
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			chunks = append(chunks, s)
		}
		cur.Reset()
	}
	add := func(piece string) {
		if cur.Len() > 0 && estimateTokens(cur.String()+" "+piece) > maxTokens {
			flush()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(piece)
	}
	for _, sentence := range sentences(text) {
		if estimateTokens(sentence) <= maxTokens {
			add(sentence)
			continue
		}
		for _, word := range strings.Fields(sentence) {
			for estimateTokens(word) > maxTokens {
				cut := cutRunes(word, 4*maxTokens)
				add(word[:cut])
				word = word[cut:]
			}
			add(word)
		}
	}
	flush()
	return chunks
}

// sentences splits text after ., ! or ? followed by space, and at blank
// lines, trimming each piece.
func sentences(text string) []string {
	var out []string
	start := 0
	runes := []rune(text)
	for i, r := range runes {
		end := false
		switch {
		case (r == '.' || r == '!' || r == '?') && (i+1 == len(runes) || unicode.IsSpace(runes[i+1])):
			end = true
		case r == '\n' && i+1 < len(runes) && runes[i+1] == '\n':
			end = true
		}
		if end {
			if s := strings.TrimSpace(string(runes[start : i+1])); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(string(runes[start:])); s != "" {
		out = append(out, s)
	}
	return out
}

// cutRunes returns the byte offset of the first n runes of s.
func cutRunes(s string, n int) int {
	i := 0
	for j := range s {
		if i == n {
			return j
		}
		i++
	}
	return len(s)
}
