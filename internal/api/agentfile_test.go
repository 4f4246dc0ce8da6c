package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// agentFiles are Letta's published agent files, copied with their license.
func agentFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../agentfile/testdata/*.af")
	if err != nil || len(files) == 0 {
		t.Fatalf("no agent files: %v", err)
	}
	return files
}

// importFile posts raw as the multipart "file" part with the given form
// fields, as both SDK generations do.
func (e *env) importFile(raw []byte, fields map[string]string, query string) response {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", "agent.af")
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := part.Write(raw); err != nil {
		e.t.Fatal(err)
	}
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), "POST", e.url+"/v1/agents/import"+query, &body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("import: %v", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: out}
}

// imported is the import response: an AgentState plus agent_ids.
type imported struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	AgentIDs []string `json:"agent_ids"`
	Blocks   []struct {
		Label string `json:"label"`
		Value string `json:"value"`
	} `json:"blocks"`
}

// TestAgentFilesOverHTTP: each published file imports through the API,
// answers a message through the fake LLM, exports, and its export imports
// to an agent whose export is the same (but for the export time and name).
func TestAgentFilesOverHTTP(t *testing.T) {
	t.Parallel()
	for _, path := range agentFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fields := map[string]string{}
			if !strings.Contains(string(raw), `openai/gpt-4o-mini`) {
				// Its model's provider is not enabled here: run it on the fake.
				fields["model"] = "openai/gpt-4o-mini"
			}
			r := e.importFile(raw, fields, "")
			r.expect(t, http.StatusOK)
			var got imported
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.AgentIDs) == 0 || got.ID != got.AgentIDs[0] || !strings.HasSuffix(got.Name, "_copy") {
				t.Fatalf("import response: id %q, name %q, agent_ids %v", got.ID, got.Name, got.AgentIDs)
			}

			e.llm.Enqueue(llmtest.Text("Hello from the imported agent."))
			var res struct {
				Messages []struct {
					MessageType string `json:"message_type"`
					Content     any    `json:"content"`
				} `json:"messages"`
			}
			e.ok("POST", "/v1/agents/"+got.ID+"/messages", map[string]any{"messages": []map[string]any{{"role": "user", "content": "hi there"}}}, &res)
			answered := false
			for _, m := range res.Messages {
				if m.MessageType == "assistant_message" && strings.Contains(toJSON(t, m.Content), "Hello from the imported agent.") {
					answered = true
				}
			}
			if !answered {
				t.Fatalf("no assistant answer in %+v", res.Messages)
			}

			first := e.do("GET", "/v1/agents/"+got.ID+"/export", nil)
			first.expect(t, http.StatusOK)
			r = e.importFile(first.body, map[string]string{"append_copy_suffix": "false"}, "")
			r.expect(t, http.StatusOK)
			var again imported
			if err := json.Unmarshal(r.body, &again); err != nil {
				t.Fatal(err)
			}
			second := e.do("POST", "/v1/agents/"+again.ID+"/export", nil)
			second.expect(t, http.StatusOK)
			ignore := cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "created_at" || k == "name" })
			if diff := cmp.Diff(decodeAny(t, first.body), decodeAny(t, second.body), ignore); diff != "" {
				t.Errorf("re-imported export differs (-first +second):\n%s", diff)
			}
		})
	}
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodeAny(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAgentFileExportShapes: the default export is the agent file schema,
// use_legacy_format=true the single-agent one; an unknown agent is a 404.
func TestAgentFileExportShapes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	raw, err := os.ReadFile("../agentfile/testdata/outreach_workflow_agent.af")
	if err != nil {
		t.Fatal(err)
	}
	// 0.1.80 sends the options in the query string.
	r := e.importFile(raw, nil, "?append_copy_suffix=false&project_id=p1")
	r.expect(t, http.StatusOK)
	var got struct {
		imported
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "outreach_workflow_agent" || got.ProjectID != "p1" {
		t.Errorf("query options ignored: name %q, project %q", got.Name, got.ProjectID)
	}

	var doc struct {
		Agents []struct {
			ID       string `json:"id"`
			Messages []any  `json:"messages"`
		} `json:"agents"`
		Tools []struct {
			Name       string  `json:"name"`
			SourceCode *string `json:"source_code"`
		} `json:"tools"`
		Blocks []any `json:"blocks"`
	}
	e.ok("GET", "/v1/agents/"+got.ID+"/export", nil, &doc)
	if len(doc.Agents) != 1 || doc.Agents[0].ID != "agent-0" || len(doc.Tools) != 4 || len(doc.Agents[0].Messages) == 0 {
		t.Errorf("export: %d agents, %d tools", len(doc.Agents), len(doc.Tools))
	}
	for _, tool := range doc.Tools {
		if tool.SourceCode == nil {
			t.Errorf("custom tool %s exported without its source", tool.Name)
		}
	}
	e.ok("GET", "/v1/agents/"+got.ID+"/export?scrub_messages=true", nil, &doc)
	if len(doc.Agents[0].Messages) != 0 {
		t.Errorf("scrub_messages exported %d messages", len(doc.Agents[0].Messages))
	}

	var legacy struct {
		Version    string `json:"version"`
		CoreMemory []any  `json:"core_memory"`
		Indices    []int  `json:"in_context_message_indices"`
		Tools      []any  `json:"tools"`
	}
	e.ok("GET", "/v1/agents/"+got.ID+"/export?use_legacy_format=true", nil, &legacy)
	if legacy.Version != "test-version" || len(legacy.Tools) != 4 || len(legacy.Indices) == 0 {
		t.Errorf("legacy export: %+v", legacy)
	}
	// The 0.1.x (Fern) SDK reads the export as a JSON string.
	fern := e.do("GET", "/v1/agents/"+got.ID+"/export", nil, "X-Fern-Language", "JavaScript")
	fern.expect(t, http.StatusOK)
	var text string
	if err := json.Unmarshal(fern.body, &text); err != nil || !strings.Contains(text, `"agents"`) {
		t.Errorf("Fern export is not the document as a JSON string: %.80s (%v)", fern.body, err)
	}
	e.do("GET", "/v1/agents/agent-00000000-0000-4000-8000-000000000000/export", nil).expect(t, http.StatusNotFound)
}

// TestBadAgentFilesChangeNothing: a bad file or option is a 422 naming the
// problem, and nothing is created.
func TestBadAgentFilesChangeNothing(t *testing.T) {
	t.Parallel()
	e := setup(t)
	good, err := os.ReadFile("../agentfile/testdata/memgpt_agent.af")
	if err != nil {
		t.Fatal(err)
	}
	count := func() string {
		var out []string
		for _, p := range []string{"/v1/agents/count", "/v1/blocks/count", "/v1/tools/count"} {
			r := e.do("GET", p, nil)
			r.expect(t, http.StatusOK)
			out = append(out, string(bytes.TrimSpace(r.body)))
		}
		return strings.Join(out, "/")
	}
	before := count()
	for _, tc := range []struct {
		name   string
		raw    string
		fields map[string]string
		want   string
	}{
		{"not json", `{"agents": [`, nil, "not valid JSON"},
		{"dangling block", `{"agents":[{"id":"a","block_ids":["nope"]}]}`, nil, `nope\" is not in the file's blocks`},
		{"unknown model", string(good), map[string]string{"model": "nosuch/model"}, "nosuch"},
		{"bad env json", string(good), map[string]string{"env_vars_json": "[1]"}, "env_vars_json"},
		{"bad boolean", string(good), map[string]string{"strip_messages": "perhaps"}, "strip_messages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.importFile([]byte(tc.raw), tc.fields, "")
			r.expect(t, http.StatusUnprocessableEntity)
			if !strings.Contains(string(r.body), tc.want) {
				t.Errorf("body %s does not name %q", r.body, tc.want)
			}
		})
	}
	if after := count(); after != before {
		t.Errorf("bad imports changed counts %s -> %s", before, after)
	}
	r := e.do("POST", "/v1/agents/import", `{"file": "x"}`)
	r.expect(t, http.StatusUnprocessableEntity)
}
