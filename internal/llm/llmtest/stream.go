package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// argumentFragmentRunes is how many runes of tool-call arguments go in one
// chunk, so that every call is split across several chunks as OpenAI does.
const argumentFragmentRunes = 6

// writeStream sends the answer as OpenAI's SSE stream: a role chunk,
// reasoning deltas, content deltas, tool calls (id and name first with empty
// arguments, then argument fragments keyed by index), a finish chunk with an
// empty delta, the usage chunk with "choices": [] when the request set
// stream_options.include_usage, then data: [DONE].
func (s *Server) writeStream(w http.ResponseWriter, r *http.Request, req ChatRequest, reply Reply, a answer) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Request-Id", a.id)
	w.WriteHeader(http.StatusOK)

	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	null := json.RawMessage("null")
	base := func(choices []chunkChoice) chunk {
		c := chunk{ID: a.id, Object: "chat.completion.chunk", Created: a.created, Model: a.model, ServiceTier: "default", Choices: choices}
		if includeUsage {
			c.Usage = &null
		}
		return c
	}
	delta := func(d chunkDelta) chunk {
		return base([]chunkChoice{{Index: 0, Delta: d}})
	}

	var chunks []chunk
	empty := ""
	first := chunkDelta{Role: "assistant", Content: &empty}
	chunks = append(chunks, delta(first))
	for _, piece := range splitWords(a.reasoning) {
		chunks = append(chunks, delta(chunkDelta{ReasoningContent: piece}))
	}
	for _, piece := range splitWords(a.content) {
		p := piece
		chunks = append(chunks, delta(chunkDelta{Content: &p}))
	}
	for i, c := range a.calls {
		index := i
		head := WireToolCall{Index: &index, ID: c.ID, Type: "function"}
		head.Function.Name = c.Name
		head.Function.Arguments = &empty
		chunks = append(chunks, delta(chunkDelta{ToolCalls: []WireToolCall{head}}))
		for _, frag := range splitRunes(c.Arguments, argumentFragmentRunes) {
			f := frag
			tc := WireToolCall{Index: &index}
			tc.Function.Arguments = &f
			chunks = append(chunks, delta(chunkDelta{ToolCalls: []WireToolCall{tc}}))
		}
	}
	finish := a.finishReason
	chunks = append(chunks, base([]chunkChoice{{Index: 0, Delta: chunkDelta{}, FinishReason: &finish}}))
	if includeUsage {
		u, _ := json.Marshal(a.usage)
		raw := json.RawMessage(u)
		last := base([]chunkChoice{})
		last.Usage = &raw
		chunks = append(chunks, last)
	}

	for i, c := range chunks {
		if reply.Drop && i == reply.DropAfterChunks {
			hijackClose(w)
			return
		}
		if reply.Malformed && i == 1 {
			fmt.Fprint(w, "data: {\"id\": \"chatcmpl-broken\", \"choices\": [{\"delta\": \n\n")
			_ = rc.Flush()
			return
		}
		b, _ := json.Marshal(c)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		if r.Context().Err() != nil {
			return
		}
	}
	if reply.Drop { // asked to drop after more chunks than there are
		hijackClose(w)
		return
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	_ = rc.Flush()
}

// splitWords cuts text into pieces that each start at a word boundary,
// keeping the separating spaces: "a b" → "a", " b".
func splitWords(text string) []string {
	if text == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 1; i < len(text); i++ {
		if text[i] == ' ' && text[i-1] != ' ' {
			out = append(out, text[start:i])
			start = i
		}
	}
	return append(out, text[start:])
}

// splitRunes cuts text into pieces of at most n runes.
func splitRunes(text string, n int) []string {
	var out []string
	var sb strings.Builder
	count := 0
	for _, r := range text {
		sb.WriteRune(r)
		count++
		if count == n {
			out = append(out, sb.String())
			sb.Reset()
			count = 0
		}
	}
	if sb.Len() > 0 {
		out = append(out, sb.String())
	}
	return out
}
