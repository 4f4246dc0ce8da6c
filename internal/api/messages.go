package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Defaults of LettaRequest and of the message list.
const (
	defaultAssistantToolName  = "send_message"
	defaultAssistantToolKwarg = "message"
	defaultMessageListLimit   = 100
)

// returnableTypes are the message types include_return_message_types may name.
var returnableTypes = []string{
	letta.MsgSystem, letta.MsgUser, letta.MsgAssistant, letta.MsgReasoning, letta.MsgHiddenReasoning,
	letta.MsgToolCall, letta.MsgToolReturn, letta.MsgApprovalRequest, letta.MsgApprovalResponse,
	letta.MsgSummary,
}

// sendRequest is LettaRequest / LettaStreamingRequest.
type sendRequest struct {
	Messages                  []messageCreate `json:"messages"`
	Input                     json.RawMessage `json:"input"`
	UseAssistantMessage       *bool           `json:"use_assistant_message"`
	AssistantMessageToolName  *string         `json:"assistant_message_tool_name"`
	AssistantMessageToolKwarg *string         `json:"assistant_message_tool_kwarg"`
	MaxSteps                  *int            `json:"max_steps"`
	IncludeReturnMessageTypes []string        `json:"include_return_message_types"`
	StreamTokens              bool            `json:"stream_tokens"`
	Streaming                 bool            `json:"streaming"`
	Background                bool            `json:"background"`
	IncludePings              *bool           `json:"include_pings"` // nil: true
	ClientTools               []clientTool    `json:"client_tools"`
}

// clientTool is a ClientToolSchema: a tool the client runs itself.
type clientTool struct {
	Name        string         `json:"name"`
	Description *string        `json:"description"`
	Parameters  map[string]any `json:"parameters"`
}

// params validates the request and converts it for the engine; stream says
// whether the answer is an SSE stream (the flags allowed depend on it).
func (req sendRequest) params(stream bool) (agent.SendParams, error) {
	var fe fieldErrors
	req.checkStreamFlags(&fe, stream)
	input := bytes.TrimSpace(req.Input)
	hasInput := len(input) > 0 && !bytes.Equal(input, []byte("null"))
	var msgs []messageCreate
	switch {
	case req.Messages != nil && hasInput:
		fe.add("Send exactly one of \"messages\" or \"input\", not both", "body")
	case req.Messages != nil:
		msgs = req.Messages
		if len(msgs) == 0 {
			fe.add("List should have at least 1 item", "body", "messages")
		}
	case hasInput:
		var c contentField
		if err := c.UnmarshalJSON(input); err != nil {
			fe.add("Input should be a string or an array of content parts", "body", "input")
		} else {
			validateParts(&fe, c.parts, "body", "input")
			msgs = []messageCreate{{Role: letta.RoleUser, Content: c}}
		}
	default:
		fe.add("Field required", "body", "messages")
	}
	for i, m := range req.Messages {
		m.validate(&fe, "body", "messages", i)
	}
	for i, c := range req.ClientTools {
		if c.Name == "" {
			fe.add("Field required", "body", "client_tools", i, "name")
		}
	}
	if req.MaxSteps != nil && *req.MaxSteps < 1 {
		fe.add("Input should be greater than or equal to 1", "body", "max_steps")
	}
	for i, t := range req.IncludeReturnMessageTypes {
		if !slices.Contains(returnableTypes, t) {
			fe.add(fmt.Sprintf("Unknown message type %q", t), "body", "include_return_message_types", i)
		}
	}
	if err := fe.err(); err != nil {
		return agent.SendParams{}, err
	}
	p := agent.SendParams{
		UseAssistantMessage:       req.UseAssistantMessage == nil || *req.UseAssistantMessage,
		AssistantMessageToolName:  orString(req.AssistantMessageToolName, defaultAssistantToolName),
		AssistantMessageToolKwarg: orString(req.AssistantMessageToolKwarg, defaultAssistantToolKwarg),
		IncludeReturnMessageTypes: req.IncludeReturnMessageTypes,
		StreamTokens:              req.StreamTokens,
	}
	if req.MaxSteps != nil {
		p.MaxSteps = *req.MaxSteps
	}
	for _, c := range req.ClientTools {
		p.ClientTools = append(p.ClientTools, agent.ClientTool{Name: c.Name, Description: letta.Deref(c.Description), Parameters: c.Parameters})
	}
	for _, m := range msgs {
		p.Messages = append(p.Messages, m.input())
	}
	return p, nil
}

