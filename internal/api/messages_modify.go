package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/letta"
)

// modifyMessageRequest is the union UpdateSystemMessage |
// UpdateUserMessage | UpdateReasoningMessage | UpdateAssistantMessage,
// told apart by message_type.
type modifyMessageRequest struct {
	MessageType string          `json:"message_type"`
	Content     json.RawMessage `json:"content"`
	Reasoning   *string         `json:"reasoning"`
}

// modifyMessage answers PATCH /v1/agents/{agent_id}/messages/{message_id}
// (0.1.x agents.messages.modify): it rewrites the part of the stored
// message that the given message_type shows and returns that rendered
// item. 404 for a message of another agent; 422 when the type does not fit
// the stored message.
func (s *server) modifyMessage(w http.ResponseWriter, r *http.Request) error {
	var req modifyMessageRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	a, err := s.loadAgent(r)
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "message_id")
	m, err := s.cfg.Store.GetMessage(r.Context(), id)
	if err == nil && m.AgentID != a.ID {
		return errorf(http.StatusNotFound, "Message not found: %s", id)
	}
	if err != nil {
		return notFound(err, "Message", id)
	}
	if err := applyMessageUpdate(m, req); err != nil {
		return err
	}
	if err := s.cfg.Store.UpdateMessage(r.Context(), m); err != nil {
		return notFound(err, "Message", id)
	}
	opts := letta.RenderOptions{UseAssistantMessage: true}
	for _, item := range letta.ToLettaMessages([]*letta.Message{m}, opts) {
		if item.MessageType == req.MessageType {
			return writeJSON(w, http.StatusOK, item)
		}
	}
	return fmt.Errorf("render modified message %s: no %s item", id, req.MessageType)
}

// applyMessageUpdate changes m as req asks, or returns a 422 when the
// message_type does not fit the stored message.
func applyMessageUpdate(m *letta.Message, req modifyMessageRequest) error {
	misfit := func() error {
		return fieldErrors{{Loc: []any{"body", "message_type"}, Msg: fmt.Sprintf("A %s cannot update a message with role %s", req.MessageType, m.Role), Type: "value_error"}}
	}
	content := func(strOnly bool) ([]letta.Content, error) {
		var c contentField
		if err := c.UnmarshalJSON(req.Content); err != nil || !c.set || (strOnly && req.Content[0] != '"') {
			want := "a string or an array of content parts"
			if strOnly {
				want = "a string"
			}
			return nil, fieldErrors{{Loc: []any{"body", "content"}, Msg: "Input should be " + want, Type: "value_error"}}
		}
		var fe fieldErrors
		validateParts(&fe, c.parts, "body", "content")
		return c.parts, fe.err()
	}
	switch req.MessageType {
	case letta.MsgSystem, letta.MsgUser:
		want := letta.RoleSystem
		if req.MessageType == letta.MsgUser {
			want = letta.RoleUser
		}
		if m.Role != want {
			return misfit()
		}
		parts, err := content(req.MessageType == letta.MsgSystem)
		if err != nil {
			return err
		}
		m.Content = parts
		return nil
	case letta.MsgReasoning:
		if req.Reasoning == nil {
			return fieldErrors{{Loc: []any{"body", "reasoning"}, Msg: "Field required", Type: "missing"}}
		}
		if m.Role != letta.RoleAssistant {
			return misfit()
		}
		return setReasoning(m, *req.Reasoning, misfit)
	case letta.MsgAssistant:
		if m.Role != letta.RoleAssistant {
			return misfit()
		}
		parts, err := content(false)
		if err != nil {
			return err
		}
		var text string
		for _, p := range parts {
			text += p.Text
		}
		return setAssistantText(m, text, misfit)
	}
	return fieldErrors{{Loc: []any{"body", "message_type"}, Msg: "Input should be 'system_message', 'user_message', 'reasoning_message' or 'assistant_message'", Type: "literal_error"}}
}

// setReasoning replaces the reasoning a reasoning_message shows: the
// model's native reasoning, or else the inner thoughts beside a tool call.
func setReasoning(m *letta.Message, reasoning string, misfit func() error) error {
	for i, c := range m.Content {
		if c.Type == letta.ContentReasoning {
			m.Content[i].Reasoning = reasoning
			return nil
		}
	}
	if len(m.ToolCalls) == 0 {
		return misfit() // its text is the assistant_message
	}
	m.Content = append(withoutText(m.Content), letta.Content{Type: letta.ContentText, Text: reasoning})
	return nil
}

// setAssistantText replaces what an assistant_message shows: the reply
// tool's message argument, or else the plain reply text.
func setAssistantText(m *letta.Message, text string, misfit func() error) error {
	for i, tc := range m.ToolCalls {
		if tc.Function.Name != defaultAssistantToolName {
			continue
		}
		var args map[string]any
		if err := json.Unmarshal([]byte(tc.Function.Arguments), &args); err != nil || args == nil {
			args = map[string]any{}
		}
		args[defaultAssistantToolKwarg] = text
		b, err := json.Marshal(args)
		if err != nil {
			return fmt.Errorf("encode reply arguments: %w", err)
		}
		m.ToolCalls[i].Function.Arguments = string(b)
		return nil
	}
	if len(m.ToolCalls) > 0 {
		return misfit()
	}
	m.Content = append(withoutText(m.Content), letta.Content{Type: letta.ContentText, Text: text})
	return nil
}

// withoutText returns the parts that are not text.
func withoutText(parts []letta.Content) []letta.Content {
	out := []letta.Content{}
	for _, p := range parts {
		if p.Type != letta.ContentText {
			out = append(out, p)
		}
	}
	return out
}
