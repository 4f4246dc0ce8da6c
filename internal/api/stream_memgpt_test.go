package api_test

import (
	"encoding/json"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// TestStreamTokensMemGPTReply checks that a memgpt agent's send_message
// streams as assistant_message deltas of one id that assemble to the sync
// reply, escapes and non-ASCII text split across argument fragments
// included, and that the call itself is not streamed as tool_call_message.
func TestStreamTokensMemGPTReply(t *testing.T) {
	t.Parallel()
	for _, agentType := range []string{"memgpt_agent", "memgpt_v2_agent"} {
		t.Run(agentType, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var a letta.Agent
			e.ok("POST", "/v1/agents", map[string]any{
				"agent_type": agentType, "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-ada-002",
				"memory_blocks": []any{map[string]any{"label": "human", "value": "name: Caren"}},
			}, &a)
			// \" and \u00e9 and a surrogate pair are cut by the fake's
			// six-rune argument fragments.
			args := `{"message": "She said \"caf\u00e9 \ud83d\ude00\" \\ ok\nbye", "request_heartbeat": false}`
			reply := func() llmtest.Reply {
				r := llmtest.Call("send_message", args)
				r.Content = "Thinking it over."
				return r
			}
			e.llm.Enqueue(reply())
			var sync struct {
				Messages []map[string]any `json:"messages"`
			}
			e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "one"}, &sync)
			syncText := ""
			for _, m := range sync.Messages {
				if m["message_type"] == "assistant_message" {
					syncText, _ = m["content"].(string)
				}
			}
			if want := "She said \"café 😀\" \\ ok\nbye"; syncText != want {
				t.Fatalf("sync reply %q, want %q (%v)", syncText, want, sync.Messages)
			}

			e.llm.Enqueue(reply())
			items, raised := e.stream("/v1/agents/"+a.ID+"/messages/stream", map[string]any{"input": "two", "stream_tokens": true}).items(t)
			if raised != nil {
				t.Fatalf("stream raised %v", raised)
			}
			text := map[string]string{}
			chunks := map[string]int{}
			for _, it := range withoutPings(items) {
				typ, _ := it["message_type"].(string)
				chunks[typ]++
				if typ == "assistant_message" {
					id, _ := it["id"].(string)
					s, _ := it["content"].(string)
					text[id] += s
				}
			}
			if len(text) != 1 {
				t.Fatalf("assistant chunks do not share one id: %v", text)
			}
			for _, got := range text {
				if got != syncText {
					t.Errorf("assembled %q, sync reply %q", got, syncText)
				}
			}
			if chunks["assistant_message"] < 3 || chunks["tool_call_message"] != 0 {
				t.Errorf("chunks per type = %v", chunks)
			}
		})
	}
}

// TestStreamTokensApprovalToolSentWhole checks that a call needing approval
// is not streamed as tool_call_message chunks: its approval_request_message
// comes once, whole.
func TestStreamTokensApprovalToolSentWhole(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a letta.Agent
	e.ok("POST", "/v1/agents", map[string]any{
		"model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-ada-002",
		"memory_blocks": []any{map[string]any{"label": "human", "value": "name: Caren"}},
		"tool_rules":    []map[string]any{{"type": "requires_approval", "tool_name": "memory_insert"}},
	}, &a)
	e.llm.Enqueue(llmtest.Call("memory_insert", insertCat))
	items, raised := e.stream("/v1/agents/"+a.ID+"/messages/stream", map[string]any{"input": "I have a cat", "stream_tokens": true}).items(t)
	if raised != nil {
		t.Fatalf("stream raised %v", raised)
	}
	var got []string
	for _, it := range withoutPings(items) {
		got = append(got, it["message_type"].(string))
		if it["message_type"] == "approval_request_message" {
			raw, _ := json.Marshal(it["tool_call"])
			var call map[string]any
			_ = json.Unmarshal(raw, &call)
			if call["arguments"] != insertCat {
				t.Errorf("approval request call = %s", raw)
			}
		}
	}
	want := []string{"approval_request_message", "stop_reason", "usage_statistics"}
	if len(got) != len(want) || got[0] != want[0] {
		t.Errorf("items = %v, want %v", got, want)
	}
}
