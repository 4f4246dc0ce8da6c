package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// chatAgent creates an agent through the API (so it has its opening
// messages and send_message) and has it answer each text once; the fake
// model echoes "Echo: <text>" through send_message.
func chatAgent(t *testing.T, e *env, name, project string, texts ...string) *letta.Agent {
	t.Helper()
	body := map[string]any{"name": name, "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-ada-002"}
	if project != "" {
		body["project_id"] = project
	}
	var a letta.Agent
	e.ok("POST", "/v1/agents/", body, &a)
	for _, text := range texts {
		e.ok("POST", "/v1/agents/"+a.ID+"/messages", map[string]any{
			"messages": []any{map[string]any{"role": "user", "content": text}},
		}, nil)
	}
	return &a
}

// msgSearchResult is a MessageSearchResult as read back.
type msgSearchResult struct {
	EmbeddedText string         `json:"embedded_text"`
	Message      map[string]any `json:"message"`
	FTSRank      *int           `json:"fts_rank"`
	VectorRank   *int           `json:"vector_rank"`
	RRFScore     float64        `json:"rrf_score"`
}

func search(t *testing.T, e *env, path string, body any) []msgSearchResult {
	t.Helper()
	r := e.do("POST", path, body)
	r.expect(t, http.StatusOK)
	var out []msgSearchResult
	if err := json.Unmarshal(r.body, &out); err != nil || out == nil {
		t.Fatalf("POST %s %v: want an array, got %s (%v)", path, body, r.body, err)
	}
	return out
}

func TestSearchAgentMessages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	fruit := chatAgent(t, e, "fruit", "proj-1", "apple pie please", "and a pear")
	other := chatAgent(t, e, "other", "", "banana split")
	const path = "/v1/agents/messages/search"

	all := search(t, e, path, map[string]any{})
	if len(all) < 6 {
		t.Fatalf("search {} found %d messages, want every agent's history", len(all))
	}
	for i, res := range all {
		if res.FTSRank == nil || *res.FTSRank != i+1 || res.VectorRank != nil || res.RRFScore != 1/float64(60+i+1) {
			t.Errorf("result %d ranks: fts %v vector %v rrf %v", i, res.FTSRank, res.VectorRank, res.RRFScore)
		}
		if i > 0 && res.Message["sequence_id"].(float64) > all[i-1].Message["sequence_id"].(float64) {
			t.Errorf("result %d is newer than the one before it", i)
		}
		for _, k := range []string{"id", "role", "agent_id", "content", "created_at", "updated_at", "created_by_id", "tool_calls", "otid"} {
			if _, ok := res.Message[k]; !ok {
				t.Errorf("result %d message lacks %q: %v", i, k, res.Message)
			}
		}
	}
	// The raw wire shape: exactly the schema's keys.
	raw := e.do("POST", path, map[string]any{"limit": 1})
	var keys []map[string]json.RawMessage
	if err := json.Unmarshal(raw.body, &keys); err != nil || len(keys) != 1 {
		t.Fatalf("limit 1: %s", raw.body)
	}
	var got []string
	for k := range keys[0] {
		got = append(got, k)
	}
	slices.Sort(got)
	if diff := cmp.Diff([]string{"embedded_text", "fts_rank", "message", "rrf_score", "vector_rank"}, got); diff != "" {
		t.Errorf("result keys (-want +got):\n%s", diff)
	}

	apple := search(t, e, path, map[string]any{"query": "APPLE", "search_mode": "fts"})
	if len(apple) == 0 {
		t.Fatal("query apple found nothing")
	}
	for _, res := range apple {
		if res.Message["agent_id"] != fruit.ID || !strings.Contains(strings.ToLower(res.EmbeddedText), "apple") {
			t.Errorf("query apple matched %q of %v", res.EmbeddedText, res.Message["agent_id"])
		}
	}
	if !slices.ContainsFunc(apple, func(r msgSearchResult) bool {
		return r.Message["role"] == "user" && r.EmbeddedText == "apple pie please"
	}) {
		t.Errorf("the user's message is not among %+v", apple)
	}

	for _, res := range search(t, e, path, map[string]any{"roles": []string{"assistant"}, "search_mode": "vector"}) {
		if res.Message["role"] != "assistant" {
			t.Errorf("roles [assistant] gave %v", res.Message["role"])
		}
	}
	for _, res := range search(t, e, path, map[string]any{"project_id": "proj-1"}) {
		if res.Message["agent_id"] != fruit.ID {
			t.Errorf("project proj-1 gave a message of %v", res.Message["agent_id"])
		}
	}
	// The reply (newest) echoes the question, so both match.
	if got := search(t, e, path, map[string]any{"agent_id": other.ID, "query": "banana"}); len(got) != 2 ||
		got[0].EmbeddedText != "Echo: banana split" || got[1].EmbeddedText != "banana split" {
		t.Errorf("agent filter: %+v", got)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	past := "2001-01-01T00:00:00Z"
	empty := []map[string]any{
		{"agent_id": other.ID, "query": "apple"},
		{"template_id": "template-1"},
		{"project_id": "proj-none"},
		{"conversation_id": "conv-1"},
		{"start_date": future},
		{"end_date": past},
		{"query": "no such words anywhere"},
	}
	for _, body := range empty {
		if got := search(t, e, path, body); len(got) != 0 {
			t.Errorf("search %v = %d results, want none", body, len(got))
		}
	}
	if got := search(t, e, path, map[string]any{"limit": 2, "start_date": past, "end_date": future}); len(got) != 2 {
		t.Errorf("limit 2 with a wide date range = %d results", len(got))
	}

	bad := []string{
		`{"limit": 0}`, `{"limit": 101}`, `{"limit": 1.5}`, `{"limit": "x"}`,
		`{"search_mode": "semantic"}`, `{"roles": ["robot"]}`, `{"roles": "user"}`,
		`{"start_date": "yesterday"}`, `{"query": 7}`, `[]`, `{"query": `,
	}
	for _, body := range bad {
		e.do("POST", path, body).expect(t, http.StatusUnprocessableEntity)
	}
}

