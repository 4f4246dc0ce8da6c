package agent

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

func approvalInput(requestID *string, approvals ...ApprovalInput) SendParams {
	return SendParams{
		Messages:            []MessageInput{{Type: InputApproval, ApprovalRequestID: requestID, Approvals: approvals}},
		UseAssistantMessage: true,
	}
}

func blockValue(t *testing.T, f fixture, agentID, label string) string {
	t.Helper()
	a, err := f.store.GetAgent(context.Background(), agentID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range a.Blocks {
		if b.Label == label {
			return b.Value
		}
	}
	t.Fatalf("no block %s", label)
	return ""
}

func TestApproval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		agentType  letta.AgentType
		answer     func(requestID, callID string) SendParams
		wantHuman  string
		wantStatus string
		wantReturn string
		wantRoles  string // context after the approval request
	}{
		{
			name:      "approve (approvals list)",
			agentType: letta.AgentTypeLettaV1,
			answer: func(_, callID string) SendParams {
				return approvalInput(nil, ApprovalInput{ToolCallID: callID, Approve: true})
			},
			wantHuman: "The user is Ann.\nHas a cat.", wantStatus: "success", wantReturn: "Has a cat.",
			wantRoles: "approval,approval,tool,assistant",
		},
		{
			name:      "deny (approval_request_id form)",
			agentType: letta.AgentTypeLettaV1,
			answer: func(requestID, _ string) SendParams {
				return approvalInput(&requestID, ApprovalInput{Approve: false, Reason: letta.Ptr("not now")})
			},
			wantHuman: "The user is Ann.", wantStatus: "error", wantReturn: "Error: request to call tool denied. User reason: not now",
			wantRoles: "approval,approval,tool,assistant",
		},
		{
			name:      "memgpt deny continues with a heartbeat",
			agentType: letta.AgentTypeMemGPTV2,
			answer: func(_, callID string) SendParams {
				return approvalInput(nil, ApprovalInput{ToolCallID: callID, Approve: false, Reason: letta.Ptr("no")})
			},
			wantHuman: "The user is Ann.", wantStatus: "error", wantReturn: "User reason: no",
			wantRoles: "approval,approval,tool,user,assistant,tool",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			a := f.createAgent(t, tt.agentType, func(p *CreateAgentParams) {
				p.ToolRules = []letta.ToolRule{{Type: letta.RuleRequiresApproval, ToolName: "memory_insert"}}
			})
			f.llm.Enqueue(llmtest.Calls(llmtest.ToolCall{ID: "call_ok1", Name: "memory_insert", Arguments: `{"label": "human", "new_str": "Has a cat.", "request_heartbeat": true}`}))
			resp := f.send(t, a.ID, "I have a cat")

			// The call waits; nothing ran.
			if resp.StopReason.StopReason != letta.StopRequiresApproval {
				t.Fatalf("stop = %s, want requires_approval", resp.StopReason.StopReason)
			}
			if diff := cmp.Diff([]string{letta.MsgApprovalRequest}, messageTypes(resp.Messages)); diff != "" {
				t.Fatalf("types (-want +got):\n%s", diff)
			}
			req := resp.Messages[0]
			if letta.Deref(req.ToolCall.Name) != "memory_insert" || letta.Deref(req.ToolCall.ToolCallID) != "call_ok1" {
				t.Errorf("approval request call = %+v", req.ToolCall)
			}
			if got := blockValue(t, f, a.ID, "human"); got != "The user is Ann." {
				t.Errorf("block changed before approval: %q", got)
			}
			ctxBefore := f.context(t, a.ID)
			if last := ctxBefore[len(ctxBefore)-1]; !last.IsApprovalRequest() || last.ID != req.ID {
				t.Fatalf("last in-context message = %s", last.Role)
			}

			// A normal message is refused while the approval is pending.
			_, err := f.engine.Send(context.Background(), a.ID, userInput("hello?"), nil)
			var pe *PendingApprovalError
			if !errors.Is(err, ErrPendingApproval) || !errors.As(err, &pe) || pe.RequestID != req.ID {
				t.Fatalf("send while pending: %v", err)
			}
			// An answer naming another call is refused.
			_, err = f.engine.Send(context.Background(), a.ID, approvalInput(nil, ApprovalInput{ToolCallID: "call_other", Approve: true}), nil)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("approval of an unknown call: %v", err)
			}

			if tt.agentType == letta.AgentTypeLettaV1 {
				f.llm.Enqueue(llmtest.Text("Done."))
			} // memgpt agents answer with the fake's send_message echo
			resp, err = f.engine.Send(context.Background(), a.ID, tt.answer(req.ID, "call_ok1"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StopReason.StopReason != letta.StopEndTurn {
				t.Errorf("stop after approval = %s", resp.StopReason.StopReason)
			}
			ret := resp.Messages[0]
			if ret.MessageType != letta.MsgToolReturn || ret.Status != tt.wantStatus || !strings.Contains(ret.ToolReturn, tt.wantReturn) || ret.ToolCallID != "call_ok1" {
				t.Errorf("first item = %s %s %s", ret.MessageType, ret.Status, ret.ToolReturn)
			}
			if got := blockValue(t, f, a.ID, "human"); got != tt.wantHuman {
				t.Errorf("human block = %q, want %q", got, tt.wantHuman)
			}
			after := f.context(t, a.ID)
			if got := roles(after[len(ctxBefore)-1:]); got != tt.wantRoles {
				t.Errorf("context after approval = %s, want %s", got, tt.wantRoles)
			}
			// The model saw its call answered by the tool return.
			reqs := f.llm.Requests()
			msgs := reqs[len(reqs)-1].Chat.Messages
			for i, m := range msgs {
				if len(m.ToolCalls) > 0 && m.ToolCalls[0].ID == "call_ok1" {
					if i+1 >= len(msgs) || msgs[i+1].Role != "tool" || msgs[i+1].ToolCallID != "call_ok1" {
						t.Errorf("call_ok1 not followed by its return in the next request")
					}
				}
			}
			// And the agent takes normal messages again.
			f.send(t, a.ID, "thanks")
		})
	}
}

