package vertex

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"google.golang.org/genai"

	"github.com/letta-server/letta-server/internal/llm"
)

// embeddingBatchSize is the number of texts per :predict call.
const embeddingBatchSize = 32

// Client calls Vertex AI. It implements llm.Client and llm.Embedder and is
// safe for concurrent use.
type Client struct {
	cfg Config
	api *genai.Client
}

var (
	_ llm.Client   = (*Client)(nil)
	_ llm.Embedder = (*Client)(nil)
)

// Chat makes one generateContent call, retrying retryable failures.
func (c *Client) Chat(ctx context.Context, req llm.ChatRequest) (*llm.ChatResponse, error) {
	contents, gcfg, err := toWire(req)
	if err != nil {
		return nil, err
	}
	var out *llm.ChatResponse
	err = c.retry(ctx, func(actx context.Context) error {
		resp, err := c.api.Models.GenerateContent(actx, req.Model, contents, gcfg)
		if err != nil {
			return err
		}
		acc := &accumulator{}
		acc.add(resp)
		out, err = acc.response()
		return err
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("vertex generate content: %w", err)
	}
	return out, nil
}

// ChatStream makes one streamGenerateContent call (SSE with CRLF framing
// and no terminator, parsed by genai); each chunk is a whole response
// whose text and function calls are deltas and whose usage replaces the
// last. A failure before the first delta is retried.
func (c *Client) ChatStream(ctx context.Context, req llm.ChatRequest, onDelta func(llm.Delta) error) (*llm.ChatResponse, error) {
	contents, gcfg, err := toWire(req)
	if err != nil {
		return nil, err
	}
	var (
		out       *llm.ChatResponse
		delivered bool
		callerErr error
	)
	err = c.retry(ctx, func(actx context.Context) error {
		acc := &accumulator{}
		for resp, err := range c.api.Models.GenerateContentStream(actx, req.Model, contents, gcfg) {
			if err != nil {
				return err
			}
			for _, d := range acc.add(resp) {
				delivered = true
				if err := onDelta(d); err != nil {
					callerErr = err
					return err
				}
			}
		}
		var err error
		out, err = acc.response()
		return err
	}, func() bool { return !delivered && callerErr == nil })
	if callerErr != nil {
		return nil, callerErr
	}
	if err != nil {
		return nil, fmt.Errorf("vertex stream generate content: %w", err)
	}
	return out, nil
}

// Embed returns one vector per text (the :predict API for text-embedding
// models), in batches.
func (c *Client) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += embeddingBatchSize {
		batch := texts[start:min(start+embeddingBatchSize, len(texts))]
		contents := make([]*genai.Content, len(batch))
		for i, t := range batch {
			contents[i] = genai.NewContentFromText(t, genai.RoleUser)
		}
		var vectors [][]float32
		err := c.retry(ctx, func(actx context.Context) error {
			resp, err := c.api.Models.EmbedContent(actx, model, contents, nil)
			if err != nil {
				return err
			}
			if len(resp.Embeddings) != len(batch) {
				return &llm.APIError{Provider: Name, StatusCode: 200, Kind: llm.ErrKindInvalidResponse,
					Message: fmt.Sprintf("%d embeddings for %d inputs", len(resp.Embeddings), len(batch))}
			}
			vectors = vectors[:0]
			for i, e := range resp.Embeddings {
				if e == nil || len(e.Values) == 0 {
					return &llm.APIError{Provider: Name, StatusCode: 200, Kind: llm.ErrKindInvalidResponse, Message: fmt.Sprintf("no embedding for input %d", i)}
				}
				vectors = append(vectors, e.Values)
			}
			return nil
		}, nil)
		if err != nil {
			return nil, fmt.Errorf("embed %d texts with %s: %w", len(batch), model, err)
		}
		out = append(out, vectors...)
	}
	return out, nil
}

// accumulator folds generateContent responses (one, or a stream of whole
// chunks) into a reply.
type accumulator struct {
	text, reasoning strings.Builder
	signature       []byte
	calls           []llm.ToolCall
	finish          genai.FinishReason
	finishMessage   string
	usage           *genai.GenerateContentResponseUsageMetadata
	model           string
	blocked         *genai.GenerateContentResponsePromptFeedback
	sawCandidate    bool
}

