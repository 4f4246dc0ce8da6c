package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/letta"
)

func TestHealth(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.Password = "s3cret" })
	for _, path := range []string{"/v1/health", "/v1/health/", "/latest/health", "/latest/health/"} {
		var got map[string]string
		e.ok("GET", path, nil, &got)
		if got["status"] != "ok" || got["version"] != "test-version" {
			t.Errorf("GET %s = %v", path, got)
		}
	}
}

func TestBothSlashFormsWithoutRedirect(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, path := range []string{
		"/v1/agents", "/v1/agents/", "/v1/blocks", "/v1/blocks/",
		"/v1/steps", "/v1/steps/", "/v1/tags", "/v1/tags/", "/latest/agents/", "/latest/blocks",
	} {
		r := e.do("GET", path, nil)
		r.expect(t, http.StatusOK) // the client refuses to follow redirects
		if strings.TrimSpace(string(r.body)) != "[]" {
			t.Errorf("GET %s = %s, want []", path, r.body)
		}
	}
	for _, path := range []string{"/v1/tools", "/v1/tools/"} { // the base tools exist from the start
		e.do("GET", path, nil).expect(t, http.StatusOK)
	}
	for _, path := range []string{"/v1/agents/count", "/v1/agents/count/", "/v1/blocks/count/"} {
		r := e.do("GET", path, nil)
		r.expect(t, http.StatusOK)
		if strings.TrimSpace(string(r.body)) != "0" {
			t.Errorf("GET %s = %s, want 0", path, r.body)
		}
	}
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("GET", "/v1/no-such-thing/", nil)
	r.expect(t, http.StatusNotFound)
	r = e.do("PUT", "/v1/health", nil)
	r.expect(t, http.StatusMethodNotAllowed)
}

func TestPasswordAuth(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.Password = "s3cret" })
	block := map[string]any{"label": "human", "value": "name: Caren"}

	for _, h := range [][]string{
		nil,
		{"Authorization", "Bearer wrong"},
		{"Authorization", "Bearer s3cret-and-more"},
		{"Authorization", "Bearer undefined"},
		{"X-BARE-PASSWORD", "password wrong"},
		{"X-BARE-PASSWORD", "s3cret"},
	} {
		r := e.do("POST", "/v1/blocks/", block, h...)
		r.expect(t, http.StatusUnauthorized)
		if d := r.detail(t); d != "Unauthorized" {
			t.Errorf("headers %v: detail %q", h, d)
		}
	}
	var blocks []letta.Block
	e.ok("GET", "/v1/blocks/", nil, &blocks, "Authorization", "Bearer s3cret")
	if len(blocks) != 0 {
		t.Fatalf("rejected requests created %d blocks", len(blocks))
	}
	e.ok("POST", "/v1/blocks/", block, nil, "Authorization", "Bearer s3cret")
	e.ok("GET", "/latest/blocks", nil, &blocks, "X-BARE-PASSWORD", "password s3cret")
	if len(blocks) != 1 {
		t.Fatalf("got %d blocks, want 1", len(blocks))
	}
}

func TestNoPasswordIgnoresAuthHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	// The 0.1.x SDK sends this when no token is configured.
	e.ok("POST", "/v1/blocks/", map[string]any{"label": "human", "value": "x"}, nil, "Authorization", "Bearer undefined")
	e.ok("GET", "/v1/blocks", nil, nil, "X-BARE-PASSWORD", "password whatever")
}

func TestRequestIDHeader(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("GET", "/v1/health", nil)
	if r.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on the response")
	}
	r = e.do("GET", "/v1/health", nil, "X-Request-Id", "abc-123")
	if got := r.header.Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("X-Request-Id = %q, want the caller's", got)
	}
}

func TestUserIDHeader(t *testing.T) {
	t.Parallel()
	e := setup(t)
	user := "user-11111111-2222-4333-8444-555555555555"
	var b letta.Block
	e.ok("POST", "/v1/blocks", map[string]any{"label": "l", "value": "v"}, &b, "user_id", user)
	if letta.Deref(b.CreatedByID) != user {
		t.Errorf("created_by_id = %v, want %s", letta.Deref(b.CreatedByID), user)
	}
	e.ok("POST", "/v1/blocks", map[string]any{"label": "l", "value": "v"}, &b)
	if letta.Deref(b.CreatedByID) != letta.DefaultUserID {
		t.Errorf("created_by_id = %v, want the default user", letta.Deref(b.CreatedByID))
	}
	r := e.do("POST", "/v1/blocks", map[string]any{"label": "l", "value": "v"}, "user_id", "bob")
	r.expect(t, http.StatusBadRequest)
}

func TestMalformedJSON(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for name, body := range map[string]string{
		"syntax":    `{"label": "human", "value": `,
		"garbage":   `not json`,
		"wrongtype": `{"label": 5, "value": "x"}`,
		"trailing":  `{"label": "a", "value": "x"} {}`,
	} {
		r := e.do("POST", "/v1/blocks/", body)
		r.expect(t, http.StatusUnprocessableEntity)
		var got struct {
			Detail []struct {
				Loc  []any  `json:"loc"`
				Msg  string `json:"msg"`
				Type string `json:"type"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(r.body, &got); err != nil || len(got.Detail) == 0 || got.Detail[0].Msg == "" {
			t.Errorf("%s: body %s is not a FastAPI validation error", name, r.body)
		}
	}
	var count int
	e.ok("GET", "/v1/blocks/count", nil, &count)
	if count != 0 {
		t.Errorf("malformed requests created %d blocks", count)
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.MaxBodyBytes = 64 })
	r := e.do("POST", "/v1/blocks/", map[string]any{"label": "human", "value": strings.Repeat("x", 200)})
	r.expect(t, http.StatusRequestEntityTooLarge)
}

func TestUnknownIDsAre404(t *testing.T) {
	t.Parallel()
	e := setup(t)
	agentID := letta.NewID(letta.PrefixAgent)
	for _, path := range []string{
		"/v1/agents/" + agentID,
		"/v1/agents/" + agentID + "/",
		"/v1/agents/" + agentID + "/core-memory",
		"/v1/agents/" + agentID + "/core-memory/blocks",
		"/v1/agents/" + agentID + "/core-memory/blocks/human",
		"/v1/agents/" + agentID + "/tools",
		"/v1/agents/" + agentID + "/messages",
	} {
		r := e.do("GET", path, nil)
		r.expect(t, http.StatusNotFound)
		if d := r.detail(t); !strings.Contains(d, "Agent not found") || !strings.Contains(d, agentID) {
			t.Errorf("GET %s: detail %q should name the agent", path, d)
		}
	}
	r := e.do("DELETE", "/v1/agents/"+agentID, nil)
	r.expect(t, http.StatusNotFound)
	r = e.do("POST", "/v1/agents/"+agentID+"/messages", map[string]any{"messages": []any{map[string]any{"role": "user", "content": "hi"}}})
	r.expect(t, http.StatusNotFound)
	for _, path := range []string{"/v1/blocks/" + letta.NewID(letta.PrefixBlock), "/v1/tools/" + letta.NewID(letta.PrefixTool), "/v1/steps/" + letta.NewID(letta.PrefixStep)} {
		e.do("GET", path, nil).expect(t, http.StatusNotFound)
	}
}
