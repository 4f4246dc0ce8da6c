package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// TestApprovalOverHTTP walks a requires_approval tool through both approval
// forms: the call pauses the turn, a plain message is refused with Letta's
// PENDING_APPROVAL 409, and the answer resumes the loop.
func TestApprovalOverHTTP(t *testing.T) {
	t.Parallel()
	for _, form := range []string{"sep-2025", "mar-2026"} {
		t.Run(form, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var a struct {
				ID string `json:"id"`
			}
			e.ok("POST", "/v1/agents/", map[string]any{
				"model":         "openai/gpt-4o-mini",
				"agent_type":    "letta_v1_agent",
				"memory_blocks": []map[string]any{{"label": "human", "value": "name: Caren"}},
				"tool_rules":    []map[string]any{{"type": "requires_approval", "tool_name": "conversation_search"}},
			}, &a)

			e.llm.Enqueue(llmtest.Call("conversation_search", `{"query": "tea"}`))
			var first struct {
				Messages []struct {
					MessageType string `json:"message_type"`
					ID          string `json:"id"`
					ToolCall    struct {
						ToolCallID string `json:"tool_call_id"`
					} `json:"tool_call"`
				} `json:"messages"`
				StopReason struct {
					StopReason string `json:"stop_reason"`
				} `json:"stop_reason"`
			}
			e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{
				"messages": []map[string]any{{"role": "user", "content": "search for tea"}},
			}, &first)
			if first.StopReason.StopReason != "requires_approval" {
				t.Fatalf("stop_reason = %q, want requires_approval", first.StopReason.StopReason)
			}
			var reqID, callID string
			for _, m := range first.Messages {
				if m.MessageType == "approval_request_message" {
					reqID, callID = m.ID, m.ToolCall.ToolCallID
				}
			}
			if reqID == "" || callID == "" {
				t.Fatalf("no approval_request_message with a tool call in %+v", first.Messages)
			}

			refused := e.do("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{
				"messages": []map[string]any{{"role": "user", "content": "hello?"}},
			})
			refused.expect(t, http.StatusConflict)
			var body struct {
				Detail struct {
					Code             string `json:"code"`
					PendingRequestID string `json:"pending_request_id"`
				} `json:"detail"`
			}
			if err := json.Unmarshal(refused.body, &body); err != nil || body.Detail.Code != "PENDING_APPROVAL" || body.Detail.PendingRequestID != reqID {
				t.Fatalf("409 body = %s, want PENDING_APPROVAL for %s", refused.body, reqID)
			}

			approval := map[string]any{"type": "approval", "approve": true, "approval_request_id": reqID}
			if form == "mar-2026" {
				approval = map[string]any{"type": "approval", "approvals": []map[string]any{
					{"type": "approval", "tool_call_id": callID, "approve": true},
				}}
			}
			e.llm.Enqueue(llmtest.Text("Found nothing about tea."))
			var second struct {
				Messages []struct {
					MessageType string `json:"message_type"`
					ToolReturn  string `json:"tool_return"`
					Content     any    `json:"content"`
				} `json:"messages"`
			}
			e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"messages": []any{approval}}, &second)
			var sawReturn, sawReply bool
			for _, m := range second.Messages {
				sawReturn = sawReturn || (m.MessageType == "tool_return_message" && strings.Contains(m.ToolReturn, "results"))
				sawReply = sawReply || (m.MessageType == "assistant_message" && m.Content == "Found nothing about tea.")
			}
			if !sawReturn || !sawReply {
				t.Fatalf("after approval: messages %+v, want the search's tool return and the reply", second.Messages)
			}
		})
	}
}

// TestApprovalValidation: malformed approval items are a 422 naming the field.
func TestApprovalValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newAgent("approver", nil)
	for name, item := range map[string]map[string]any{
		"no approve":      {"type": "approval", "approval_request_id": "message-x"},
		"empty approvals": {"type": "approval", "approvals": []any{}},
		"no tool_call_id": {"type": "approval", "approvals": []map[string]any{{"approve": true}}},
	} {
		r := e.do("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"messages": []any{item}})
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422; body %s", name, r.status, r.body)
		}
	}
}
