package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/letta-server/letta-server/internal/llm"
)

// assertSameAsEncodingJSON fails unless encodeWireRequest writes exactly
// what json.Marshal writes for w, or fails the same way.
func assertSameAsEncodingJSON(t *testing.T, w goopenai.ChatCompletionRequest) {
	t.Helper()
	want, wantErr := json.Marshal(w)
	got, err := encodeWireRequest(w)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("error %v, encoding/json's %v", err, wantErr)
	}
	if err != nil {
		if err.Error() != wantErr.Error() {
			t.Errorf("error %q, encoding/json's %q", err, wantErr)
		}
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("encoded\n%s\nencoding/json\n%s", got, want)
	}
}

func TestEncodeWireRequestMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	temp, odd := 0.7, 1.0/3
	yes, no := true, false
	image := llm.Message{Role: llm.RoleUser, Parts: []llm.Part{
		{Type: llm.PartText, Text: "what is this?"},
		{Type: llm.PartImage, Image: &llm.Image{URL: "https://example.com/a.png?x=1&y=<2>", Detail: "low"}},
		{Type: llm.PartImage, Image: &llm.Image{MediaType: "image/png", Data: "iVBORw0KGgo="}},
	}}
	withTools := func(r llm.ChatRequest, choice string, parallel *bool) llm.ChatRequest {
		r.Tools = []llm.Tool{sendMessageTool(), benchTool(1), {Name: "no_params", Description: ""}}
		r.ToolChoice, r.ParallelToolCalls = choice, parallel
		return r
	}
	reasoning := userRequest("think")
	reasoning.Model, reasoning.MaxTokens, reasoning.ReasoningEffort, reasoning.Temperature = "o4-mini", 100, "low", &temp
	limits := userRequest("hi")
	limits.MaxTokens, limits.Temperature = 256, &odd
	requests := map[string]llm.ChatRequest{
		"bench":                benchRequest(),
		"plain":                userRequest("hi"),
		"no messages":          {Model: "gpt-4o"},
		"limits":               limits,
		"reasoning model":      reasoning,
		"image parts":          {Model: "gpt-4o", Messages: []llm.Message{image}},
		"auto, parallel on":    withTools(userRequest("x"), llm.ToolChoiceAuto, &yes),
		"none":                 withTools(userRequest("x"), llm.ToolChoiceNone, nil),
		"named function":       withTools(userRequest("x"), "send_message", &no),
		"tools, no choice set": withTools(userRequest("x"), "", nil),
		"escapes": {Model: "m\u2028", Messages: []llm.Message{
			{Role: llm.RoleUser, Name: "a<b>&c", Content: "quote \" backslash \\ \b\f\n\r\t \x00\x1f\x7f é 日本 \u2028\u2029 \xff\xfe bad \xe2\x80 end"},
			{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "c\"1", Name: "n\n", Arguments: ""}, {Name: "x", Arguments: `{"a":"<b>"}`}}},
			{Role: llm.RoleTool, ToolCallID: "c\"1", Content: ""},
		}},
	}
	for name, req := range requests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := toWireRequest(req)
			assertSameAsEncodingJSON(t, w)
			w.Stream, w.StreamOptions = true, &goopenai.StreamOptions{IncludeUsage: true}
			assertSameAsEncodingJSON(t, w)
		})
	}
}

