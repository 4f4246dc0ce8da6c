package openai

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"

	goopenai "github.com/sashabaranov/go-openai"
)

// encodeWireRequest writes a chat completions request as JSON: the same
// bytes as json.Marshal(w) (the tests compare them on every shape
// toWireRequest makes, and fuzz the strings). encoding/json works by
// reflection and re-scans the output of go-openai's MarshalJSON methods,
// once per message and tool, which made it a tenth of the server's CPU on
// a long context. A request with a field the encoder does not write, or a
// value encoding/json refuses, is left to json.Marshal.
func encodeWireRequest(w goopenai.ChatCompletionRequest) ([]byte, error) {
	if !writable(w) {
		return json.Marshal(w)
	}
	e := encoder{buf: make([]byte, 0, sizeHint(w))}
	e.request(w)
	if e.refused {
		return json.Marshal(w) // for its error, word for word
	}
	return e.buf, nil
}

// writable reports whether every field set in w is one encoder.request
// writes, with a type it knows.
func writable(w goopenai.ChatCompletionRequest) bool {
	switch w.ToolChoice.(type) {
	case nil, string, goopenai.ToolChoice:
	default:
		return false
	}
	switch w.ParallelToolCalls.(type) {
	case nil, bool:
	default:
		return false
	}
	for _, t := range w.Tools {
		if t.Function == nil || t.Parameters != nil {
			return false
		}
	}
	rest := w
	rest.Model, rest.Messages, rest.MaxTokens, rest.MaxCompletionTokens = "", nil, 0, 0
	rest.Temperature, rest.Stream, rest.Tools, rest.ToolChoice = 0, false, nil, nil
	rest.StreamOptions, rest.ParallelToolCalls, rest.ReasoningEffort = nil, nil, ""
	return reflect.ValueOf(rest).IsZero()
}

// sizeHint is about the encoded size, so the buffer grows once or never.
func sizeHint(w goopenai.ChatCompletionRequest) int {
	n := 256
	for _, m := range w.Messages {
		n += 64 + len(m.Content) + len(m.ReasoningContent) + len(m.Name) + len(m.ToolCallID)
		for _, c := range m.ToolCalls {
			n += 64 + len(c.ID) + len(c.Function.Name) + len(c.Function.Arguments)
		}
		for _, p := range m.MultiContent {
			n += 64 + len(p.Text)
			if p.ImageURL != nil {
				n += len(p.ImageURL.URL)
			}
		}
	}
	for _, t := range w.Tools {
		n += 512 + len(t.Function.Description)
	}
	return n + n/16 // escapes
}

// encoder appends JSON to buf; refused says a value could not be written.
type encoder struct {
	buf     []byte
	refused bool
}

// request writes the fields in go-openai's declaration order, omitting
// the omitempty ones that are empty, as encoding/json does.
func (e *encoder) request(w goopenai.ChatCompletionRequest) {
	e.raw(`{"model":`)
	e.string(w.Model)
	e.raw(`,"messages":`)
	if w.Messages == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i, m := range w.Messages {
			e.comma(i)
			e.message(m)
		}
		e.raw("]")
	}
	if w.MaxTokens != 0 {
		e.raw(`,"max_tokens":`)
		e.int(w.MaxTokens)
	}
	if w.MaxCompletionTokens != 0 {
		e.raw(`,"max_completion_tokens":`)
		e.int(w.MaxCompletionTokens)
	}
	if w.Temperature != 0 {
		e.raw(`,"temperature":`)
		e.value(w.Temperature)
	}
	e.raw(`,"stream":`)
	e.bool(w.Stream)
	if len(w.Tools) > 0 {
		e.raw(`,"tools":[`)
		for i, t := range w.Tools {
			e.comma(i)
			e.tool(t)
		}
		e.raw("]")
	}
	e.toolChoice(w.ToolChoice)
	if o := w.StreamOptions; o != nil {
		e.raw(`,"stream_options":{`)
		if o.IncludeUsage {
			e.raw(`"include_usage":true`)
		}
		e.raw("}")
	}
	if p, ok := w.ParallelToolCalls.(bool); ok {
		e.raw(`,"parallel_tool_calls":`)
		e.bool(p)
	}
	if w.ReasoningEffort != "" {
		e.raw(`,"reasoning_effort":`)
		e.string(w.ReasoningEffort)
	}
	e.raw("}")
}