func (a *accumulator) add(resp *genai.GenerateContentResponse) []llm.Delta {
	if resp == nil {
		return nil
	}
	if resp.ModelVersion != "" {
		a.model = resp.ModelVersion
	}
	if resp.UsageMetadata != nil && (resp.UsageMetadata.TotalTokenCount > 0 || a.usage == nil) {
		a.usage = resp.UsageMetadata // repeated per chunk; the last full one counts
	}
	if resp.PromptFeedback != nil && resp.PromptFeedback.BlockReason != "" {
		a.blocked = resp.PromptFeedback
	}
	if len(resp.Candidates) == 0 || resp.Candidates[0] == nil {
		return nil
	}
	a.sawCandidate = true
	cand := resp.Candidates[0]
	if cand.FinishReason != "" {
		a.finish, a.finishMessage = cand.FinishReason, cand.FinishMessage
	}
	if cand.Content == nil { // SAFETY replies have content {} or none
		return nil
	}
	var deltas []llm.Delta
	for _, p := range cand.Content.Parts {
		if p == nil {
			continue
		}
		if len(p.ThoughtSignature) > 0 && a.signature == nil {
			a.signature = p.ThoughtSignature
		}
		switch {
		case p.FunctionCall != nil:
			fc := p.FunctionCall
			id := fc.ID
			if id == "" { // older models send no id
				id = fmt.Sprintf("call_%s_%d", fc.Name, len(a.calls))
			}
			args, _ := json.Marshal(fc.Args)
			if fc.Args == nil {
				args = []byte("{}")
			}
			a.calls = append(a.calls, llm.ToolCall{ID: id, Name: fc.Name, Arguments: string(args)})
			deltas = append(deltas, llm.Delta{ToolCallIndex: len(a.calls) - 1, ToolCallID: id, ToolName: fc.Name, ToolArguments: string(args)})
		case p.Thought && p.Text != "":
			a.reasoning.WriteString(p.Text)
			deltas = append(deltas, llm.Delta{Reasoning: p.Text})
		case p.Text != "":
			a.text.WriteString(p.Text)
			deltas = append(deltas, llm.Delta{Content: p.Text})
		}
	}
	return deltas
}

// response is the assembled reply, or a clean error when the prompt was
// blocked (no candidates) or the reply was withheld for safety with
// nothing to show.
func (a *accumulator) response() (*llm.ChatResponse, error) {
	if !a.sawCandidate {
		if fb := a.blocked; fb != nil {
			msg := "the prompt was blocked: " + string(fb.BlockReason)
			if fb.BlockReasonMessage != "" {
				msg += ": " + fb.BlockReasonMessage
			}
			return nil, &llm.APIError{Provider: Name, StatusCode: 200, Kind: llm.ErrKindBadRequest, Code: "PROMPT_BLOCKED", Message: msg}
		}
		return nil, &llm.APIError{Provider: Name, StatusCode: 200, Kind: llm.ErrKindInvalidResponse, Message: "the response has no candidates"}
	}
	out := &llm.ChatResponse{
		Content:      a.text.String(),
		Reasoning:    a.reasoning.String(),
		ToolCalls:    a.calls,
		FinishReason: finishReason(a.finish, len(a.calls) > 0),
		Model:        a.model,
	}
	if a.signature != nil {
		out.ReasoningSignature = base64.StdEncoding.EncodeToString(a.signature)
	}
	if u := a.usage; u != nil {
		completion := int(u.CandidatesTokenCount + u.ThoughtsTokenCount)
		out.Usage = llm.Usage{
			PromptTokens:      int(u.PromptTokenCount + u.ToolUsePromptTokenCount),
			CompletionTokens:  completion,
			TotalTokens:       int(u.TotalTokenCount),
			ReasoningTokens:   int(u.ThoughtsTokenCount),
			CachedInputTokens: int(u.CachedContentTokenCount),
		}
		if out.Usage.TotalTokens == 0 {
			out.Usage.TotalTokens = out.Usage.PromptTokens + completion
		}
	}
	if out.FinishReason == llm.FinishContentFilter && out.Content == "" && len(out.ToolCalls) == 0 {
		msg := "the reply was blocked: " + string(a.finish)
		if a.finishMessage != "" {
			msg += ": " + a.finishMessage
		}
		return nil, &llm.APIError{Provider: Name, StatusCode: 200, Kind: llm.ErrKindBadRequest, Code: string(a.finish), Message: msg}
	}
	return out, nil
}