// TestEncodeWireFieldsToWireRequestDoesNotSet covers what go-openai's
// types allow beyond toWireRequest: fields the encoder writes all the same,
// and fields it leaves to json.Marshal.
func TestEncodeWireFieldsToWireRequestDoesNotSet(t *testing.T) {
	t.Parallel()
	one := 1
	schema := map[string]any{
		"type": "object", "nil": nil, "int": 3, "float": 1e-7, "big": 1e21, "number": json.Number("2.50"),
		"raw": json.RawMessage(`{ "b" : [1, 2] , "a":"<x>" }`), "nilRaw": json.RawMessage(nil),
		"strings": []string{"a", "b"}, "nilStrings": []string(nil), "nilList": []any(nil), "nilMap": map[string]any(nil),
		"typed": map[string]string{"z": "1", "a": "2"}, "empty": map[string]any{}, "list": []any{1.5, true, nil, "s", []any{}},
	}
	tests := map[string]goopenai.ChatCompletionRequest{
		"every message field": {Model: "m", Messages: []goopenai.ChatCompletionMessage{
			{Role: "assistant", Content: "c", Refusal: "r", Name: "n", ReasoningContent: "rc",
				FunctionCall: &goopenai.FunctionCall{Name: "f", Arguments: "{}"},
				ToolCalls:    []goopenai.ToolCall{{Index: &one, ID: "i", Type: "function", Function: goopenai.FunctionCall{Arguments: "{}"}}},
				ToolCallID:   "t"},
			{Role: "assistant", FunctionCall: &goopenai.FunctionCall{}, ToolCalls: []goopenai.ToolCall{{}}},
			{Role: "user", MultiContent: []goopenai.ChatMessagePart{{}, {ImageURL: &goopenai.ChatMessageImageURL{}},
				{ImageURL: &goopenai.ChatMessageImageURL{Detail: "high"}}, {Text: "t", ImageURL: &goopenai.ChatMessageImageURL{URL: "u"}}}},
			{Role: "user", MultiContent: []goopenai.ChatMessagePart{}},
		}},
		"content and parts is an error": {Model: "m", Messages: []goopenai.ChatCompletionMessage{
			{Role: "user", Content: "c", MultiContent: []goopenai.ChatMessagePart{}},
		}},
		"schema values": {Model: "m", Tools: []goopenai.Tool{
			{Type: "function", Function: &goopenai.FunctionDefinition{Name: "f", Strict: true, Parameters: schema}},
			{Type: "function", Function: &goopenai.FunctionDefinition{Name: "g", Parameters: json.RawMessage(`{"type":"object"}`)}},
			{Type: "function", Function: &goopenai.FunctionDefinition{Name: "h"}},
		}},
		"unsupported value":  {Model: "m", Temperature: float32(math.NaN())},
		"bad raw schema":     {Model: "m", Tools: []goopenai.Tool{{Type: "function", Function: &goopenai.FunctionDefinition{Name: "f", Parameters: json.RawMessage(`{`)}}}},
		"small temperature":  {Model: "m", Temperature: 1e-7},
		"stream options off": {Model: "m", StreamOptions: &goopenai.StreamOptions{}, ToolChoice: "", ParallelToolCalls: false},
		"left to json":       {Model: "m", Seed: &one, Stop: []string{"x"}},
		"tool extras":        {Model: "m", Tools: []goopenai.Tool{{Type: "web_search", Parameters: map[string]any{"size": "low"}}}},
		"tool choice map":    {Model: "m", ToolChoice: map[string]any{"type": "auto"}, ParallelToolCalls: "yes"},
	}
	for name, w := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assertSameAsEncodingJSON(t, w)
		})
	}
}

// TestEncoderKnowsEveryField fails when a go-openai upgrade adds a field to
// a type the encoder writes by hand: encoder.request would not write it.
func TestEncoderKnowsEveryField(t *testing.T) {
	t.Parallel()
	known := map[reflect.Type][]string{
		reflect.TypeFor[goopenai.ChatCompletionMessage](): {"Role", "Content", "Refusal", "MultiContent", "Name", "ReasoningContent", "FunctionCall", "ToolCalls", "ToolCallID"},
		reflect.TypeFor[goopenai.ChatMessagePart]():       {"Type", "Text", "ImageURL"},
		reflect.TypeFor[goopenai.ChatMessageImageURL]():   {"URL", "Detail"},
		reflect.TypeFor[goopenai.ToolCall]():              {"Index", "ID", "Type", "Function"},
		reflect.TypeFor[goopenai.FunctionCall]():          {"Name", "Arguments"},
		reflect.TypeFor[goopenai.Tool]():                  {"Type", "Function", "Parameters"},
		reflect.TypeFor[goopenai.FunctionDefinition]():    {"Name", "Description", "Strict", "Parameters"},
		reflect.TypeFor[goopenai.ToolChoice]():            {"Type", "Function"},
		reflect.TypeFor[goopenai.ToolFunction]():          {"Name"},
		reflect.TypeFor[goopenai.StreamOptions]():         {"IncludeUsage"},
	}
	for typ, want := range known {
		var got []string
		for i := range typ.NumField() {
			got = append(got, typ.Field(i).Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s has fields %v; the encoder writes %v", typ, got, want)
		}
	}
}

func FuzzEncodeWireRequest(f *testing.F) {
	f.Add("hello", "name", `{"a":1}`, "desc <b>", "key")
	f.Add("\x00\u2028\xff", "", "", "&", "")
	f.Fuzz(func(t *testing.T, content, name, args, desc, key string) {
		req := llm.ChatRequest{Model: content, ReasoningEffort: key, Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: content},
			{Role: llm.RoleUser, Name: name, Content: args},
			{Role: llm.RoleUser, Parts: []llm.Part{{Type: llm.PartText, Text: desc}, {Type: llm.PartImage, Image: &llm.Image{URL: content, Detail: key}}}},
			{Role: llm.RoleAssistant, Content: desc, ToolCalls: []llm.ToolCall{{ID: name, Name: key, Arguments: args}}},
			{Role: llm.RoleTool, ToolCallID: name, Content: content},
		}, Tools: []llm.Tool{{Name: name, Description: desc, Parameters: map[string]any{
			key: map[string]any{content: []any{args, 1.5}}, "required": []string{name, key},
		}}}, ToolChoice: key}
		assertSameAsEncodingJSON(t, toWireRequest(req))
	})
}

