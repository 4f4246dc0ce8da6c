package api

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/letta"
)

// contentField is message content on the wire: a plain string or an array
// of content parts. A string becomes one text part.
type contentField struct {
	parts []letta.Content
	set   bool
}

// UnmarshalJSON accepts a string, an array of parts, or null (not set).
func (c *contentField) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*c = contentField{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = contentField{parts: []letta.Content{{Type: letta.ContentText, Text: s}}, set: true}
		return nil
	case len(b) > 0 && b[0] == '[':
		var parts []letta.Content
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		*c = contentField{parts: parts, set: true}
		return nil
	}
	return fmt.Errorf("content must be a string or an array of content parts")
}

// messageCreate is one MessageCreate of a request (messages,
// initial_message_sequence).
type messageCreate struct {
	Role     string       `json:"role"`
	Content  contentField `json:"content"`
	Name     *string      `json:"name"`
	Otid     *string      `json:"otid"`
	SenderID *string      `json:"sender_id"`
	Type     *string      `json:"type"`
}

// validate reports the message's problems under loc.
func (m messageCreate) validate(fe *fieldErrors, loc ...any) {
	at := func(field string) []any { return append(append([]any{}, loc...), field) }
	if m.Type != nil && *m.Type != "message" {
		fe.add(fmt.Sprintf("Message type %q is not supported yet; only \"message\" items can be sent", *m.Type), at("type")...)
		return
	}
	switch m.Role {
	case letta.RoleUser, letta.RoleSystem, letta.RoleAssistant:
	case "":
		fe.add("Field required", at("role")...)
	default:
		fe.add("Input should be 'user', 'system' or 'assistant'", at("role")...)
	}
	if !m.Content.set {
		fe.add("Field required", at("content")...)
		return
	}
	validateParts(fe, m.Content.parts, at("content")...)
}

// validateParts checks input content parts: text and image only.
func validateParts(fe *fieldErrors, parts []letta.Content, loc ...any) {
	for i, p := range parts {
		switch p.Type {
		case letta.ContentText:
		case letta.ContentImage:
			if p.Source == nil {
				fe.add("Field required", append(append([]any{}, loc...), i, "source")...)
			}
		default:
			fe.add(fmt.Sprintf("Content part type %q cannot be sent; use \"text\" or \"image\"", p.Type), append(append([]any{}, loc...), i, "type")...)
		}
	}
}

// input converts the message to the engine's form.
func (m messageCreate) input() agent.MessageInput {
	return agent.MessageInput{Role: m.Role, Content: m.Content.parts, Name: m.Name, Otid: m.Otid, SenderID: m.SenderID}
}
