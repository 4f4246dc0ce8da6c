package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// handleChat answers POST /chat/completions with the next scripted reply or
// the default echo, as JSON or as an SSE stream.
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	var req ChatRequest
	var raw map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.")
		return
	}
	_ = json.Unmarshal(body, &raw)
	header := map[string]string{}
	for k := range r.Header {
		header[k] = r.Header.Get(k)
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Path: r.URL.Path, Header: header, Chat: req, Raw: raw})
	s.mu.Unlock()

	reply, ok := s.next()
	if !ok {
		reply = defaultReply(req)
	}
	if err := sleep(r.Context(), reply.Delay); err != nil {
		return
	}
	switch {
	case reply.Error != nil:
		writeScriptedError(w, *reply.Error)
		return
	case reply.Drop && (!req.Stream || reply.DropAfterChunks <= 0):
		hijackClose(w)
		return
	case reply.Malformed && !req.Stream:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assi`)
		return
	}

	a := s.newAnswer(req, reply)
	if req.Stream {
		s.writeStream(w, r, req, reply, a)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", a.id)
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(a.completion())
}

// answer is a reply made concrete for one request: ids, usage, finish reason.
type answer struct {
	id           string
	created      int64
	model        string
	content      string
	reasoning    string
	calls        []ToolCall
	finishReason string
	usage        usageBody
}

func (s *Server) newAnswer(req ChatRequest, reply Reply) answer {
	n := s.nextID()
	a := answer{
		id:        fmt.Sprintf("chatcmpl-fake%08d", n),
		created:   time.Now().Unix(),
		model:     req.Model,
		content:   reply.Content,
		reasoning: reply.Reasoning,
	}
	for i, c := range reply.ToolCalls {
		if c.ID == "" {
			c.ID = fmt.Sprintf("call_fake%06d_%d", n, i)
		}
		if c.Arguments == "" {
			c.Arguments = "{}"
		}
		a.calls = append(a.calls, c)
	}
	a.finishReason = reply.FinishReason
	if a.finishReason == "" {
		a.finishReason = "stop"
		if len(a.calls) > 0 {
			a.finishReason = "tool_calls"
		}
	}
	a.usage = estimateUsage(req, a)
	if u := reply.Usage; u != nil {
		a.usage.PromptTokens = u.PromptTokens
		a.usage.CompletionTokens = u.CompletionTokens
		a.usage.TotalTokens = u.TotalTokens
		if a.usage.TotalTokens == 0 {
			a.usage.TotalTokens = u.PromptTokens + u.CompletionTokens
		}
		a.usage.CompletionTokensDetails.ReasoningTokens = u.ReasoningTokens
	}
	return a
}

func (a answer) completion() completion {
	msg := completionMessage{Role: "assistant", ReasoningContent: a.reasoning, Annotations: []any{}}
	if a.content != "" || len(a.calls) == 0 {
		c := a.content
		msg.Content = &c
	}
	for _, c := range a.calls {
		args := c.Arguments
		tc := WireToolCall{ID: c.ID, Type: "function"}
		tc.Function.Name = c.Name
		tc.Function.Arguments = &args
		msg.ToolCalls = append(msg.ToolCalls, tc)
	}
	return completion{
		ID:          a.id,
		Object:      "chat.completion",
		Created:     a.created,
		Model:       a.model,
		Choices:     []completionChoice{{Index: 0, Message: msg, FinishReason: a.finishReason}},
		Usage:       a.usage,
		ServiceTier: "default",
	}
}

// writeScriptedError answers with a scripted status, headers and body.
func writeScriptedError(w http.ResponseWriter, e HTTPError) {
	for k, v := range e.Headers {
		w.Header().Set(k, v)
	}
	if e.Body == "" {
		writeError(w, e.Status, "")
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(e.Status)
	_, _ = io.WriteString(w, e.Body)
}

// writeError answers with an OpenAI error envelope chosen from the status.
func writeError(w http.ResponseWriter, status int, message string) {
	var env errorEnvelope
	code := func(s string) *string { return &s }
	switch {
	case status == http.StatusUnauthorized:
		env.Error.Message = "Incorrect API key provided: sk-fa***ke. You can find your API key at https://platform.openai.com/account/api-keys."
		env.Error.Type, env.Error.Code = "invalid_request_error", code("invalid_api_key")
	case status == http.StatusTooManyRequests:
		env.Error.Message = "Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1."
		env.Error.Type, env.Error.Code = "requests", code("rate_limit_exceeded")
	case status >= 500:
		env.Error.Message = "The server had an error while processing your request. Sorry about that!"
		env.Error.Type = "server_error"
	default:
		env.Error.Message = "Invalid request."
		env.Error.Type = "invalid_request_error"
	}
	if message != "" {
		env.Error.Message = message
	}
	writeJSON(w, status, env)
}
