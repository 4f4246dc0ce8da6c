package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/letta-server/letta-server/internal/llm"
)

// ChatStream makes one streaming call with usage included, calls onDelta
// for each increment and returns the assembled response. A failure before
// the first delta is retried like Chat; after it, the error is returned
// (repeating would deliver the deltas twice). An error from onDelta stops
// the stream and is returned unchanged.
func (c *Client) ChatStream(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (*llm.ChatResponse, error) {
	if err := c.checkImages(req); err != nil {
		return nil, err
	}
	wire := toWireRequest(req)
	wire.Stream = true
	wire.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	ctx, stub, err := c.encodeBody(ctx, wire)
	if err != nil {
		return nil, fmt.Errorf("chat completion stream: %w", err)
	}
	var (
		out       *llm.ChatResponse
		delivered bool
		callerErr error
	)
	err = c.retry(ctx, func(actx context.Context) error {
		stream, err := c.api.CreateChatCompletionStream(actx, stub)
		if err != nil {
			return err
		}
		defer stream.Close()
		acc := newAccumulator()
		for {
			chunk, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if !decodeError(err) && !isStreamErrorEvent(err) {
					err = &transportError{err}
				}
				return err
			}
			for _, d := range acc.add(chunk) {
				delivered = true
				if err := onDelta(d); err != nil {
					callerErr = err
					return err
				}
			}
		}
		out = acc.response()
		return nil
	}, func() bool { return !delivered && callerErr == nil })
	if callerErr != nil {
		return nil, callerErr
	}
	if err != nil {
		return nil, fmt.Errorf("chat completion stream: %w", err)
	}
	return out, nil
}

// decodeError: a stream event arrived whole but is not a valid chunk.
// (Truncated reads surface as io.ErrUnexpectedEOF and are transport errors.)
func decodeError(err error) bool {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	return errors.As(err, &syntaxErr) || errors.As(err, &typeErr) ||
		errors.Is(err, goopenai.ErrTooManyEmptyStreamMessages)
}

// isStreamErrorEvent: the server sent data: {"error": ...} inside the stream.
func isStreamErrorEvent(err error) bool {
	var oaErr *goopenai.APIError
	return errors.As(err, &oaErr)
}

// accumulator assembles a streamed reply. Tool calls are keyed by the
// chunk's index; the id and name arrive only on a call's first fragment
// (which may lack arguments), argument fragments are concatenated.
type accumulator struct {
	content   strings.Builder
	reasoning strings.Builder
	calls     []*streamedCall
	byIndex   map[int]*streamedCall
	finish    string
	model     string
	usage     llm.Usage
}

type streamedCall struct {
	index int
	id    string
	name  string
	args  strings.Builder
}

func newAccumulator() *accumulator {
	return &accumulator{byIndex: map[int]*streamedCall{}}
}

// add folds one chunk in and returns the deltas it carried. A chunk with no
// choices (the final usage chunk) is fine.
func (a *accumulator) add(chunk goopenai.ChatCompletionStreamResponse) []llm.Delta {
	if chunk.Model != "" {
		a.model = chunk.Model
	}
	if chunk.Usage != nil {
		a.usage = fromWireUsage(chunk.Usage)
	}
	var deltas []llm.Delta
	for _, choice := range chunk.Choices {
		if choice.Index != 0 {
			continue // n > 1 is never requested
		}
		d := choice.Delta
		if choice.FinishReason != "" && choice.FinishReason != goopenai.FinishReasonNull {
			a.finish = finishReason(choice.FinishReason)
		}
		if d.ReasoningContent != "" {
			a.reasoning.WriteString(d.ReasoningContent)
			deltas = append(deltas, llm.Delta{Reasoning: d.ReasoningContent})
		}
		if d.Content != "" {
			a.content.WriteString(d.Content)
			deltas = append(deltas, llm.Delta{Content: d.Content})
		}
		if d.Refusal != "" {
			a.content.WriteString(d.Refusal)
			deltas = append(deltas, llm.Delta{Content: d.Refusal})
		}
		for _, tc := range d.ToolCalls {
			deltas = append(deltas, a.addCall(tc))
		}
		if fc := d.FunctionCall; fc != nil { // legacy function_call streams
			deltas = append(deltas, a.addCall(goopenai.ToolCall{Function: *fc}))
		}
	}
	return deltas
}

func (a *accumulator) addCall(tc goopenai.ToolCall) llm.Delta {
	index := a.indexOf(tc)
	call, ok := a.byIndex[index]
	if !ok {
		call = &streamedCall{index: index}
		a.byIndex[index] = call
		a.calls = append(a.calls, call)
	}
	if tc.ID != "" && call.id == "" {
		call.id = tc.ID
	}
	if tc.Function.Name != "" && call.name == "" {
		call.name = tc.Function.Name
	}
	call.args.WriteString(tc.Function.Arguments)
	return llm.Delta{
		ToolCallIndex: index,
		ToolCallID:    tc.ID,
		ToolName:      tc.Function.Name,
		ToolArguments: tc.Function.Arguments,
	}
}

// indexOf is the chunk's index; servers that omit it get one per new id
// (fragments without an id continue the last call).
func (a *accumulator) indexOf(tc goopenai.ToolCall) int {
	if tc.Index != nil {
		return *tc.Index
	}
	if len(a.calls) == 0 {
		return 0
	}
	last := a.calls[len(a.calls)-1]
	if tc.ID != "" && last.id != "" && tc.ID != last.id {
		return last.index + 1
	}
	return last.index
}

func (a *accumulator) response() *llm.ChatResponse {
	out := &llm.ChatResponse{
		Content:      a.content.String(),
		Reasoning:    a.reasoning.String(),
		FinishReason: a.finish,
		Usage:        a.usage,
		Model:        a.model,
	}
	for _, call := range a.calls {
		out.ToolCalls = append(out.ToolCalls, llm.ToolCall{ID: call.id, Name: call.name, Arguments: call.args.String()})
	}
	return out
}
