package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
)

// streamErrorMessage is LettaErrorMessage (Mar-2026, §6.7), the data of the
// `event: error` frame that ends a failed stream.
type streamErrorMessage struct {
	MessageType string  `json:"message_type"`
	RunID       *string `json:"run_id"`
	ErrorType   string  `json:"error_type"`
	Message     string  `json:"message"`
	Detail      string  `json:"detail"`
	SeqID       int64   `json:"seq_id"`
}

// Error types of streamErrorMessage beyond the provider kinds (llm.ErrKind*,
// which already use Letta's names).
const (
	errTypeInsufficientCredits = "llm_insufficient_credits"
	errTypeInternal            = "internal_error"
)

// streamError describes a turn's failure for the client. A provider error
// keeps its kind and message (as the sync route answers it); anything else
// is a generic internal error naming the request, and is logged here, the
// boundary that handles it.
func (s *server) streamError(r *http.Request, err error) streamErrorMessage {
	ctx := r.Context()
	out := streamErrorMessage{MessageType: letta.MsgError, ErrorType: errTypeInternal}
	var apiErr *llm.APIError
	if errors.As(err, &apiErr) {
		out.ErrorType = apiErr.Kind
		if apiErr.Code == llm.ErrCodeInsufficientQuota {
			out.ErrorType = errTypeInsufficientCredits
		}
		out.Message = "LLM provider error: " + apiErr.Message
		out.Detail = apiErr.Error()
		s.log.WarnContext(ctx, "stream ended on a provider error", "request_id", requestID(ctx), "error", err)
		return out
	}
	status, detail, _ := s.classify(err)
	if text, ok := detail.(string); ok && status < 500 {
		out.Message = text
	} else {
		out.Message = "Internal server error"
		s.log.ErrorContext(ctx, "stream failed", "request_id", requestID(ctx), "status", status, "error", err)
	}
	out.Detail = fmt.Sprintf("request id %s", requestID(ctx))
	return out
}

// checkStreamFlags reports the streaming flags that do not fit the route.
// A synchronous send (streaming=false) rejects stream_tokens=true,
// include_pings=false and background=true, as Letta does (§4.7).
func (req sendRequest) checkStreamFlags(fe *fieldErrors, stream bool) {
	if stream {
		return
	}
	if req.StreamTokens {
		fe.add("stream_tokens=true requires streaming=true", "body", "stream_tokens")
	}
	if req.IncludePings != nil && !*req.IncludePings {
		fe.add("include_pings=false requires streaming=true", "body", "include_pings")
	}
	if req.Background {
		fe.add("background=true requires streaming=true", "body", "background")
	}
}
