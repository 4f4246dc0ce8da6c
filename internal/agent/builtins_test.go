package agent

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// toolReturnOf returns the packaged return stored for the first call to
// tool after the agent's opening messages, decoded.
func toolReturnOf(t *testing.T, f fixture, agentID, tool string) (status string, message any, stored *letta.Message) {
	t.Helper()
	for _, m := range f.context(t, agentID)[4:] {
		if m.Role == letta.RoleTool && letta.Deref(m.Name) == tool {
			var v struct {
				Status  string `json:"status"`
				Message any    `json:"message"`
				Time    string `json:"time"`
			}
			if err := json.Unmarshal([]byte(m.Text()), &v); err != nil || v.Time == "" {
				t.Fatalf("tool return is not packaged: %s", m.Text())
			}
			return v.Status, v.Message, m
		}
	}
	t.Fatalf("no return of %s in context", tool)
	return "", nil, nil
}

func TestBuiltinTools(t *testing.T) {
	t.Parallel()
	const readOnlyErr = "Error This block is read-only and cannot be edited."
	tests := []struct {
		tool       string
		args       string
		wantStatus string // OK | Failed
		wantMsg    string // the return's message (contains)
		label      string // block to check
		wantValue  string
	}{
		{"send_message", `{"message": "Hi Ann!"}`, "OK", "Sent message successfully.", "human", "The user is Ann."},
		{"core_memory_append", `{"label": "human", "content": "Likes tea."}`, "OK", "The user is Ann.\nLikes tea.", "human", "The user is Ann.\nLikes tea."},
		{"core_memory_append", `{"label": "notes", "content": "x"}`, "Failed", readOnlyErr, "notes", "Fixed."},
		{"core_memory_replace", `{"label": "human", "old_content": "Ann", "new_content": "Bea"}`, "OK", "The user is Bea.", "human", "The user is Bea."},
		{"core_memory_replace", `{"label": "human", "old_content": "Zed", "new_content": "Bea"}`, "Failed", "Old content 'Zed' not found", "human", "The user is Ann."},
		{"core_memory_replace", `{"label": "notes", "old_content": "Fixed", "new_content": "x"}`, "Failed", readOnlyErr, "notes", "Fixed."},
		{"memory_insert", `{"label": "human", "new_str": "First line.", "insert_line": 0}`, "OK", "First line.\nThe user is Ann.", "human", "First line.\nThe user is Ann."},
		{"memory_insert", `{"label": "human", "new_str": "` + strings.Repeat("y", 60) + `"}`, "Failed", "Edit failed: Exceeds 60 character limit", "human", "The user is Ann."},
		{"memory_insert", `{"label": "notes", "new_str": "x"}`, "Failed", readOnlyErr, "notes", "Fixed."},
		{"memory_replace", `{"label": "human", "old_str": "Ann", "new_str": "Cy"}`, "OK", "The user is Cy.", "human", "The user is Cy."},
		{"memory_replace", `{"label": "human", "old_str": "Nobody", "new_str": "Cy"}`, "Failed", "did not appear verbatim", "human", "The user is Ann."},
		{"memory_replace", `{"label": "notes", "old_str": "Fixed", "new_str": "x"}`, "Failed", readOnlyErr, "notes", "Fixed."},
		{"memory_rethink", `{"label": "human", "new_memory": "All new."}`, "OK", "All new.", "human", "All new."},
		{"memory_rethink", `{"label": "notes", "new_memory": "x"}`, "Failed", readOnlyErr, "notes", "Fixed."},
		{"memory_finish_edits", `{}`, "OK", "None", "human", "The user is Ann."},
		{"archival_memory_insert", `{"content": "x"}`, "OK", "None", "human", "The user is Ann."},
	}
	for _, tt := range tests {
		t.Run(tt.tool+" "+tt.wantStatus+" "+tt.label, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			a := f.createAgent(t, letta.AgentTypeMemGPTV2, func(p *CreateAgentParams) {
				p.MemoryBlocks[1].Limit = letta.Ptr(60)
				p.MemoryBlocks = append(p.MemoryBlocks, CreateBlockParams{Label: "notes", Value: "Fixed.", ReadOnly: true})
				p.Tools = []string{"core_memory_append", "core_memory_replace", "memory_rethink", "memory_finish_edits", "archival_memory_insert"}
			})
			f.llm.Enqueue(llmtest.Call(tt.tool, tt.args))
			resp := f.send(t, a.ID, "do it")

			status, msg, stored := toolReturnOf(t, f, a.ID, tt.tool)
			text, _ := msg.(string)
			if status != tt.wantStatus || !strings.Contains(text, tt.wantMsg) {
				t.Errorf("return = %s %q, want %s containing %q", status, text, tt.wantStatus, tt.wantMsg)
			}
			wantStored := "success"
			if tt.wantStatus == "Failed" {
				wantStored = "error"
			}
			if got := stored.ToolReturns[0].Status; got != wantStored {
				t.Errorf("stored status = %s, want %s", got, wantStored)
			}
			if got := blockValue(t, f, a.ID, tt.label); got != tt.wantValue {
				t.Errorf("%s block = %q, want %q", tt.label, got, tt.wantValue)
			}
			// Terminal tools end the turn; the others continue to a reply.
			wantSteps := 2
			if tt.tool == "send_message" || tt.tool == "memory_finish_edits" {
				wantSteps = 1
			}
			if resp.Usage.StepCount != wantSteps {
				t.Errorf("steps = %d, want %d", resp.Usage.StepCount, wantSteps)
			}
			if tt.tool == "send_message" && (len(resp.Messages) != 1 || resp.Messages[0].Content != "Hi Ann!") {
				t.Errorf("send_message response = %+v", resp.Messages)
			}
		})
	}
}

