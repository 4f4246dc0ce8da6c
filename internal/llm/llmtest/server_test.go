package llmtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// post sends body to the fake and returns status and response body.
func post(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return resp.StatusCode, b
}

const heartbeatTool = `{"type":"function","function":{"name":"send_message","parameters":{"type":"object",
 "properties":{"message":{"type":"string"},"request_heartbeat":{"type":"boolean"},"thinking":{"type":"string"}},
 "required":["message","request_heartbeat","thinking"]}}}`

func TestDefaultReplyEchoes(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	tests := []struct {
		name, body string
		wantCall   map[string]any
		wantText   string
	}{
		{
			name:     "send_message with required extras",
			body:     `{"model":"m","messages":[{"role":"system","content":"sys"},{"role":"user","content":"hello"},{"role":"assistant","content":"x"}],"tools":[` + heartbeatTool + `]}`,
			wantCall: map[string]any{"message": "Echo: hello", "request_heartbeat": false, "thinking": "Replying to the user."},
		},
		{
			name:     "text without send_message",
			body:     `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"multi"},{"type":"text","text":"part"}]}]}`,
			wantText: "Echo: multipart",
		},
		{
			name:     "packed letta user message",
			body:     `{"model":"m","messages":[{"role":"user","content":"{\"type\": \"user_message\", \"message\": \"inner\", \"time\": \"now\"}"}]}`,
			wantText: "Echo: inner",
		},
	}
	for _, tt := range tests {
		status, b := post(t, srv.URL()+"/chat/completions", tt.body)
		if status != 200 {
			t.Fatalf("%s: status %d: %s", tt.name, status, b)
		}
		var got completion
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: decode: %v", tt.name, err)
		}
		msg := got.Choices[0].Message
		if tt.wantCall != nil {
			if len(msg.ToolCalls) != 1 || msg.Content != nil || got.Choices[0].FinishReason != "tool_calls" {
				t.Fatalf("%s: message %+v", tt.name, msg)
			}
			var args map[string]any
			_ = json.Unmarshal([]byte(*msg.ToolCalls[0].Function.Arguments), &args)
			if diff := cmp.Diff(tt.wantCall, args); diff != "" {
				t.Errorf("%s: arguments (-want +got):\n%s", tt.name, diff)
			}
			continue
		}
		if msg.Content == nil || *msg.Content != tt.wantText {
			t.Errorf("%s: content %v", tt.name, msg.Content)
		}
	}
}

func TestUsageGrowsWithThePrompt(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	long := strings.Repeat("a", 4000)
	_, b := post(t, srv.URL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"`+long+`"}]}`)
	var got completion
	_ = json.Unmarshal(b, &got)
	if got.Usage.PromptTokens != 1000 || got.Usage.CompletionTokens < 1 ||
		got.Usage.TotalTokens != got.Usage.PromptTokens+got.Usage.CompletionTokens {
		t.Errorf("usage %+v", got.Usage)
	}
}

// sseEvents splits an SSE body into its data payloads.
func sseEvents(t *testing.T, body []byte) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		payload, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("line without data: prefix: %q", line)
		}
		out = append(out, payload)
	}
	return out
}

func TestStreamFraming(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	for _, includeUsage := range []bool{true, false} {
		srv.Enqueue(Reply{Content: "hi there", ToolCalls: []ToolCall{{Name: "f", Arguments: `{"a":"bcdefghijkl"}`}}})
		opts := ""
		if includeUsage {
			opts = `,"stream_options":{"include_usage":true}`
		}
		_, b := post(t, srv.URL()+"/chat/completions", `{"model":"m","stream":true`+opts+`,"messages":[{"role":"user","content":"x"}]}`)
		if !bytes.HasSuffix(b, []byte("data: [DONE]\n\n")) {
			t.Fatalf("stream does not end with [DONE]: %q", b[max(0, len(b)-50):])
		}
		events := sseEvents(t, b)
		events = events[:len(events)-1]
		var last map[string]any
		_ = json.Unmarshal([]byte(events[len(events)-1]), &last)
		choices, _ := last["choices"].([]any)
		_, hasUsage := last["usage"]
		if includeUsage && (len(choices) != 0 || last["usage"] == nil) {
			t.Errorf("include_usage: last chunk %v, want empty choices and usage", last)
		}
		if !includeUsage && (len(choices) != 1 || hasUsage) {
			t.Errorf("no include_usage: last chunk %v, want the finish chunk without usage", last)
		}
		var args strings.Builder
		fragments := 0
		for _, e := range events {
			var c chunk
			if err := json.Unmarshal([]byte(e), &c); err != nil {
				t.Fatalf("chunk %q: %v", e, err)
			}
			for _, ch := range c.Choices {
				for _, tc := range ch.Delta.ToolCalls {
					fragments++
					if tc.Function.Arguments != nil {
						args.WriteString(*tc.Function.Arguments)
					}
				}
			}
		}
		if args.String() != `{"a":"bcdefghijkl"}` || fragments < 3 {
			t.Errorf("tool call arguments %q in %d fragments", args.String(), fragments)
		}
	}
}

func TestStreamDropMidway(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	srv.Enqueue(Reply{Content: "one two three four five", Drop: true, DropAfterChunks: 2})
	resp, err := http.Post(srv.URL()+"/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}`))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read error %v, want unexpected EOF", err)
	}
	if n := len(sseEvents(t, b)); n != 2 {
		t.Errorf("%d events before the drop, want 2", n)
	}
}