func TestSearchAllMessages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	fruit := chatAgent(t, e, "fruit", "", "apple pie please")
	chatAgent(t, e, "other", "", "banana split")
	const path = "/v1/messages/search"

	var items []map[string]any
	e.ok("POST", path, map[string]any{"query": "apple"}, &items)
	if len(items) == 0 {
		t.Fatal("query apple found nothing")
	}
	// Newest first: the reply, then the question.
	if len(items) != 2 {
		t.Fatalf("query apple = %v, want the question and its reply", items)
	}
	for i, want := range []map[string]any{
		{"message_type": "assistant_message", "content": "Echo: apple pie please"},
		{"message_type": "user_message", "content": "apple pie please"},
	} {
		want["message_id"], want["created_at"] = items[i]["message_id"], items[i]["created_at"]
		want["agent_id"], want["conversation_id"] = fruit.ID, nil
		if diff := cmp.Diff(want, items[i]); diff != "" {
			t.Errorf("result %d (-want +got):\n%s", i, diff)
		}
		if id, _ := items[i]["message_id"].(string); !letta.ValidID(letta.PrefixMessage, id) {
			t.Errorf("result %d message_id %q", i, id)
		}
	}

	e.ok("POST", path, map[string]any{"query": "", "agent_id": fruit.ID, "limit": 100}, &items)
	allowed := []string{"system_message", "user_message", "reasoning_message", "assistant_message"}
	for _, it := range items {
		if !slices.Contains(allowed, it["message_type"].(string)) || it["agent_id"] != fruit.ID {
			t.Errorf("item %v", it)
		}
	}
	if !slices.ContainsFunc(items, func(it map[string]any) bool {
		return it["message_type"] == "assistant_message" && it["content"] == "Echo: apple pie please"
	}) {
		t.Errorf("the reply is not among %v", items)
	}
	e.ok("POST", path, map[string]any{"query": "", "limit": 1}, &items)
	if len(items) != 1 {
		t.Errorf("limit 1 gave %d items", len(items))
	}

	for _, body := range []string{`{}`, `{"query": null}`, `{"query": "a", "limit": 0}`, `{"query": "a", "search_mode": "x"}`, `{"query": "a", "end_date": "soon"}`} {
		e.do("POST", path, body).expect(t, http.StatusUnprocessableEntity)
	}
}

