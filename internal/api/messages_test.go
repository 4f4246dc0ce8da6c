package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
)

// storeUserMessages writes n user messages "m0".."m{n-1}" for the agent.
func storeUserMessages(t *testing.T, e *env, agentID string, n int) []string {
	t.Helper()
	var msgs []*letta.Message
	var out []string
	base := letta.Now()
	for i := range n {
		m := &letta.Message{
			ID: letta.NewID(letta.PrefixMessage), AgentID: agentID, Role: letta.RoleUser,
			Content:   []letta.Content{{Type: letta.ContentText, Text: fmt.Sprintf("m%d", i)}},
			CreatedAt: base.Add(time.Duration(i) * time.Millisecond),
		}
		msgs = append(msgs, m)
		out = append(out, m.ID)
	}
	if err := e.store.CreateMessages(t.Context(), msgs); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestListMessagesPaging(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newAgent("history", nil)
	all := storeUserMessages(t, e, a.ID, 5)
	base := "/v1/agents/" + a.ID + "/messages"

	tests := []struct {
		path string
		want []string
	}{
		{base, all},
		{base + "/?limit=2", all[3:]},                       // newest two, oldest first
		{base + "?limit=2&order=asc", all[:2]},              // oldest two
		{base + "?after=" + all[1], all[2:]},                // newer than m1
		{base + "?before=" + all[3], all[:3]},               // older than m3
		{base + "?before=" + all[3] + "&limit=1", all[2:3]}, // the newest older than m3
		{base + "?after=" + all[0] + "&limit=2&order=asc", all[1:3]},
		{base + "?after=" + all[4], []string{}},
	}
	for _, tt := range tests {
		r := e.do("GET", tt.path, nil)
		r.expect(t, http.StatusOK)
		if diff := cmp.Diff(tt.want, ids(t, r.body)); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", tt.path, diff)
		}
	}
	// The 1.x SDK's walk: ascending covers everything; descending stops
	// after the newest page, as in Letta.
	if diff := cmp.Diff(all, walk(t, e, base+"?order=asc&limit=2")); diff != "" {
		t.Errorf("asc walk (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all[3:], walk(t, e, base+"?limit=2")); diff != "" {
		t.Errorf("desc walk (-want +got):\n%s", diff)
	}

	var items []map[string]any
	e.ok("GET", base+"?limit=1", nil, &items)
	if items[0]["message_type"] != "user_message" || items[0]["content"] != "m4" {
		t.Errorf("rendered = %v", items[0])
	}
	e.do("GET", base+"?after="+letta.NewID(letta.PrefixMessage), nil).expect(t, http.StatusNotFound)
}

func TestSendValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newAgent("validator", nil)
	path := "/v1/agents/" + a.ID + "/messages"
	for name, body := range map[string]any{
		"nothing":          map[string]any{},
		"both":             map[string]any{"input": "hi", "messages": []any{map[string]any{"role": "user", "content": "hi"}}},
		"empty messages":   map[string]any{"messages": []any{}},
		"bad role":         map[string]any{"messages": []any{map[string]any{"role": "robot", "content": "hi"}}},
		"no content":       map[string]any{"messages": []any{map[string]any{"role": "user"}}},
		"max steps":        map[string]any{"input": "hi", "max_steps": 0},
		"bad content type": map[string]any{"messages": []any{map[string]any{"role": "user", "content": 5}}},
		"bad return type":  map[string]any{"input": "hi", "include_return_message_types": []string{"nope"}},
	} {
		r := e.do("POST", path, body)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, body %s", name, r.status, r.body)
		}
	}
}