func (e *encoder) toolChoice(choice any) {
	switch c := choice.(type) {
	case string:
		e.raw(`,"tool_choice":`)
		e.string(c)
	case goopenai.ToolChoice:
		e.raw(`,"tool_choice":{"type":`)
		e.string(string(c.Type))
		e.raw(`,"function":{"name":`)
		e.string(c.Function.Name)
		e.raw("}}")
	}
}

// message is ChatCompletionMessage.MarshalJSON: the parts replace the
// text content when there are any, and both at once are an error.
func (e *encoder) message(m goopenai.ChatCompletionMessage) {
	if m.Content != "" && m.MultiContent != nil {
		e.refused = true
		return
	}
	e.raw(`{"role":`)
	e.string(m.Role)
	switch {
	case len(m.MultiContent) > 0:
		e.raw(`,"content":[`)
		for i, p := range m.MultiContent {
			e.comma(i)
			e.part(p)
		}
		e.raw("]")
	case m.Content != "":
		e.raw(`,"content":`)
		e.string(m.Content)
	}
	e.optionalString("refusal", m.Refusal)
	e.optionalString("name", m.Name)
	e.optionalString("reasoning_content", m.ReasoningContent)
	if f := m.FunctionCall; f != nil {
		e.raw(`,"function_call":`)
		e.functionCall(*f)
	}
	if len(m.ToolCalls) > 0 {
		e.raw(`,"tool_calls":[`)
		for i, c := range m.ToolCalls {
			e.comma(i)
			e.toolCall(c)
		}
		e.raw("]")
	}
	e.optionalString("tool_call_id", m.ToolCallID)
	e.raw("}")
}

// part, toolCall and functionCall write objects whose every field may be
// omitted; first tracks the comma.
func (e *encoder) part(p goopenai.ChatMessagePart) {
	e.raw("{")
	first := true
	if p.Type != "" {
		e.key(&first, "type")
		e.string(string(p.Type))
	}
	if p.Text != "" {
		e.key(&first, "text")
		e.string(p.Text)
	}
	if u := p.ImageURL; u != nil {
		e.key(&first, "image_url")
		e.raw("{")
		first := true
		if u.URL != "" {
			e.key(&first, "url")
			e.string(u.URL)
		}
		if u.Detail != "" {
			e.key(&first, "detail")
			e.string(string(u.Detail))
		}
		e.raw("}")
	}
	e.raw("}")
}

func (e *encoder) toolCall(c goopenai.ToolCall) {
	e.raw("{")
	first := true
	if c.Index != nil {
		e.key(&first, "index")
		e.int(*c.Index)
	}
	if c.ID != "" {
		e.key(&first, "id")
		e.string(c.ID)
	}
	e.key(&first, "type")
	e.string(string(c.Type))
	e.raw(`,"function":`)
	e.functionCall(c.Function)
	e.raw("}")
}

func (e *encoder) functionCall(f goopenai.FunctionCall) {
	e.raw("{")
	first := true
	if f.Name != "" {
		e.key(&first, "name")
		e.string(f.Name)
	}
	if f.Arguments != "" {
		e.key(&first, "arguments")
		e.string(f.Arguments)
	}
	e.raw("}")
}

// tool writes t from the tool cache, or encodes it and keeps it there.
func (e *encoder) tool(t goopenai.Tool) {
	if cached := encodedTools.lookup(t); cached != nil {
		e.buf = append(e.buf, cached...)
		return
	}
	start := len(e.buf)
	e.encodeTool(t)
	if !e.refused {
		encodedTools.store(t, e.buf[start:])
	}
}

