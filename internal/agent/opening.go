package agent

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/memory"
)

// Letta's boot sequence for memgpt-style agents: the model sees these as
// its first exchange, so the texts are kept as Letta wrote them.
const (
	bootThought = "Bootup sequence complete. Persona activated. Testing messaging functionality."
	bootMessage = "More human than human is our motto."
)

// openingMessages builds an agent's first in-context messages: the compiled
// system prompt, then the boot exchange for memgpt-style agents, or the
// caller's initial_message_sequence instead.
func openingMessages(a *letta.Agent, initial []MessageInput, now time.Time) ([]*letta.Message, error) {
	tz := letta.Deref(a.Timezone)
	msg := func(role string, text string) *letta.Message {
		m := &letta.Message{ID: letta.NewID(letta.PrefixMessage), AgentID: a.ID, Role: role, CreatedAt: now, Model: letta.Ptr(a.LLMConfig.Model)}
		if text != "" {
			m.Content = []letta.Content{{Type: letta.ContentText, Text: text}}
		}
		return m
	}
	out := []*letta.Message{msg(letta.RoleSystem, compileFor(a, 0, 0, now))}
	usesReplyTool := a.AgentType != letta.AgentTypeLettaV1
	reply := func(thought, text string) {
		if !usesReplyTool {
			out = append(out, msg(letta.RoleAssistant, text))
			return
		}
		call := letta.ToolCall{ID: newToolCallID(), Type: "function", Function: letta.ToolCallFunction{Name: toolSendMessage, Arguments: setArgument("{}", "message", text)}}
		am := msg(letta.RoleAssistant, thought)
		am.ToolCalls = []letta.ToolCall{call}
		tm := msg(letta.RoleTool, packageToolReturn(true, nil, now, tz))
		tm.Name = letta.Ptr(toolSendMessage)
		tm.ToolCallID = letta.Ptr(call.ID)
		tm.ToolReturns = []letta.ToolReturn{{ToolCallID: call.ID, Status: returnSuccess, Stdout: []string{}, Stderr: []string{}}}
		out = append(out, am, tm)
	}
	if initial != nil {
		for _, in := range initial {
			text := flattenText(in.Content)
			switch in.Role {
			case letta.RoleAssistant:
				reply("", text)
			case letta.RoleSystem:
				m := msg(letta.RoleUser, packedSystemAlert(text, now, tz))
				out = append(out, withSender(m, in))
			default:
				m := msg(letta.RoleUser, packedUserMessage(text, now, tz))
				m.Content = append(m.Content, imagesOf(in.Content)...)
				out = append(out, withSender(m, in))
			}
		}
		return out, nil
	}
	switch a.AgentType {
	case letta.AgentTypeMemGPT, letta.AgentTypeMemGPTV2, letta.AgentTypeReact, letta.AgentTypeWorkflow:
		reply(bootThought, bootMessage)
		out = append(out, msg(letta.RoleUser, loginEvent(now, tz)))
	}
	return out, nil
}

func withSender(m *letta.Message, in MessageInput) *letta.Message {
	m.Name, m.Otid, m.SenderID = in.Name, in.Otid, in.SenderID
	return m
}

func loginEvent(now time.Time, tz string) string {
	return pythonJSON(struct {
		Type      string `json:"type"`
		LastLogin string `json:"last_login"`
		Time      string `json:"time"`
	}{"login", "Never (first login)", memory.FormatTime(now, tz)})
}

func packedUserMessage(text string, now time.Time, tz string) string {
	return pythonJSON(struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Time    string `json:"time"`
	}{"user_message", text, memory.FormatTime(now, tz)})
}

func packedSystemAlert(text string, now time.Time, tz string) string {
	b, _ := json.Marshal(struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Time    string `json:"time"`
	}{"system_alert", text, memory.FormatTime(now, tz)})
	return string(b)
}

// newToolCallID returns an id for a tool call the model sent without one.
func newToolCallID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "call_" + hex.EncodeToString(b[:])
}

// flattenText joins the text parts of content, for the model.
func flattenText(parts []letta.Content) string {
	var s string
	for _, c := range parts {
		if c.Type == letta.ContentText {
			if s != "" {
				s += "\n"
			}
			s += c.Text
		}
	}
	return s
}
