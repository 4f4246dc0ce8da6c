package agentfile_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/agentfile"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// fixture is a real SQLite store, an OpenAI provider talking to the fake
// LLM over HTTP, and the engine that owns the built-in tools.
type fixture struct {
	store    store.Store
	engine   *agent.Engine
	importer *agentfile.Importer
	llm      *llmtest.Server
}

func setup(t testing.TB) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "letta.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	fake := llmtest.NewServer(t)
	models := llm.NewRegistry(openai.New(openai.Config{APIKey: "test-key", BaseURL: fake.URL(), MaxRetries: -1}))
	eng := agent.New(agent.Config{Store: st, Models: models})
	im := agentfile.NewImporter(agentfile.Config{Store: st, Models: models, EnsureBaseToolsFunc: eng.EnsureBaseTools, CheckSourceFunc: eng.CheckToolSource})
	return &fixture{store: st, engine: eng, importer: im, llm: fake}
}

// publishedFiles lists testdata/*.af: Letta's published agent files.
func publishedFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.af")
	if err != nil || len(files) == 0 {
		t.Fatalf("no agent files in testdata: %v", err)
	}
	return files
}

func parseFile(t testing.TB, path string) *agentfile.File {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := agentfile.Parse(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return f
}

// TestImportPublishedFiles imports each published file, checks the agents
// against the file, exports, imports the export and compares the exports.
func TestImportPublishedFiles(t *testing.T) {
	t.Parallel()
	for _, path := range publishedFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			fx := setup(t)
			ctx := t.Context()
			f := parseFile(t, path)
			ids, err := fx.importer.Import(ctx, f, agentfile.ImportOptions{OverrideExistingTools: true})
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if len(ids) != len(f.Agents) {
				t.Fatalf("imported %d agents, the file has %d", len(ids), len(f.Agents))
			}
			for i, id := range ids {
				checkAgent(t, fx.store, f, &f.Agents[i], id)
			}

			first, err := agentfile.Export(ctx, fx.store, ids[0], agentfile.ExportOptions{})
			if err != nil {
				t.Fatalf("export: %v", err)
			}
			again := roundTrip(t, fx, first)
			if diff := cmp.Diff(comparable(t, first), comparable(t, again)); diff != "" {
				t.Errorf("export of the re-imported export differs (-first +again):\n%s", diff)
			}
		})
	}
}

// roundTrip encodes an export, parses and imports it, and exports the result.
func roundTrip(t *testing.T, fx *fixture, f *agentfile.File) *agentfile.File {
	t.Helper()
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := agentfile.Parse(raw)
	if err != nil {
		t.Fatalf("parse export: %v", err)
	}
	ids, err := fx.importer.Import(t.Context(), parsed, agentfile.ImportOptions{OverrideExistingTools: true})
	if err != nil {
		t.Fatalf("import export: %v", err)
	}
	checkAgent(t, fx.store, parsed, &parsed.Agents[0], ids[0])
	out, err := agentfile.Export(t.Context(), fx.store, ids[0], agentfile.ExportOptions{})
	if err != nil {
		t.Fatalf("export again: %v", err)
	}
	return out
}

