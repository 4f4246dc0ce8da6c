package agentfile_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/letta-server/letta-server/internal/agentfile"
	"github.com/letta-server/letta-server/internal/store"
)

// counts is how many agents, blocks, tools and messages the store holds.
type counts struct{ agents, blocks, tools, messages int }

func countAll(t testing.TB, st store.Store) counts {
	t.Helper()
	ctx := context.Background()
	agents, err := st.ListAgents(ctx, store.ListAgentsParams{})
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := st.ListBlocks(ctx, store.ListBlocksParams{})
	if err != nil {
		t.Fatal(err)
	}
	tools, err := st.ListTools(ctx, store.ListToolsParams{})
	if err != nil {
		t.Fatal(err)
	}
	c := counts{agents: len(agents), blocks: len(blocks), tools: len(tools)}
	for _, a := range agents {
		n, err := st.CountMessages(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		c.messages += n
	}
	return c
}

// isClientError reports whether err is one the API answers with a 4xx.
func isClientError(err error) bool {
	var (
		fe *agentfile.FormatError
		oe *agentfile.OptionError
	)
	return errors.As(err, &fe) || errors.As(err, &oe)
}

// FuzzImport: any byte string either parses and imports, or fails with a
// file error and leaves the store as it was. Never a panic, never a
// store error, never a partial import.
func FuzzImport(f *testing.F) {
	for _, path := range publishedFiles(f) {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	for _, seed := range []string{
		`{"agents":[{"id":"agent-0"}]}`,
		`{"agents":[{"id":"a","llm_config":{"model":"m","model_endpoint_type":"openai","context_window":8000},"block_ids":["b"]}],"blocks":[{"id":"b","label":"x","value":"v","limit":1}]}`,
		`{"core_memory":[],"messages":[{"role":"user","content":"hi"}],"in_context_message_indices":[0,1]}`,
		`"{\"agents\": []}"`,
	} {
		f.Add([]byte(seed))
	}
	fx := setup(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		file, err := agentfile.Parse(raw)
		if err != nil {
			if !isClientError(err) {
				t.Fatalf("parse failed with %T, not a file error: %v", err, err)
			}
			return
		}
		before := countAll(t, fx.store)
		_, err = fx.importer.Import(context.Background(), file, agentfile.ImportOptions{OverrideExistingTools: true})
		if err == nil {
			return
		}
		if !isClientError(err) {
			t.Fatalf("import failed with %T, not a file error: %v", err, err)
		}
		if after := countAll(t, fx.store); after != before {
			t.Fatalf("a failed import changed the store: %+v -> %+v", before, after)
		}
	})
}

// faultyStore fails the n-th SetAgentMessageIDs of a transaction, the last
// write of each imported agent, to show that a failure late in an import
// takes back everything written before it.
type faultyStore struct {
	store.Store
	failAt int
	calls  *int
}

var errInjected = errors.New("injected failure")

func (s faultyStore) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	return s.Store.InTx(ctx, func(tx store.Store) error {
		return fn(faultyStore{Store: tx, failAt: s.failAt, calls: s.calls})
	})
}

func (s faultyStore) SetAgentMessageIDs(ctx context.Context, agentID string, ids []string) error {
	*s.calls++
	if *s.calls == s.failAt {
		return errInjected
	}
	return s.Store.SetAgentMessageIDs(ctx, agentID, ids)
}

// TestImportIsAllOrNothing: the second agent of evie.af fails at its last
// write; the first agent, the blocks, tools and messages are gone too.
func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	if err := fx.engine.EnsureBaseTools(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := countAll(t, fx.store)
	calls := 0
	im := agentfile.NewImporter(agentfile.Config{Store: faultyStore{Store: fx.store, failAt: 2, calls: &calls}, EnsureBaseToolsFunc: fx.engine.EnsureBaseTools})
	f := parseFile(t, "testdata/evie.af")
	if len(f.Agents) != 2 {
		t.Fatalf("evie.af has %d agents, the test needs 2", len(f.Agents))
	}
	_, err := im.Import(t.Context(), f, agentfile.ImportOptions{})
	if !errors.Is(err, errInjected) {
		t.Fatalf("import: got %v, want the injected failure", err)
	}
	if after := countAll(t, fx.store); after != before {
		t.Errorf("a failed import left rows behind: %+v -> %+v", before, after)
	}
}

// TestBadFiles: each problem is a FormatError naming where it is.
func TestBadFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, doc, path string }{
		{"not json", `{"agents": [`, ""},
		{"not an object", `[1, 2]`, ""},
		{"no schema", `{"hello": "world"}`, ""},
		{"no agents", `{"agents": []}`, "agents"},
		{"unknown block", `{"agents":[{"id":"a","block_ids":["b-1"]}],"blocks":[]}`, "agents[0].block_ids[0]"},
		{"unknown tool", `{"agents":[{"id":"a","tool_ids":["t-1"]}],"tools":[]}`, "agents[0].tool_ids[0]"},
		{"duplicate label", `{"agents":[{"id":"a","block_ids":["b1","b2"]}],"blocks":[{"id":"b1","label":"x","value":""},{"id":"b2","label":"x","value":""}]}`, "agents[0].block_ids[1]"},
		{"over limit", `{"agents":[{"id":"a"}],"blocks":[{"id":"b","label":"x","value":"too long","limit":3}]}`, "blocks[0].value"},
		{"bad rule", `{"agents":[{"id":"a","tool_rules":[{"type":"nonsense","tool_name":"x"}]}]}`, "agents[0].tool_rules[0]"},
		{"unknown agent type", `{"agents":[{"id":"a","agent_type":"alien"}]}`, "agents[0].agent_type"},
		{"window names another message", `{"agents":[{"id":"a","messages":[],"in_context_message_ids":["m"]}]}`, "agents[0].in_context_message_ids[0]"},
		{"orphan tool result", `{"agents":[{"id":"a","messages":[{"id":"m","role":"tool","tool_call_id":"c","content":[]}],"in_context_message_ids":["m"]}]}`, "agents[0].in_context_message_ids[0]"},
		{"NUL", `{"agents":[{"id":"a","name":"x\u0000y"}]}`, "agents[0].name"},
		{"wrong type", `{"agents":[{"id":"a","block_ids":"b"}]}`, "agents.block_ids"},
		{"legacy index", `{"core_memory":[],"messages":[],"in_context_message_indices":[3]}`, "in_context_message_indices[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := agentfile.Parse([]byte(tc.doc))
			var fe *agentfile.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a FormatError", err)
			}
			if fe.Path != tc.path {
				t.Errorf("path = %q, want %q (%v)", fe.Path, tc.path, err)
			}
		})
	}
}

// TestMissingModel: an agent without llm_config imports only with a model
// override.
func TestMissingModel(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	f, err := agentfile.Parse([]byte(`{"agents":[{"id":"a","name":"bare"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = fx.importer.Import(t.Context(), f, agentfile.ImportOptions{})
	var fe *agentfile.FormatError
	if !errors.As(err, &fe) || fe.Path != "agents[0].llm_config" {
		t.Fatalf("got %v, want a FormatError for llm_config", err)
	}
	if _, err := fx.importer.Import(t.Context(), f, agentfile.ImportOptions{Model: "openai/gpt-4o-mini"}); err != nil {
		t.Fatalf("with a model override: %v", err)
	}
}
