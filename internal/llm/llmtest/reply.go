package llmtest

import (
	"encoding/json"
	"fmt"
	"time"
)

// Reply is one scripted answer of the fake. The zero Reply is an empty
// assistant message. Fields combine: a Delay applies before anything else; an
// Error, Drop or Malformed reply replaces the normal answer.
//
// The same type, with the JSON names below, is what POST /_script accepts
// (a JSON array of replies, or a single reply object):
//
//	{
//	  "content": "text",                     // assistant text
//	  "reasoning": "thinking text",          // sent as message.reasoning_content (xAI style)
//	  "tool_calls": [{"id": "call_1",        // id optional, generated when empty
//	                  "name": "send_message",
//	                  "arguments": {"message": "hi"}}],  // an object, or a JSON string
//	  "usage": {"prompt_tokens": 10, "completion_tokens": 5,
//	            "total_tokens": 15, "reasoning_tokens": 0},  // optional override
//	  "finish_reason": "stop",               // default: "tool_calls" with calls, else "stop"
//	  "error": {"status": 429, "body": "{...}",           // body optional: an OpenAI envelope
//	            "headers": {"Retry-After": "1"}},        // is generated from the status
//	  "drop": true,                          // hijack and close the connection ...
//	  "drop_after_chunks": 3,                // ... after this many SSE chunks (streams)
//	  "malformed": true,                     // a 200 with a body that is not valid JSON
//	  "empty": true,                         // no content and no tool calls (same as {})
//	  "delay_ms": 250                        // wait before answering
//	}
type Reply struct {
	Content      string     `json:"content,omitempty"`
	Reasoning    string     `json:"reasoning,omitempty"`
	ToolCalls    []ToolCall `json:"tool_calls,omitempty"`
	Usage        *Usage     `json:"usage,omitempty"`
	FinishReason string     `json:"finish_reason,omitempty"`
	Error        *HTTPError `json:"error,omitempty"`
	// Drop closes the connection without an HTTP answer; in a stream it
	// closes after DropAfterChunks data events.
	Drop            bool `json:"drop,omitempty"`
	DropAfterChunks int  `json:"drop_after_chunks,omitempty"`
	Malformed       bool `json:"malformed,omitempty"`
	// Empty documents intent; an empty Reply is empty anyway.
	Empty bool          `json:"empty,omitempty"`
	Delay time.Duration `json:"-"`
}

// ToolCall is a scripted function call. Arguments is a JSON text.
type ToolCall struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Usage overrides the fake's token estimate for one reply.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	ReasoningTokens  int `json:"reasoning_tokens,omitempty"`
}

// HTTPError is a scripted failure: the status, the body (an OpenAI error
// envelope is generated when empty) and extra headers such as Retry-After.
type HTTPError struct {
	Status  int               `json:"status"`
	Body    string            `json:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// Text is a reply with assistant text.
func Text(content string) Reply { return Reply{Content: content} }

// Call is a reply calling one tool with arguments given as JSON text.
func Call(name, argumentsJSON string) Reply {
	return Reply{ToolCalls: []ToolCall{{Name: name, Arguments: argumentsJSON}}}
}

// Calls is a reply with several (parallel) tool calls.
func Calls(calls ...ToolCall) Reply { return Reply{ToolCalls: calls} }

// Error is a reply failing with status and body ("" = generated envelope).
func Error(status int, body string) Reply {
	return Reply{Error: &HTTPError{Status: status, Body: body}}
}

// RateLimited is a 429 with the given Retry-After header value.
func RateLimited(retryAfter string) Reply {
	r := Error(429, "")
	r.Error.Headers = map[string]string{"Retry-After": retryAfter}
	return r
}

// Dropped closes the connection after n stream chunks (0: before any answer).
func Dropped(afterChunks int) Reply { return Reply{Drop: true, DropAfterChunks: afterChunks} }

// Malformed answers 200 with a body that is not JSON.
func Malformed() Reply { return Reply{Malformed: true} }

// Empty is a reply with neither content nor tool calls.
func Empty() Reply { return Reply{Empty: true} }

// Delayed is a reply that waits d before being sent.
func Delayed(d time.Duration, r Reply) Reply {
	r.Delay = d
	return r
}

// UnmarshalJSON accepts the documented script shape: "delay_ms" and tool
// call arguments given as an object or as a string.
func (r *Reply) UnmarshalJSON(b []byte) error {
	type plain Reply
	var aux struct {
		plain
		ToolCalls []struct {
			ID        string          `json:"id"`
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"tool_calls"`
		DelayMS int `json:"delay_ms"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*r = Reply(aux.plain)
	r.ToolCalls = nil
	for _, c := range aux.ToolCalls {
		if c.Name == "" {
			return fmt.Errorf("tool call without a name")
		}
		args := "{}"
		if len(c.Arguments) > 0 && string(c.Arguments) != "null" {
			var s string
			if err := json.Unmarshal(c.Arguments, &s); err == nil {
				args = s
			} else {
				args = string(c.Arguments)
			}
		}
		r.ToolCalls = append(r.ToolCalls, ToolCall{ID: c.ID, Name: c.Name, Arguments: args})
	}
	r.Delay = time.Duration(aux.DelayMS) * time.Millisecond
	return nil
}

// MarshalJSON writes the documented script shape (delay as "delay_ms").
func (r Reply) MarshalJSON() ([]byte, error) {
	type plain Reply
	return json.Marshal(struct {
		plain
		DelayMS int64 `json:"delay_ms,omitempty"`
	}{plain(r), r.Delay.Milliseconds()})
}