func TestScriptedErrorAndControlEndpoints(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	root := strings.TrimSuffix(srv.URL(), "/v1")
	status, b := post(t, root+"/_script", `[
		{"error": {"status": 429, "headers": {"Retry-After": "7"}}},
		{"tool_calls": [{"name": "f", "arguments": {"x": 1}}, {"id": "call_given", "name": "g", "arguments": "{\"y\":2}"}]},
		{"content": "slow", "delay_ms": 1}
	]`)
	if status != 200 || srv.Pending() != 3 {
		t.Fatalf("script: %d %s, pending %d", status, b, srv.Pending())
	}

	resp, err := http.Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader(`{"model":"m","messages":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var env errorEnvelope
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || json.Unmarshal(body, &env) != nil ||
		env.Error.Code == nil || *env.Error.Code != "rate_limit_exceeded" {
		t.Errorf("error reply: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}

	// Without the /v1 prefix too.
	_, b = post(t, root+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}]}`)
	var got completion
	_ = json.Unmarshal(b, &got)
	calls := got.Choices[0].Message.ToolCalls
	if len(calls) != 2 || *calls[0].Function.Arguments != `{"x": 1}` || calls[1].ID != "call_given" ||
		*calls[1].Function.Arguments != `{"y":2}` || calls[0].ID == "" {
		t.Errorf("tool calls %s", b)
	}

	status, b = post(t, root+"/_script", `{"content": "single"}`)
	if status != 200 || srv.Pending() != 2 {
		t.Errorf("single reply script: %d %s", status, b)
	}

	r, err := http.Get(root + "/_requests")
	if err != nil {
		t.Fatal(err)
	}
	var recorded []struct {
		Path string         `json:"path"`
		Body map[string]any `json:"body"`
	}
	_ = json.NewDecoder(r.Body).Decode(&recorded)
	r.Body.Close()
	if len(recorded) != 2 || recorded[0].Path != "/v1/chat/completions" || recorded[1].Path != "/chat/completions" ||
		recorded[1].Body["model"] != "m" {
		t.Errorf("recorded %+v", recorded)
	}

	if status, _ := post(t, root+"/_reset", ""); status != http.StatusNoContent || srv.Pending() != 0 || len(srv.Requests()) != 0 {
		t.Errorf("reset: status %d, pending %d, requests %d", status, srv.Pending(), len(srv.Requests()))
	}
	if status, _ := post(t, root+"/_script", `[{"tool_calls": [{"arguments": {}}]}]`); status != 400 {
		t.Errorf("tool call without name accepted: %d", status)
	}
}

func TestEmbeddings(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	_, b := post(t, srv.URL()+"/embeddings", `{"model":"text-embedding-3-small","input":["the cat sat","the cat sat","stock market report"],"dimensions":64}`)
	var got embeddingList
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("decode: %v: %s", err, b)
	}
	if len(got.Data) != 3 || len(got.Data[0].Embedding) != 64 || got.Data[2].Index != 2 {
		t.Fatalf("embeddings %s", b)
	}
	if diff := cmp.Diff(got.Data[0].Embedding, got.Data[1].Embedding); diff != "" {
		t.Error("same text, different vectors")
	}
	var norm float64
	for _, x := range got.Data[0].Embedding {
		norm += float64(x) * float64(x)
	}
	if math.Abs(norm-1) > 1e-4 {
		t.Errorf("norm² %f, want 1", norm)
	}

	_, b = post(t, srv.URL()+"/embeddings", `{"model":"text-embedding-ada-002","input":"single"}`)
	_ = json.Unmarshal(b, &got)
	if len(got.Data) != 1 || len(got.Data[0].Embedding) != DefaultEmbeddingDim {
		t.Errorf("default dimension: %d vectors", len(got.Data))
	}
	if reqs := srv.EmbeddingRequests(); len(reqs) != 2 || reqs[1].Input[0] != "single" {
		t.Errorf("recorded %+v", reqs)
	}
}

func TestEmbeddingSharesWords(t *testing.T) {
	t.Parallel()
	cos := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		return s
	}
	q := Embedding("favourite color", 256)
	near := Embedding("My favourite color is blue.", 256)
	far := Embedding("The train leaves at noon.", 256)
	if cos(q, near) <= cos(q, far) {
		t.Errorf("cos(near) %f <= cos(far) %f", cos(q, near), cos(q, far))
	}
}

func TestModels(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	resp, err := http.Get(srv.URL() + "/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || list.Object != "list" || len(list.Data) == 0 {
		t.Errorf("models: %+v %v", list, err)
	}
}

func TestReplyJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := []Reply{Delayed(250_000_000, Text("x")), RateLimited("2"), Call("f", `{"a":1}`), Dropped(3)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out []Reply
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s\n%s", diff, b)
	}
}