// comparable is f as generic JSON without the export time.
func comparable(t *testing.T, f *agentfile.File) any {
	t.Helper()
	g := *f
	g.CreatedAt = nil
	raw, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// checkAgent compares the stored agent id with the file's agent fa.
func checkAgent(t *testing.T, st store.Store, f *agentfile.File, fa *agentfile.Agent, id string) {
	t.Helper()
	ctx := t.Context()
	a, err := st.GetAgent(ctx, id)
	if err != nil {
		t.Fatalf("get agent: %v", err)
	}
	if a.System != letta.Deref(fa.System) {
		t.Errorf("system prompt differs from the file's")
	}
	if fa.LLMConfig != nil && a.LLMConfig.Model != fa.LLMConfig.Model {
		t.Errorf("llm model = %q, file has %q", a.LLMConfig.Model, fa.LLMConfig.Model)
	}
	if diff := cmp.Diff(orNone(fa.Tags), orNone(a.Tags)); diff != "" && !sameSet(fa.Tags, a.Tags) {
		t.Errorf("tags differ:\n%s", diff)
	}

	type blockView struct {
		Label, Value string
		Limit        int
		Description  string
		ReadOnly     bool
	}
	var wantBlocks, gotBlocks []blockView
	for _, bid := range fa.BlockIDs {
		for _, b := range f.Blocks {
			if b.ID == bid {
				limit := letta.DefaultLimitFor(b.Label)
				if b.Limit != nil {
					limit = *b.Limit
				}
				wantBlocks = append(wantBlocks, blockView{b.Label, b.Value, limit, letta.Deref(b.Description), b.ReadOnly})
			}
		}
	}
	for _, b := range a.Blocks {
		gotBlocks = append(gotBlocks, blockView{b.Label, b.Value, b.Limit, letta.Deref(b.Description), b.ReadOnly})
	}
	if diff := cmp.Diff(wantBlocks, gotBlocks); diff != "" {
		t.Errorf("blocks differ from the file (-file +stored):\n%s", diff)
	}

	var wantTools, gotTools []string
	for _, tid := range fa.ToolIDs {
		for _, ft := range f.Tools {
			if ft.ID != tid {
				continue
			}
			wantTools = append(wantTools, ft.Name)
			if ft.ToolType != letta.ToolTypeCustom {
				continue
			}
			i := slices.IndexFunc(a.Tools, func(x letta.Tool) bool { return x.Name == ft.Name })
			if i < 0 {
				continue // reported below
			}
			got := a.Tools[i]
			if letta.Deref(got.SourceCode) != letta.Deref(ft.SourceCode) {
				t.Errorf("tool %s: source code differs from the file's", ft.Name)
			}
			if diff := cmp.Diff(ft.JSONSchema, got.JSONSchema); diff != "" {
				t.Errorf("tool %s: json_schema differs:\n%s", ft.Name, diff)
			}
		}
	}
	for _, tool := range a.Tools {
		gotTools = append(gotTools, tool.Name)
	}
	if diff := cmp.Diff(wantTools, gotTools); diff != "" {
		t.Errorf("tools differ (-file +stored):\n%s", diff)
	}

	wantRules, _ := json.Marshal(orNone(fa.ToolRules))
	gotRules, _ := json.Marshal(orNone(a.ToolRules))
	if string(wantRules) != string(gotRules) {
		t.Errorf("tool rules = %s, file has %s", gotRules, wantRules)
	}

	window, err := st.GetMessages(ctx, a.MessageIDs)
	if err != nil {
		t.Fatal(err)
	}
	if len(window) != len(fa.InContextMessageIDs) {
		t.Fatalf("context window has %d messages, the file %d", len(window), len(fa.InContextMessageIDs))
	}
	for i, mid := range fa.InContextMessageIDs {
		fm := fa.Messages[slices.IndexFunc(fa.Messages, func(m agentfile.Message) bool { return m.ID == mid })]
		if window[i].Role != fm.Role || window[i].Text() != textOf(fm) {
			t.Errorf("context message %d = %s %.60q, file has %s %.60q", i, window[i].Role, window[i].Text(), fm.Role, textOf(fm))
		}
	}
	n, err := st.CountMessages(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(fa.Messages) {
		t.Errorf("stored %d messages, the file has %d", n, len(fa.Messages))
	}
}

func textOf(m agentfile.Message) string {
	var s string
	for _, c := range m.Content {
		if c.Type == letta.ContentText {
			s += c.Text
		}
	}
	return s
}

func orNone[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// TestDoubleEncodedFiles: files stored as a JSON string holding the JSON
// document parse like the plain ones.
func TestDoubleEncodedFiles(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/memgpt_agent.af")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(strings.TrimSpace(string(raw)), `"`) {
		t.Fatal("testdata/memgpt_agent.af is expected to be double-encoded")
	}
	var inner string
	if err := json.Unmarshal(raw, &inner); err != nil {
		t.Fatal(err)
	}
	a, err := agentfile.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := agentfile.Parse([]byte(inner))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(comparable(t, a), comparable(t, b)); diff != "" {
		t.Errorf("double-encoded file parses differently:\n%s", diff)
	}
}

// TestLegacyRoundTrip exports an imported agent in the legacy schema,
// imports that, and finds the same blocks, tools, rules and window.
func TestLegacyRoundTrip(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	ctx := t.Context()
	ids, err := fx.importer.Import(ctx, parseFile(t, "testdata/loop.af"), agentfile.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := agentfile.ExportLegacy(ctx, fx.store, ids[0], agentfile.ExportOptions{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(legacy.InContextMessageIndices) == 0 || legacy.Version != "test" || len(legacy.CoreMemory) == 0 {
		t.Fatalf("legacy export is missing parts: %d indices, version %q, %d blocks", len(legacy.InContextMessageIndices), legacy.Version, len(legacy.CoreMemory))
	}
	raw, err := json.Marshal(legacy)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := agentfile.Parse(raw)
	if err != nil {
		t.Fatalf("parse legacy export: %v", err)
	}
	ids2, err := fx.importer.Import(ctx, parsed, agentfile.ImportOptions{})
	if err != nil {
		t.Fatalf("import legacy export: %v", err)
	}
	want, err := agentfile.Export(ctx, fx.store, ids[0], agentfile.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := agentfile.Export(ctx, fx.store, ids2[0], agentfile.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The legacy schema has no metadata fields for these; they differ by design.
	for _, f := range []*agentfile.File{want, got} {
		f.Agents[0].Timezone, f.Agents[0].MaxFilesOpen, f.Agents[0].PerFileViewWindowCharLimit = nil, nil, nil
		f.Agents[0].CompactionSettings, f.Agents[0].ModelSettings, f.Agents[0].EnableSleeptime = nil, nil, nil
		for i := range f.Blocks {
			f.Blocks[i].PreserveOnMigration, f.Blocks[i].Hidden, f.Blocks[i].Tags = nil, nil, nil
		}
	}
	if diff := cmp.Diff(comparable(t, want), comparable(t, got)); diff != "" {
		t.Errorf("legacy round trip differs (-original +legacy):\n%s", diff)
	}
}

// TestImportOptions: name, copy suffix, strip_messages, env vars, project
// and a model override.
func TestImportOptions(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	ctx := t.Context()
	f := parseFile(t, "testdata/deep_research_agent.af")
	ids, err := fx.importer.Import(ctx, f, agentfile.ImportOptions{
		AppendCopySuffix: true, StripMessages: true, ProjectID: "proj-1",
		EnvVars: map[string]string{"API_KEY": "k"}, Model: "openai/gpt-4o-mini",
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := fx.store.GetAgent(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := f.Agents[0].Name + "_copy"; a.Name != want {
		t.Errorf("name = %q, want %q", a.Name, want)
	}
	if letta.Deref(a.ProjectID) != "proj-1" {
		t.Errorf("project_id = %v", a.ProjectID)
	}
	if a.LLMConfig.ModelEndpointType != "openai" || a.LLMConfig.Model != "gpt-4o-mini" {
		t.Errorf("llm_config = %s/%s, want the override", a.LLMConfig.ModelEndpointType, a.LLMConfig.Model)
	}
	if len(a.ToolExecEnvVars) != 1 || a.ToolExecEnvVars[0].Key != "API_KEY" || a.ToolExecEnvVars[0].Value != "k" {
		t.Errorf("env vars = %+v", a.ToolExecEnvVars)
	}
	if n, _ := fx.store.CountMessages(ctx, a.ID); n != 1 || len(a.MessageIDs) != 1 {
		t.Errorf("strip_messages kept %d messages, window %d; want a fresh system message only", n, len(a.MessageIDs))
	}
	sys, err := fx.store.GetMessage(ctx, a.MessageIDs[0])
	if err != nil || sys.Role != letta.RoleSystem || !strings.Contains(sys.Text(), "<memory_blocks>") {
		t.Errorf("first message is not a compiled system message: %v", err)
	}

	ids, err = fx.importer.Import(ctx, f, agentfile.ImportOptions{Name: "renamed", AppendCopySuffix: true})
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := fx.store.GetAgent(ctx, ids[0]); a.Name != "renamed" {
		t.Errorf("name override gave %q", a.Name)
	}

	_, err = fx.importer.Import(ctx, f, agentfile.ImportOptions{Model: "nosuch/model"})
	var oe *agentfile.OptionError
	if !errors.As(err, &oe) || oe.Option != "model" {
		t.Errorf("unknown model override: got %v, want an OptionError for model", err)
	}
}

// TestOverrideExistingTools: a custom tool already on the server is updated
// from the file only when asked; built-ins are never changed.
func TestOverrideExistingTools(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	ctx := t.Context()
	f := parseFile(t, "testdata/outreach_workflow_agent.af")
	if _, err := fx.importer.Import(ctx, f, agentfile.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	tool, err := fx.store.GetToolByName(ctx, "send_email")
	if err != nil {
		t.Fatal(err)
	}
	tool.SourceCode = letta.Ptr("def send_email(candidate_name: str, email_subject: str, email_content: str):\n    return 'local'\n")
	if err := fx.store.UpdateTool(ctx, tool); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.importer.Import(ctx, f, agentfile.ImportOptions{OverrideExistingTools: false}); err != nil {
		t.Fatal(err)
	}
	kept, _ := fx.store.GetToolByName(ctx, "send_email")
	if !strings.Contains(letta.Deref(kept.SourceCode), "'local'") {
		t.Error("override_existing_tools=false replaced the existing tool's source")
	}
	if _, err := fx.importer.Import(ctx, f, agentfile.ImportOptions{OverrideExistingTools: true}); err != nil {
		t.Fatal(err)
	}
	replaced, _ := fx.store.GetToolByName(ctx, "send_email")
	if strings.Contains(letta.Deref(replaced.SourceCode), "'local'") || replaced.ID != tool.ID {
		t.Error("override_existing_tools=true did not update the tool in place from the file")
	}
	tools, err := fx.store.ListTools(ctx, store.ListToolsParams{Names: []string{"send_email"}})
	if err != nil || len(tools) != 1 {
		t.Errorf("send_email exists %d times after three imports: %v", len(tools), err)
	}
}
