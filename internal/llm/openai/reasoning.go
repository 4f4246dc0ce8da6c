package openai

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// Some OpenAI-compatible servers name the reasoning text "reasoning"
// (Ollama's /v1, newer vLLM, OpenRouter) where go-openai reads only
// "reasoning_content" (xAI, DeepSeek, older vLLM). aliasReasoning copies
// message.reasoning / delta.reasoning into reasoning_content when that is
// empty, by decoding the JSON (never by pattern-matching the text). Bodies
// without the field are returned untouched.
func aliasReasoning(body []byte) []byte {
	if !bytes.Contains(body, []byte(`"reasoning"`)) {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep numbers exactly as sent
	var doc map[string]any
	if dec.Decode(&doc) != nil {
		return body
	}
	choices, _ := doc["choices"].([]any)
	changed := false
	for _, c := range choices {
		choice, _ := c.(map[string]any)
		for _, key := range []string{"message", "delta"} {
			m, _ := choice[key].(map[string]any)
			r, _ := m["reasoning"].(string)
			if r == "" {
				continue
			}
			if existing, _ := m["reasoning_content"].(string); existing == "" {
				m["reasoning_content"] = r
				changed = true
			}
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return out
}

// aliasReasoningStream applies aliasReasoning to each "data:" line of an
// SSE body as it is read.
func aliasReasoningStream(body io.ReadCloser) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		r := bufio.NewReaderSize(body, 64<<10)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				if rest, ok := bytes.CutPrefix(line, []byte("data:")); ok && bytes.Contains(rest, []byte(`"reasoning"`)) {
					trimmed := bytes.TrimSpace(rest)
					fixed := aliasReasoning(trimmed)
					if !bytes.Equal(fixed, trimmed) {
						line = append(append([]byte("data: "), fixed...), '\n')
					}
				}
				if _, werr := pw.Write(line); werr != nil {
					_ = body.Close()
					return
				}
			}
			if err != nil {
				_ = body.Close()
				if err == io.EOF {
					_ = pw.Close()
				} else {
					_ = pw.CloseWithError(err)
				}
				return
			}
		}
	}()
	return readCloser{Reader: pr, close: func() error { _ = pr.Close(); return body.Close() }}
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }
