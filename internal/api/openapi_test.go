package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/letta-server/letta-server/internal/api"
)

// openAPIDoc is the part of an OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Servers    []map[string]string                   `json:"servers"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

func getOpenAPI(t *testing.T, e *env, path string, headers ...string) (openAPIDoc, []byte) {
	t.Helper()
	r := e.do(http.MethodGet, path, nil, headers...)
	r.expect(t, http.StatusOK)
	var doc openAPIDoc
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return doc, r.body
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.Password = "pw" }) // served without it
	doc, raw := getOpenAPI(t, e, "/openapi.json")

	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0]["url"] != "/" {
		t.Errorf("servers = %v, want one with url /", doc.Servers)
	}
	// Routes the server serves are described; Letta routes it does not are not.
	for _, p := range []string{"/v1/agents/", "/v1/agents/{agent_id}/messages/stream", "/v1/blocks/{block_id}", "/v1/tools/", "/v1/runs/{run_id}", "/v1/health/"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("path %s missing", p)
		}
	}
	for _, p := range []string{"/v1/sources/", "/v1/groups/", "/v1/providers/"} {
		if _, ok := doc.Paths[p]; ok {
			t.Errorf("path %s described but not served", p)
		}
	}
	if ops := doc.Paths["/v1/agents/{agent_id}/messages/stream"]; ops["post"] == nil {
		t.Errorf("stream path has no post operation: %v", ops)
	}

	// Every $ref resolves inside the document.
	for _, m := range regexp.MustCompile(`"\$ref":"#/components/([^/"]+)/([^"]+)"`).FindAllSubmatch(raw, -1) {
		if _, ok := doc.Components[string(m[1])][string(m[2])]; !ok {
			t.Errorf("dangling $ref to %s/%s", m[1], m[2])
		}
	}
	if len(doc.Components["schemas"]) < 20 {
		t.Errorf("only %d schemas kept", len(doc.Components["schemas"]))
	}

	// Every described operation reaches a handler: the router's own 404
	// ("Not Found") and 405 never come back.
	id := regexp.MustCompile(`\{[^}]+\}`)
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
			default:
				continue
			}
			concrete := id.ReplaceAllString(path, "agent-00000000-0000-4000-8000-000000000000")
			r := e.do(strings.ToUpper(method), concrete, "{}", "Authorization", "Bearer pw")
			if r.status == http.StatusMethodNotAllowed || (r.status == http.StatusNotFound && strings.Contains(string(r.body), `"detail":"Not Found"`)) {
				t.Errorf("%s %s is described but not routed: %d %s", strings.ToUpper(method), path, r.status, r.body)
			}
		}
	}
}

func TestOpenAPIServerURLBehindProxy(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *api.Config) { c.BasePath = "/letta" })
	doc, _ := getOpenAPI(t, e, "/letta/openapi.json")
	if got := doc.Servers[0]["url"]; got != "/letta/" {
		t.Errorf("server url under LETTA_BASE_PATH = %q, want /letta/", got)
	}
	doc, _ = getOpenAPI(t, e, "/openapi.json", "X-Forwarded-Prefix", "/agents-api")
	if got := doc.Servers[0]["url"]; got != "/agents-api/" {
		t.Errorf("server url with X-Forwarded-Prefix = %q, want /agents-api/", got)
	}
}