// encodeTool is Tool.MarshalJSON, which encodes a map: "function" sorts
// before "type".
func (e *encoder) encodeTool(t goopenai.Tool) {
	f := t.Function
	e.raw(`{"function":{"name":`)
	e.string(f.Name)
	e.optionalString("description", f.Description)
	if f.Strict {
		e.raw(`,"strict":true`)
	}
	e.raw(`,"parameters":`)
	e.value(f.Parameters)
	e.raw(`},"type":`)
	e.string(string(t.Type))
	e.raw("}")
}

// value writes a decoded-JSON value (a tool's schema); maps have their
// keys sorted, like encoding/json. Other types go through json.Marshal.
func (e *encoder) value(v any) {
	switch x := v.(type) {
	case nil:
		e.raw("null")
	case string:
		e.string(x)
	case bool:
		e.bool(x)
	case map[string]any:
		e.object(x)
	case []any:
		if x == nil {
			e.raw("null")
			return
		}
		e.raw("[")
		for i, item := range x {
			e.comma(i)
			e.value(item)
		}
		e.raw("]")
	case []string:
		if x == nil {
			e.raw("null")
			return
		}
		e.raw("[")
		for i, s := range x {
			e.comma(i)
			e.string(s)
		}
		e.raw("]")
	default:
		e.marshal(x)
	}
}

func (e *encoder) object(m map[string]any) {
	if m == nil {
		e.raw("null")
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.raw("{")
	for i, k := range keys {
		e.comma(i)
		e.string(k)
		e.raw(":")
		e.value(m[k])
	}
	e.raw("}")
}

// marshal writes what json.Marshal makes of v (numbers, raw JSON,
// anything unusual in a schema).
func (e *encoder) marshal(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		e.refused = true
		return
	}
	e.buf = append(e.buf, b...)
}

func (e *encoder) raw(s string) { e.buf = append(e.buf, s...) }

func (e *encoder) comma(i int) {
	if i > 0 {
		e.buf = append(e.buf, ',')
	}
}

func (e *encoder) int(n int) { e.buf = strconv.AppendInt(e.buf, int64(n), 10) }

func (e *encoder) bool(b bool) { e.buf = strconv.AppendBool(e.buf, b) }

// key writes "name": after a comma, unless it is the object's first key.
func (e *encoder) key(first *bool, name string) {
	if !*first {
		e.buf = append(e.buf, ',')
	}
	*first = false
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '"', ':')
}

// optionalString writes ,"key":s unless s is empty.
func (e *encoder) optionalString(key, s string) {
	if s == "" {
		return
	}
	e.buf = append(e.buf, `,"`...)
	e.buf = append(e.buf, key...)
	e.buf = append(e.buf, `":`...)
	e.string(s)
}

// string writes s quoted with encoding/json's escapes: quote, backslash
// and control characters; <, > and & as \u00XX (HTML safety); invalid
// UTF-8 as \ufffd; U+2028 and U+2029 as \u2028 and \u2029.
func (e *encoder) string(s string) {
	b := append(e.buf, '"')
	clean := 0 // s[clean:i] is still to copy
	for i := 0; i < len(s); {
		c := s[i]
		if !special[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[clean:i]...)
			b = appendASCIIEscape(b, c)
			i++
			clean = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[clean:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[clean:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		clean = i
	}
	b = append(b, s[clean:]...)
	e.buf = append(b, '"')
}

func appendASCIIEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\b':
		return append(b, `\b`...)
	case '\f':
		return append(b, `\f`...)
	case '\n':
		return append(b, `\n`...)
	case '\r':
		return append(b, `\r`...)
	case '\t':
		return append(b, `\t`...)
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

const hexDigits = "0123456789abcdef"

// special marks the bytes string must look at: those it escapes and the
// start of every multi-byte UTF-8 sequence.
var special = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = true
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = true
	}
	return t
}()
