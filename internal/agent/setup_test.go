package agent

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

const testModel = "openai/gpt-4o-mini"

type fixture struct {
	engine *Engine
	store  *sqlite.Store
	llm    *llmtest.Server
}

// setup gives a test an engine on a fresh SQLite file and the fake LLM.
func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "letta.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	fake := llmtest.NewServer(t)
	f := fixture{store: st, llm: fake}
	f.engine = f.newEngine(t, st, 0)
	return f
}

// newEngine is an engine on st talking to the fixture's fake LLM.
func (f fixture) newEngine(t *testing.T, st *sqlite.Store, turnWait time.Duration) *Engine {
	prov := openai.New(openai.Config{APIKey: "sk-fake", BaseURL: f.llm.URL(), MaxRetries: -1})
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return New(Config{Store: st, Models: llm.NewRegistry(prov), Logger: logger, TurnWaitTimeout: turnWait})
}

// replica is a second engine on the fixture's store, taking turns under
// holders of its own. One process owns a SQLite file (its leases live in
// the Store), so replicas in separate processes need Postgres, whose
// leases the store contract tests cover.
func (f fixture) replica(t *testing.T, turnWait time.Duration) *Engine {
	t.Helper()
	return f.newEngine(t, f.store, turnWait)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (f fixture) createAgent(t *testing.T, typ letta.AgentType, mutate ...func(*CreateAgentParams)) *letta.Agent {
	t.Helper()
	p := CreateAgentParams{
		AgentType: typ,
		Model:     letta.Ptr(testModel),
		MemoryBlocks: []CreateBlockParams{
			{Label: "persona", Value: "I am a test agent."},
			{Label: "human", Value: "The user is Ann."},
		},
	}
	for _, m := range mutate {
		m(&p)
	}
	a, err := f.engine.CreateAgent(context.Background(), p)
	if err != nil {
		t.Fatalf("CreateAgent: %v", err)
	}
	return a
}

func userInput(text string) SendParams {
	return SendParams{
		Messages:            []MessageInput{{Role: letta.RoleUser, Content: []letta.Content{{Type: letta.ContentText, Text: text}}}},
		UseAssistantMessage: true,
	}
}

func (f fixture) send(t *testing.T, agentID, text string) *letta.LettaResponse {
	t.Helper()
	resp, err := f.engine.Send(context.Background(), agentID, userInput(text), nil)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return resp
}

func (f fixture) context(t *testing.T, agentID string) []*letta.Message {
	t.Helper()
	a, err := f.store.GetAgent(context.Background(), agentID)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := f.store.GetMessages(context.Background(), a.MessageIDs)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func roles(msgs []*letta.Message) string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Role)
	}
	return strings.Join(out, ",")
}

func toolNames(tools []letta.Tool) []string {
	out := []string{}
	for _, tl := range tools {
		out = append(out, tl.Name)
	}
	return out
}

func messageTypes(msgs []letta.LettaMessage) []string {
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.MessageType)
	}
	return out
}

// offered returns the request's tool schemas by name.
func offered(r llmtest.Request) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, tl := range r.Chat.Tools {
		b, _ := json.Marshal(tl.Function.Parameters)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		out[tl.Function.Name] = m
	}
	return out
}