// TestIssueScenario is the issue's walk-through with the engine and the fake LLM.
func TestIssueScenario(t *testing.T) {
	t.Parallel()
	for _, model := range []string{"gpt-4o-mini", "openai/gpt-4o-mini"} {
		t.Run(strings.ReplaceAll(model, "/", "_"), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var a letta.Agent
			e.ok("POST", "/v1/agents/", map[string]any{
				"model":         model,
				"embedding":     "openai/text-embedding-ada-002",
				"memory_blocks": []any{map[string]any{"label": "human", "value": "name: Caren"}},
			}, &a, "Authorization", "Bearer undefined")
			if !letta.ValidID(letta.PrefixAgent, a.ID) || len(a.Blocks) != 1 || a.LLMConfig.Model != "gpt-4o-mini" {
				t.Fatalf("created agent: id %s, blocks %+v, llm %+v", a.ID, a.Blocks, a.LLMConfig)
			}

			var blocks []letta.Block
			e.ok("GET", "/v1/agents/"+a.ID+"/core-memory/blocks/", nil, &blocks)
			if len(blocks) != 1 || blocks[0].Label != "human" || blocks[0].Value != "name: Caren" {
				t.Fatalf("blocks = %+v", blocks)
			}
			var state letta.Agent
			e.ok("PATCH", "/v1/agents/"+a.ID+"/core-memory/blocks/detach/"+blocks[0].ID+"/", nil, &state)
			e.ok("GET", "/v1/agents/"+a.ID+"/core-memory/blocks", nil, &blocks)
			if len(blocks) != 0 || len(state.Blocks) != 0 {
				t.Fatalf("after detach: blocks %+v, state %+v", blocks, state.Blocks)
			}

			r := e.do("POST", "/v1/agents/"+a.ID+"/messages/", map[string]any{
				"messages": []any{map[string]any{"role": "user", "content": "Hello, how are you?"}},
			})
			r.expect(t, http.StatusOK)
			var resp struct {
				Messages   []map[string]any `json:"messages"`
				StopReason map[string]any   `json:"stop_reason"`
				Usage      map[string]any   `json:"usage"`
			}
			if err := json.Unmarshal(r.body, &resp); err != nil {
				t.Fatal(err)
			}
			if resp.Messages == nil || resp.StopReason["message_type"] != "stop_reason" || resp.Usage["message_type"] != "usage_statistics" {
				t.Fatalf("response = %s", r.body)
			}
			for _, m := range resp.Messages {
				if m["message_type"] == "user_message" {
					t.Errorf("the input was echoed back: %v", m)
				}
			}

			var history []map[string]any
			e.ok("GET", "/v1/agents/"+a.ID+"/messages/", nil, &history)
			found := slices.ContainsFunc(history, func(m map[string]any) bool {
				return m["message_type"] == "user_message" && m["content"] == "Hello, how are you?"
			})
			if !found {
				t.Errorf("history lacks the user message as a flat string: %v", history)
			}
		})
	}
}

func TestSendInputShorthandAndFilter(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a letta.Agent
	e.ok("POST", "/v1/agents", map[string]any{"model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-ada-002"}, &a)
	var resp struct {
		Messages []map[string]any `json:"messages"`
	}
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{
		"input":                        []any{map[string]any{"type": "text", "text": "hi there"}},
		"include_return_message_types": []string{"assistant_message"},
	}, &resp)
	if len(resp.Messages) == 0 {
		t.Fatal("no assistant message in the response")
	}
	for _, m := range resp.Messages {
		if m["message_type"] != "assistant_message" {
			t.Errorf("filter let through %v", m["message_type"])
		}
	}
}

func TestAgentCreateAndUpdate(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a letta.Agent
	e.ok("POST", "/v1/agents", map[string]any{
		"name":        "updatable",
		"model":       "openai/gpt-4o-mini",
		"embedding":   "openai/text-embedding-ada-002",
		"tags":        []string{"one"},
		"metadata":    map[string]any{"k": "v"},
		"description": "first",
		"tool_rules":  []any{map[string]any{"type": "exit_loop", "tool_name": "send_message"}},
	}, &a)
	e.do("POST", "/v1/agents", map[string]any{"model": "openai/gpt-4o-mini", "tool_rules": []any{map[string]any{"type": "bogus", "tool_name": "x"}}}).
		expect(t, http.StatusUnprocessableEntity)
	e.do("POST", "/v1/agents", map[string]any{"model": "openai/gpt-4o-mini", "memory_blocks": []any{map[string]any{"label": "human", "value": "too long", "limit": 3}}}).
		expect(t, http.StatusBadRequest)

	var got letta.Agent
	e.ok("PATCH", "/v1/agents/"+a.ID, map[string]any{"name": "renamed", "description": nil}, &got)
	if got.Name != "renamed" || letta.Deref(got.Description) != "first" || got.Metadata["k"] != "v" || len(got.Tags) != 1 {
		t.Errorf("after rename: name %q desc %v metadata %v tags %v", got.Name, got.Description, got.Metadata, got.Tags)
	}
	got = letta.Agent{} // decoding into a used map would merge keys
	e.ok("PATCH", "/v1/agents/"+a.ID+"/", map[string]any{"tags": []string{}, "metadata": nil}, &got)
	if got.Name != "renamed" || len(got.Tags) != 0 || len(got.Metadata) != 0 {
		t.Errorf("after clearing: name %q tags %v metadata %v", got.Name, got.Tags, got.Metadata)
	}
	e.do("PATCH", "/v1/agents/"+letta.NewID(letta.PrefixAgent), map[string]any{"name": "x"}).expect(t, http.StatusNotFound)
}

// TestBlockEditReachesNextTurn: a block edited through the REST API is in the
// system prompt of the agent's next model call.
func TestBlockEditReachesNextTurn(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var a letta.Agent
	e.ok("POST", "/v1/agents", map[string]any{
		"model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-ada-002",
		"memory_blocks": []any{map[string]any{"label": "human", "value": "name: Caren"}},
	}, &a)
	e.ok("PATCH", "/v1/blocks/"+a.Blocks[0].ID, map[string]any{"value": "name: Caren, likes sailing"}, nil)
	e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{"input": "hello"}, nil)
	req, ok := e.llm.LastRequest()
	if !ok {
		t.Fatal("the model was not called")
	}
	if sys := req.SystemPrompt(); !strings.Contains(sys, "likes sailing") {
		t.Errorf("system prompt lacks the edited block:\n%s", sys)
	}
}