// orString returns *p, or def when p is nil or empty.
func orString(p *string, def string) string {
	if p == nil || *p == "" {
		return def
	}
	return *p
}

// sendMessage answers POST /v1/agents/{agent_id}/messages with a LettaResponse.
func (s *server) sendMessage(w http.ResponseWriter, r *http.Request) error {
	var req sendRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if req.Streaming { // 1.x clients stream through this route
		return s.streamTurn(w, r, req)
	}
	p, err := req.params(false)
	if err != nil {
		return err
	}
	eng, err := s.engine()
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "agent_id")
	// No agent lookup first: storing the run fails with not found for an
	// unknown agent (its foreign key), which saves loading the whole agent.
	run, err := s.startRun(r.Context(), id, p)
	if err != nil {
		return err
	}
	resp, err := s.takeRunTurn(r.Context(), eng, run, p, nil)
	if err != nil && !(cancelledTurn(err) && resp != nil) {
		return notFound(err, "Agent", id)
	}
	// A cancelled turn answers with what it produced and stop_reason
	// cancelled, as Letta does.
	return writeJSON(w, http.StatusOK, wireResponse(resp, p.IncludeReturnMessageTypes))
}

// wireResponse fills the response's defaults and keeps only the requested
// message types.
func wireResponse(resp *letta.LettaResponse, types []string) *letta.LettaResponse {
	msgs := make([]letta.LettaMessage, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		if types == nil || slices.Contains(types, m.MessageType) {
			msgs = append(msgs, m)
		}
	}
	resp.Messages = msgs
	if resp.StopReason.MessageType == "" {
		resp.StopReason.MessageType = letta.MsgStopReason
	}
	if resp.StopReason.StopReason == "" {
		resp.StopReason.StopReason = letta.StopEndTurn
	}
	if resp.Usage.MessageType == "" {
		resp.Usage.MessageType = letta.MsgUsage
	}
	return resp
}

// listMessages answers GET /v1/agents/{agent_id}/messages. It takes `limit`
// stored messages (newest first for order=desc, oldest first for asc),
// renders them as the LettaMessage union and returns them oldest first
// either way. after/before are absolute (newer/older than that message),
// whatever the order, as in Letta; so the 1.x SDK's after=<last id> walk
// ends with []. group_id keeps that group's messages; no message belongs to
// a conversation here, so conversation_id matches nothing; order_by can
// only be created_at.
func (s *server) listMessages(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	after, before := q.str("after"), q.str("before")
	limit := q.integer("limit", defaultMessageListLimit, 1)
	asc := q.ascending(false)
	opts := letta.RenderOptions{
		UseAssistantMessage:       q.boolean("use_assistant_message", true),
		AssistantMessageToolName:  orString(strPtr(q.str("assistant_message_tool_name")), defaultAssistantToolName),
		AssistantMessageToolKwarg: orString(strPtr(q.str("assistant_message_tool_kwarg")), defaultAssistantToolKwarg),
	}
	types := q.strs("include_return_message_types", true)
	includeErr := q.boolean("include_err", false)
	groupID, conversationID := q.str("group_id"), q.str("conversation_id")
	if by := q.str("order_by"); by != "" && by != "created_at" {
		q.errs.add("Input should be 'created_at'", "query", "order_by")
	}
	if err := q.err(); err != nil {
		return err
	}
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	if conversationID != "" { // no message belongs to a conversation here
		return writeJSON(w, http.StatusOK, []letta.LettaMessage{})
	}
	page := store.Page{Limit: limit, Ascending: asc, After: after, Before: before}
	if !asc { // the store's cursors follow the listing order
		page.After, page.Before = before, after
	}
	// Inputs of failed turns are kept for debugging only; group_id keeps
	// the messages sent in that multi-agent group.
	keep := func(m *letta.Message) bool {
		return (includeErr || !m.IsErr) && (groupID == "" || letta.Deref(m.GroupID) == groupID)
	}
	msgs, err := s.collectMessages(r.Context(), store.ListMessagesParams{AgentID: a.ID, Page: page}, keep, limit)
	if err != nil {
		return notFound(err, "Message", cmp.Or(after, before))
	}
	if !asc {
		slices.Reverse(msgs)
	}
	out := letta.ToLettaMessages(msgs, opts)
	if out == nil {
		out = []letta.LettaMessage{}
	}
	if len(types) > 0 {
		out = slices.DeleteFunc(out, func(m letta.LettaMessage) bool { return !slices.Contains(types, m.MessageType) })
	}
	return writeJSON(w, http.StatusOK, out)
}

// strPtr returns &s, or nil for "".
func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