func TestApprovalWithoutPending(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1)
	_, err := f.engine.Send(context.Background(), a.ID, approvalInput(nil, ApprovalInput{ToolCallID: "call_x", Approve: true}), nil)
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Message, "No tool call is currently awaiting approval") {
		t.Fatalf("err = %v", err)
	}
}

// An approved call still obeys the rules of the interrupted turn: an
// exit_loop tool ends the turn once approved.
func TestApprovalRulesStillApply(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeLettaV1, func(p *CreateAgentParams) {
		p.ToolRules = []letta.ToolRule{
			{Type: letta.RuleRequiresApproval, ToolName: "memory_insert"},
			{Type: letta.RuleExitLoop, ToolName: "memory_insert"},
		}
	})
	f.llm.Enqueue(llmtest.Calls(llmtest.ToolCall{ID: "call_ex1", Name: "memory_insert", Arguments: `{"label": "human", "new_str": "Likes tea."}`}))
	resp := f.send(t, a.ID, "note tea")
	if resp.StopReason.StopReason != letta.StopRequiresApproval {
		t.Fatalf("stop = %s", resp.StopReason.StopReason)
	}
	resp, err := f.engine.Send(context.Background(), a.ID, approvalInput(nil, ApprovalInput{ToolCallID: "call_ex1", Approve: true}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StopReason.StopReason != letta.StopToolRule || len(f.llm.Requests()) != 1 {
		t.Errorf("stop = %s after %d model calls, want tool_rule after 1", resp.StopReason.StopReason, len(f.llm.Requests()))
	}
	if got := blockValue(t, f, a.ID, "human"); got != "The user is Ann.\nLikes tea." {
		t.Errorf("human = %q", got)
	}
}