// TestToolCacheNeverAnswersAChangedSchema encodes one tool again and again
// while its schema changes under the same name and description.
func TestToolCacheNeverAnswersAChangedSchema(t *testing.T) {
	t.Parallel()
	tool := benchTool(0)
	tool.Name = "cache_test_tool"
	req := userRequest("x")
	props := tool.Parameters["properties"].(map[string]any)
	query := props["query"].(map[string]any)
	changes := []func(){
		func() {},
		func() { query["description"] = "Another description." },
		func() { tool.Parameters["required"] = []any{"query", "page"} },
		func() { tool.Parameters["required"] = []string{"query", "page"} },
		func() { props["limit"] = map[string]any{"type": "integer", "default": 0.0} },
		func() { props["limit"].(map[string]any)["default"] = math.Copysign(0, -1) },
		func() { props["limit"].(map[string]any)["default"] = 3 }, // not cached at all
		func() { delete(props, "limit") },
		func() { tool.Parameters["required"] = []any{"query", nil} },
		func() { tool.Parameters["properties"] = nil },
		func() { tool.Parameters = nil },
	}
	for i, change := range changes {
		change()
		req.Tools = []llm.Tool{tool}
		for range 2 { // the second time from the cache
			assertSameAsEncodingJSON(t, toWireRequest(req))
		}
		if t.Failed() {
			t.Fatalf("after change %d", i)
		}
		tool.Parameters = cloneParams(t, tool.Parameters)
		if p, ok := tool.Parameters["properties"].(map[string]any); ok {
			props, query = p, p["query"].(map[string]any)
		}
	}
}

// cloneParams deep-copies a schema through JSON, so that changing the copy
// leaves the cached one alone, as the agent's fresh schemas do.
func cloneParams(t *testing.T, params map[string]any) map[string]any {
	t.Helper()
	if params == nil {
		return nil
	}
	b, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestToolCacheBounds(t *testing.T) {
	t.Parallel()
	c := toolCache{byKey: map[toolKey][]*cachedTool{}}
	for i := range maxCachedTools + 1 {
		tool := toWireRequest(llm.ChatRequest{Tools: []llm.Tool{{Name: fmt.Sprint("t", i)}}}).Tools[0]
		c.store(tool, []byte("{}"))
	}
	if n := len(c.byKey); n != 1 {
		t.Errorf("%d tools kept after overflowing, want 1 (the cache starts over)", n)
	}
	tool := toWireRequest(llm.ChatRequest{Tools: []llm.Tool{sendMessageTool()}}).Tools[0]
	for i := range maxSchemasPerTool + 2 {
		tool.Function.Parameters = map[string]any{"n": float64(i)}
		c.store(tool, []byte(fmt.Sprint(i)))
	}
	if n := len(c.byKey[keyOf(tool)]); n != maxSchemasPerTool {
		t.Errorf("%d schemas kept, want %d", n, maxSchemasPerTool)
	}
	if got := string(c.lookup(tool)); got != fmt.Sprint(maxSchemasPerTool+1) {
		t.Errorf("lookup of the newest schema = %q", got)
	}
	tool.Function.Parameters = map[string]any{"n": 0.0}
	if got := c.lookup(tool); got != nil {
		t.Errorf("the oldest schema is still found: %q", got)
	}
}
