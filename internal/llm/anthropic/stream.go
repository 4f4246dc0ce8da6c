package anthropic

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/letta-server/letta-server/internal/llm"
)

// ChatStream makes one streaming call, calls onDelta for each increment and
// returns the assembled response. A failure before the first delta is
// retried like Chat; after it, the error is returned. An error from
// onDelta stops the stream and is returned unchanged.
func (c *Client) ChatStream(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (*llm.ChatResponse, error) {
	wire, err := toWireRequest(req)
	if err != nil {
		return nil, err
	}
	wire.Stream = true
	body, err := json.Marshal(wire)
	if err != nil {
		return nil, fmt.Errorf("encode messages request: %w", err)
	}
	var (
		out       *llm.ChatResponse
		delivered bool
		callerErr error
	)
	err = llm.Retry(ctx, c.cfg.Retry, func(actx context.Context) error {
		resp, err := c.post(actx, body, true)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		acc := &accumulator{}
		err = readEvents(resp.Body, func(name string, data []byte) (bool, error) {
			deltas, done, err := acc.add(name, data)
			if err != nil {
				return false, err
			}
			for _, d := range deltas {
				delivered = true
				if err := onDelta(d); err != nil {
					callerErr = err
					return false, err
				}
			}
			return done, nil
		})
		if err != nil {
			return err
		}
		if !acc.stopped {
			return &llm.APIError{Provider: "anthropic", StatusCode: resp.StatusCode, Kind: llm.ErrKindServer, Message: "the stream ended before message_stop"}
		}
		out = acc.response()
		return nil
	}, c.classifier(ctx), func() bool { return !delivered && callerErr == nil })
	if callerErr != nil {
		return nil, callerErr
	}
	if err != nil {
		return nil, fmt.Errorf("anthropic messages stream: %w", err)
	}
	return out, nil
}

// readEvents parses a text/event-stream body: "event:" and "data:" lines
// (several data lines are joined with newlines) up to a blank line make one
// event. handle returns true to stop reading.
func readEvents(r interface{ Read([]byte) (int, error) }, handle func(name string, data []byte) (bool, error)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var name string
	var data []string
	dispatch := func() (bool, error) {
		if len(data) == 0 {
			name = ""
			return false, nil
		}
		done, err := handle(name, []byte(strings.Join(data, "\n")))
		name, data = "", nil
		return done, err
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case line == "":
			if done, err := dispatch(); done || err != nil {
				return err
			}
		case strings.HasPrefix(line, ":"): // comment
		case strings.HasPrefix(line, "event:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	_, err := dispatch()
	return err
}

// streamEvent is the union of the Messages stream events' payloads.
type streamEvent struct {
	Type         string        `json:"type"`
	Message      *wireResponse `json:"message"`
	Index        int           `json:"index"`
	ContentBlock *block        `json:"content_block"`
	Delta        struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		Thinking    string `json:"thinking"`
		Signature   string `json:"signature"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage *wireUsage `json:"usage"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// accumulator assembles a streamed message. Tool calls are numbered in
// the order their tool_use blocks start (the delta's ToolCallIndex);
// content block indexes map to them.
type accumulator struct {
	model     string
	text      strings.Builder
	reasoning strings.Builder
	signature string
	calls     []*streamedCall
	byBlock   map[int]*streamedCall
	usage     wireUsage
	stop      string
	stopped   bool
}

type streamedCall struct {
	id, name string
	args     strings.Builder
}

// add folds one event in. It returns the deltas it carried and whether
// the message is complete.
func (a *accumulator) add(name string, data []byte) ([]llm.Delta, bool, error) {
	var ev streamEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, false, invalid(200, fmt.Sprintf("stream event %q is not JSON: %v", name, err))
	}
	if ev.Type == "" {
		ev.Type = name
	}
	switch ev.Type {
	case "message_start":
		if ev.Message != nil {
			a.model = ev.Message.Model
			a.usage = ev.Message.Usage
		}
	case "content_block_start":
		b := ev.ContentBlock
		if b == nil {
			return nil, false, nil
		}
		switch b.Type {
		case "tool_use":
			call := &streamedCall{id: b.ID, name: b.Name}
			if a.byBlock == nil {
				a.byBlock = map[int]*streamedCall{}
			}
			a.byBlock[ev.Index] = call
			a.calls = append(a.calls, call)
			return []llm.Delta{{ToolCallIndex: len(a.calls) - 1, ToolCallID: b.ID, ToolName: b.Name}}, false, nil
		case "text":
			if b.Text != "" {
				a.text.WriteString(b.Text)
				return []llm.Delta{{Content: b.Text}}, false, nil
			}
		case "thinking":
			if b.Thinking != "" {
				a.reasoning.WriteString(b.Thinking)
				return []llm.Delta{{Reasoning: b.Thinking}}, false, nil
			}
		}
	case "content_block_delta":
		d := ev.Delta
		switch d.Type {
		case "text_delta":
			if d.Text != "" {
				a.text.WriteString(d.Text)
				return []llm.Delta{{Content: d.Text}}, false, nil
			}
		case "thinking_delta":
			if d.Thinking != "" {
				a.reasoning.WriteString(d.Thinking)
				return []llm.Delta{{Reasoning: d.Thinking}}, false, nil
			}
		case "signature_delta":
			a.signature = d.Signature
		case "input_json_delta":
			call, ok := a.byBlock[ev.Index]
			if !ok {
				return nil, false, invalid(200, fmt.Sprintf("input_json_delta for block %d, which is not a tool_use", ev.Index))
			}
			call.args.WriteString(d.PartialJSON)
			if d.PartialJSON != "" {
				return []llm.Delta{{ToolCallIndex: a.indexOf(call), ToolArguments: d.PartialJSON}}, false, nil
			}
		}
	case "message_delta":
		if ev.Delta.StopReason != "" {
			a.stop = ev.Delta.StopReason
		}
		if u := ev.Usage; u != nil { // cumulative; input counts only when sent
			a.usage.OutputTokens = u.OutputTokens
			if u.InputTokens > 0 {
				a.usage.InputTokens = u.InputTokens
				a.usage.CacheCreationInputTokens = u.CacheCreationInputTokens
				a.usage.CacheReadInputTokens = u.CacheReadInputTokens
			}
		}
	case "message_stop":
		a.stopped = true
		return nil, true, nil
	case "error":
		raw, _ := json.Marshal(struct {
			Error any `json:"error"`
		}{ev.Error})
		return nil, false, errorFromBody(0, raw)
	case "ping", "content_block_stop":
	}
	return nil, false, nil
}

func (a *accumulator) indexOf(call *streamedCall) int {
	for i, c := range a.calls {
		if c == call {
			return i
		}
	}
	return -1
}

func (a *accumulator) response() *llm.ChatResponse {
	out := &llm.ChatResponse{
		Content:            a.text.String(),
		Reasoning:          a.reasoning.String(),
		ReasoningSignature: a.signature,
		FinishReason:       finishReason(a.stop),
		Usage:              a.usage.usage(),
		Model:              a.model,
	}
	for _, c := range a.calls {
		args := c.args.String()
		if strings.TrimSpace(args) == "" {
			args = "{}"
		}
		out.ToolCalls = append(out.ToolCalls, llm.ToolCall{ID: c.id, Name: c.name, Arguments: args})
	}
	return out
}