// finishReason normalises Gemini's open set of finish reasons. Function
// calls come with STOP; they are reported as tool_calls.
func finishReason(r genai.FinishReason, calls bool) string {
	switch r {
	case genai.FinishReasonStop, "":
		if calls {
			return llm.FinishToolCalls
		}
		return llm.FinishStop
	case genai.FinishReasonMaxTokens:
		return llm.FinishLength
	case genai.FinishReasonSafety, genai.FinishReasonRecitation, genai.FinishReasonBlocklist,
		genai.FinishReasonProhibitedContent, genai.FinishReasonSPII, "MODEL_ARMOR", "IMAGE_SAFETY":
		return llm.FinishContentFilter
	case genai.FinishReasonMalformedFunctionCall, genai.FinishReasonUnexpectedToolCall:
		if calls {
			return llm.FinishToolCalls
		}
		return llm.FinishStop
	}
	return strings.ToLower(string(r))
}

// attemptInfo is what the transport saw during one attempt.
type attemptInfo struct {
	status     int
	retryAfter time.Duration
}

type attemptKey struct{}

// recordingTransport notes the status and Retry-After of each answer for
// the attempt in progress.
type recordingTransport struct{ next http.RoundTripper }

func (t recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		if info, ok := req.Context().Value(attemptKey{}).(*attemptInfo); ok {
			info.status = resp.StatusCode
			info.retryAfter = llm.ParseRetryAfter(resp.Header, time.Now())
		}
	}
	return resp, err
}

// retry runs call under llm.Retry with errors classified for Vertex.
func (c *Client) retry(ctx context.Context, call func(context.Context) error, mayRetry func() bool) error {
	var info *attemptInfo
	return llm.Retry(ctx, c.cfg.Retry, func(actx context.Context) error {
		info = &attemptInfo{}
		return call(context.WithValue(actx, attemptKey{}, info))
	}, func(err error, timedOut bool) error {
		return classify(ctx, err, timedOut, info, c.cfg.Retry.Timeout)
	}, mayRetry)
}

// classify turns an attempt's error into an *llm.APIError. The retry delay
// comes from a Retry-After header or from google.rpc.RetryInfo in the
// error details.
func classify(parent context.Context, err error, timedOut bool, info *attemptInfo, timeout time.Duration) error {
	var apiErr *llm.APIError
	if errors.As(err, &apiErr) {
		return err
	}
	if parent.Err() != nil {
		return fmt.Errorf("vertex call: %w", parent.Err())
	}
	e := &llm.APIError{Provider: Name}
	var gErr genai.APIError
	var gErrPtr *genai.APIError
	switch {
	case errors.As(err, &gErr) || errors.As(err, &gErrPtr):
		if gErrPtr != nil {
			gErr = *gErrPtr
		}
		e.StatusCode, e.Message, e.Code = gErr.Code, gErr.Message, gErr.Status
		if e.StatusCode == 0 && info != nil {
			e.StatusCode = info.status
		}
		e.Kind = llm.KindForStatus(e.StatusCode)
		if strings.Contains(e.Message, "exceeds the maximum number of tokens") || strings.Contains(e.Message, "input token count") {
			e.Kind = llm.ErrKindContextWindow
		}
		e.RetryAfter = retryDelay(gErr.Details)
	case timedOut || errors.Is(err, context.DeadlineExceeded):
		e.Kind = llm.ErrKindTimeout
		e.Message = fmt.Sprintf("no complete answer within %s", timeout)
	default:
		e.Kind = llm.ErrKindServer
		if info != nil {
			e.StatusCode = info.status
		}
		e.Message = "call failed: " + err.Error()
	}
	if info != nil && info.retryAfter > 0 {
		e.RetryAfter = info.retryAfter
	}
	return e
}

// retryDelay reads google.rpc.RetryInfo's retryDelay ("34.4s").
func retryDelay(details []map[string]any) time.Duration {
	for _, d := range details {
		if t, _ := d["@type"].(string); !strings.HasSuffix(t, "google.rpc.RetryInfo") {
			continue
		}
		if s, _ := d["retryDelay"].(string); s != "" {
			if v, err := time.ParseDuration(s); err == nil && v > 0 {
				return v
			}
		}
	}
	return 0
}
