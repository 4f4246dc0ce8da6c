// Package storebench benchmarks the store calls every agent turn makes
// (GetAgent, GetMessages, CreateMessages) and the agent list, on any
// store.Store implementation. A backend's _test.go calls Run from a
// Benchmark function, so the heavy setup (10,000 agents) runs only with
// -bench.
package storebench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Run runs every store benchmark on stores made by newStore (a fresh,
// migrated, empty store per call, closed at cleanup).
func Run(b *testing.B, newStore func(b *testing.B) store.Store) {
	b.Run("GetAgent", func(b *testing.B) { benchGetAgent(b, newStore(b)) })
	b.Run("GetMessages100", func(b *testing.B) { benchGetMessages(b, newStore(b)) })
	b.Run("CreateMessagesTurn", func(b *testing.B) { benchCreateMessages(b, newStore(b)) })
	b.Run("ListAgents10000Tag", func(b *testing.B) { benchListAgents(b, newStore(b), 10000) })
}

// fixture is a letta_v1 agent as the engine creates it: two blocks, three
// base tools, two tags.
type fixture struct {
	tools []string
	clock time.Time
}

func newFixture(b *testing.B, s store.Store) *fixture {
	b.Helper()
	ctx := b.Context()
	f := &fixture{clock: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, name := range []string{"conversation_search", "memory_replace", "memory_insert"} {
		t := &letta.Tool{
			ID: letta.NewID(letta.PrefixTool), ToolType: letta.ToolTypeCustom, Name: name,
			Description: letta.Ptr("does " + name), SourceType: letta.Ptr("python"),
			JSONSchema: map[string]any{"name": name, "description": "does " + name, "parameters": map[string]any{
				"type": "object", "required": []any{"label"},
				"properties": map[string]any{
					"label":   map[string]any{"type": "string", "description": "Section of the memory to be edited."},
					"old_str": map[string]any{"type": "string", "description": "The text to replace."},
					"new_str": map[string]any{"type": "string", "description": "The new text."},
				},
			}},
			Tags: []string{"letta_core"}, ReturnCharLimit: letta.DefaultReturnCharLimit,
			PipRequirements: []any{}, NpmRequirements: []any{}, Metadata: map[string]any{},
			CreatedAt: f.clock, UpdatedAt: f.clock,
		}
		if err := s.CreateTool(ctx, t); err != nil {
			b.Fatalf("CreateTool: %v", err)
		}
		f.tools = append(f.tools, t.ID)
	}
	return f
}

func (f *fixture) now() time.Time {
	f.clock = f.clock.Add(time.Millisecond)
	return f.clock
}

// createAgent inserts an agent with its own two blocks.
func (f *fixture) createAgent(ctx context.Context, s store.Store, name string, tags []string) (*letta.Agent, error) {
	var blockIDs []string
	for _, label := range []string{"persona", "human"} {
		now := f.now()
		bl := &letta.Block{ID: letta.NewID(letta.PrefixBlock), Label: label, Value: "The " + label + " is patient and curious.",
			Limit: letta.DefaultLimitFor(label), Metadata: map[string]any{}, Tags: []string{}, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateBlock(ctx, bl); err != nil {
			return nil, fmt.Errorf("create block: %w", err)
		}
		blockIDs = append(blockIDs, bl.ID)
	}
	now := f.now()
	a := letta.Agent{
		ID: letta.NewID(letta.PrefixAgent), Name: name, AgentType: letta.AgentTypeLettaV1,
		System:   "You are a helpful agent with memory.",
		Metadata: map[string]any{},
		LLMConfig: letta.LLMConfig{Model: "gpt-4o-mini", ModelEndpointType: "openai", ContextWindow: 128000,
			Handle: letta.Ptr("openai/gpt-4o-mini")},
		MessageIDs: []string{},
		CreatedAt:  now, UpdatedAt: now,
	}
	return s.CreateAgent(ctx, store.CreateAgentParams{Agent: a, BlockIDs: blockIDs, ToolIDs: f.tools, Tags: tags})
}

// turnMessages returns one step's worth of messages: user, assistant with
// a tool call, tool return.
func (f *fixture) turnMessages(agentID string, i int) []*letta.Message {
	callID := fmt.Sprintf("call_%d", i)
	text := func(s string) []letta.Content { return []letta.Content{{Type: letta.ContentText, Text: s}} }
	msgs := []*letta.Message{
		{Role: letta.RoleUser, Content: text(fmt.Sprintf("message %d: what did we say about the garden?", i))},
		{Role: letta.RoleAssistant, ToolCalls: []letta.ToolCall{{ID: callID, Type: "function",
			Function: letta.ToolCallFunction{Name: "memory_replace", Arguments: `{"label":"human","old_str":"a","new_str":"b"}`}}}},
		{Role: letta.RoleTool, Content: text(`{"status":"OK","message":"None"}`), ToolCallID: &callID,
			ToolReturns: []letta.ToolReturn{{ToolCallID: callID, Status: "success", Stdout: []string{}, Stderr: []string{}}}},
	}
	for _, m := range msgs {
		m.ID, m.AgentID, m.CreatedAt = letta.NewID(letta.PrefixMessage), agentID, f.now()
	}
	return msgs
}

func benchGetAgent(b *testing.B, s store.Store) {
	f := newFixture(b, s)
	a, err := f.createAgent(b.Context(), s, "bench", []string{"bench", "group-1"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetAgent(b.Context(), a.ID); err != nil {
			b.Fatal(err)
		}
	}
}

func benchGetMessages(b *testing.B, s store.Store) {
	ctx := b.Context()
	f := newFixture(b, s)
	a, err := f.createAgent(ctx, s, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for i := 0; len(ids) < 100; i++ {
		msgs := f.turnMessages(a.ID, i)
		if err := s.CreateMessages(ctx, msgs); err != nil {
			b.Fatal(err)
		}
		for _, m := range msgs {
			ids = append(ids, m.ID)
		}
	}
	ids = ids[:100]
	b.ReportAllocs()
	for b.Loop() {
		got, err := s.GetMessages(ctx, ids)
		if err != nil || len(got) != 100 {
			b.Fatalf("GetMessages: %d messages, %v", len(got), err)
		}
	}
}

// benchCreateMessages writes one step as the engine does: the messages and
// the new context list in one transaction.
func benchCreateMessages(b *testing.B, s store.Store) {
	ctx := b.Context()
	f := newFixture(b, s)
	a, err := f.createAgent(ctx, s, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		msgs := f.turnMessages(a.ID, i)
		i++
		ids := []string{msgs[0].ID, msgs[1].ID, msgs[2].ID}
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateMessages(ctx, msgs); err != nil {
				return err
			}
			return tx.SetAgentMessageIDs(ctx, a.ID, ids)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// benchListAgents lists 50 agents with one tag (a tenth of them carry it)
// among n agents, as GET /v1/agents?limit=50&tags=group-3 does.
func benchListAgents(b *testing.B, s store.Store, n int) {
	ctx := b.Context()
	f := newFixture(b, s)
	const batch = 500
	for i := 0; i < n; i += batch {
		err := s.InTx(ctx, func(tx store.Store) error {
			for j := i; j < min(i+batch, n); j++ {
				if _, err := f.createAgent(ctx, tx, fmt.Sprintf("agent-%05d", j), []string{"bench", fmt.Sprintf("group-%d", j%10)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("create agents: %v", err)
		}
	}
	p := store.ListAgentsParams{Tags: []string{"group-3"}, Page: store.Page{Limit: 50}}
	b.ReportAllocs()
	for b.Loop() {
		got, err := s.ListAgents(ctx, p)
		if err != nil || len(got) != 50 {
			b.Fatalf("ListAgents: %d agents, %v", len(got), err)
		}
	}
}