func TestConversationSearch(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a := f.createAgent(t, letta.AgentTypeMemGPT)
	for _, text := range []string{"my cat is Miso", "the weather is nice", "my other cat is Tofu"} {
		f.send(t, a.ID, text) // the fake echoes with send_message
	}
	today := time.Now().UTC().Format("2006-01-02")
	tests := []struct {
		name string
		args string
		want []string // role: content, newest first
	}{
		{"substring, both roles", `{"query": "CAT"}`, []string{
			"assistant: Echo: my other cat is Tofu", "user: my other cat is Tofu", "assistant: Echo: my cat is Miso", "user: my cat is Miso"}},
		{"user only with limit", `{"query": "cat", "roles": ["user"], "limit": 1}`, []string{"user: my other cat is Tofu"}},
		{"assistant only", `{"query": "weather", "roles": ["assistant"]}`, []string{"assistant: Echo: the weather is nice"}},
		{"date range today", `{"query": "weather", "start_date": "` + today + `", "end_date": "` + today + `"}`, []string{
			"assistant: Echo: the weather is nice", "user: the weather is nice"}},
		{"date range in the past", `{"query": "weather", "end_date": "2020-01-01"}`, nil},
		{"no hits", `{"query": "dog"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.llm.Enqueue(llmtest.Call("conversation_search", tt.args))
			f.send(t, a.ID, "search please")
			msgs := f.context(t, a.ID)
			var ret *letta.Message
			for _, m := range msgs {
				if m.Role == letta.RoleTool && letta.Deref(m.Name) == "conversation_search" {
					ret = m // the last one
				}
			}
			var v struct {
				Status  string `json:"status"`
				Message struct {
					Message string `json:"message"`
					Results []struct {
						Timestamp string `json:"timestamp"`
						TimeAgo   string `json:"time_ago"`
						Role      string `json:"role"`
						Content   string `json:"content"`
					} `json:"results"`
				} `json:"message"`
			}
			if err := json.Unmarshal([]byte(ret.Text()), &v); err != nil {
				t.Fatalf("decode %s: %v", ret.Text(), err)
			}
			var got []string
			for _, r := range v.Message.Results {
				got = append(got, r.Role+": "+r.Content)
				if _, err := time.Parse(time.RFC3339, r.Timestamp); err != nil || r.TimeAgo != "just now" {
					t.Errorf("hit times %q %q", r.Timestamp, r.TimeAgo)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("results:\n got %q\nwant %q", got, tt.want)
			}
			wantMsg := "No results found."
			if len(tt.want) > 0 {
				wantMsg = "Showing " + string(rune('0'+len(tt.want))) + " results:"
			}
			if v.Status != "OK" || v.Message.Message != wantMsg {
				t.Errorf("status %s message %q, want %q", v.Status, v.Message.Message, wantMsg)
			}
		})
	}
}