// expectedHistory is what GET /v1/messages/ should list: every stored
// message rendered, newest stored message first, and the distinct ids.
func expectedHistory(t *testing.T, e *env, ascending bool) []string {
	t.Helper()
	msgs, err := e.store.ListMessages(t.Context(), store.ListMessagesParams{Page: store.Page{Ascending: ascending}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range letta.ToLettaMessages(msgs, letta.RenderOptions{UseAssistantMessage: true}) {
		out = append(out, m.ID)
	}
	return slices.Compact(out)
}

func TestListAllMessages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	chatAgent(t, e, "one", "", "first question")
	chatAgent(t, e, "two", "", "second question", "third question")

	desc := expectedHistory(t, e, false)
	asc := expectedHistory(t, e, true)
	if len(desc) < 8 {
		t.Fatalf("only %d messages of history", len(desc))
	}
	// The 1.x SDK's walk with after=<last id> covers everything and ends.
	if diff := cmp.Diff(desc, slices.Compact(walk(t, e, "/v1/messages/?limit=3"))); diff != "" {
		t.Errorf("desc walk (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(asc, slices.Compact(walk(t, e, "/v1/messages?order=asc&limit=2"))); diff != "" {
		t.Errorf("asc walk (-want +got):\n%s", diff)
	}
	var page []map[string]any
	e.ok("GET", "/v1/messages/", nil, &page)
	if len(page) == 0 || page[0]["id"] != desc[0] {
		t.Errorf("default list starts with %v, want the newest %s", page[0]["id"], desc[0])
	}

	// before: the messages just before the cursor, in the requested order.
	r := e.do("GET", "/v1/messages/?order=asc&limit=2&before="+asc[5], nil)
	r.expect(t, http.StatusOK)
	if diff := cmp.Diff(asc[3:5], slices.Compact(ids(t, r.body))); diff != "" {
		t.Errorf("before (-want +got):\n%s", diff)
	}

	// A type filter never ends the walk early.
	users := walk(t, e, "/v1/messages/?limit=1&include_return_message_types=user_message")
	var texts []string
	for _, id := range slices.Compact(users) {
		var items []map[string]any
		e.ok("GET", "/v1/messages/"+id, nil, &items)
		texts = append(texts, items[0]["content"].(string))
	}
	for _, q := range []string{"first question", "second question", "third question"} {
		if !slices.Contains(texts, q) {
			t.Errorf("user walk lacks %q: %v", q, texts)
		}
	}

	e.ok("GET", "/v1/messages/?conversation_id=conv-1", nil, &page)
	if len(page) != 0 {
		t.Errorf("conversation filter gave %d items", len(page))
	}
	for _, q := range []string{"order=sideways", "limit=0", "limit=x", "include_return_message_types=bogus"} {
		e.do("GET", "/v1/messages/?"+q, nil).expect(t, http.StatusUnprocessableEntity)
	}
	e.do("GET", "/v1/messages/?after="+letta.NewID(letta.PrefixMessage), nil).expect(t, http.StatusNotFound)
}

func TestRetrieveMessage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := chatAgent(t, e, "one", "", "hello there")
	var history []map[string]any
	e.ok("GET", "/v1/agents/"+a.ID+"/messages?limit=100", nil, &history)
	for _, h := range history {
		id := h["id"].(string)
		var items []map[string]any
		e.ok("GET", "/v1/messages/"+id, nil, &items)
		if len(items) == 0 {
			t.Errorf("message %s rendered as nothing", id)
		}
		for _, it := range items {
			if it["id"] != id {
				t.Errorf("retrieving %s gave an item of %v", id, it["id"])
			}
		}
		if h["message_type"] == "user_message" && h["content"] == "hello there" &&
			(items[0]["message_type"] != "user_message" || items[0]["content"] != "hello there") {
			t.Errorf("user message = %v", items)
		}
	}
	e.do("GET", "/v1/messages/message-123", nil).expect(t, http.StatusUnprocessableEntity)
	e.do("GET", "/v1/messages/"+letta.NewID(letta.PrefixAgent), nil).expect(t, http.StatusUnprocessableEntity)
	missing := e.do("GET", "/v1/messages/"+letta.NewID(letta.PrefixMessage), nil)
	missing.expect(t, http.StatusNotFound)
}

func TestListAgentMessagesFilters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.newAgent("grouped", nil)
	base := letta.Now()
	var msgs []*letta.Message
	var inGroup []string
	for i, group := range []string{"group-a", "", "group-a", "group-b", ""} {
		m := &letta.Message{
			ID: letta.NewID(letta.PrefixMessage), AgentID: a.ID, Role: letta.RoleUser,
			Content:   []letta.Content{{Type: letta.ContentText, Text: "m"}},
			CreatedAt: base.Add(time.Duration(i) * time.Millisecond),
		}
		if group != "" {
			m.GroupID = letta.Ptr(group)
		}
		if group == "group-a" {
			inGroup = append(inGroup, m.ID)
		}
		msgs = append(msgs, m)
	}
	if err := e.store.CreateMessages(t.Context(), msgs); err != nil {
		t.Fatal(err)
	}
	path := "/v1/agents/" + a.ID + "/messages?"
	tests := []struct {
		query string
		want  []string
	}{
		{"group_id=group-a", inGroup},
		{"group_id=group-a&limit=1", inGroup[1:]}, // the newest of the group, not an empty page
		{"group_id=group-a&limit=1&order=asc", inGroup[:1]},
		{"group_id=group-none", []string{}},
		{"conversation_id=conv-1", []string{}},
		{"order_by=created_at&limit=1", []string{msgs[4].ID}},
	}
	for _, tt := range tests {
		r := e.do("GET", path+tt.query, nil)
		r.expect(t, http.StatusOK)
		if diff := cmp.Diff(tt.want, ids(t, r.body)); diff != "" {
			t.Errorf("GET ?%s (-want +got):\n%s", tt.query, diff)
		}
	}
	e.do("GET", path+"order_by="+url.QueryEscape("name"), nil).expect(t, http.StatusUnprocessableEntity)
}
