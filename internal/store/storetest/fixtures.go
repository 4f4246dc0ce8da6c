package storetest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// toolRulesJSON has every rule shape plus fields this server does not know
// (they must come back exactly as written).
const toolRulesJSON = `[
 {"type":"run_first","tool_name":"conversation_search","prompt_template":null},
 {"type":"exit_loop","tool_name":"send_message","prompt_template":"<t>{{ tool_name }}</t>","x_future_field":{"nested":[1,"two",null]}},
 {"type":"constrain_child_tools","tool_name":"a","children":["b","c"],"child_arg_nodes":[{"name":"b","args":{"k":"v"}}]},
 {"type":"conditional","tool_name":"c","child_output_mapping":{"yes":"d"},"default_child":"e","require_output_mapping":true},
 {"type":"max_count_per_step","tool_name":"d","max_count_limit":3}
]`

func toolRules(t *testing.T) []letta.ToolRule {
	t.Helper()
	var rules []letta.ToolRule
	must(t, "decode tool rules", json.Unmarshal([]byte(toolRulesJSON), &rules))
	return rules
}

func newBlock(c *clock, label, value string) *letta.Block {
	now := c.now()
	return &letta.Block{
		ID:          letta.NewID(letta.PrefixBlock),
		Label:       label,
		Value:       value,
		Limit:       letta.DefaultLimitFor(label),
		Description: letta.Ptr("the " + label + " block"),
		Metadata:    map[string]any{"source": "storetest", "weight": 1.5},
		Tags:        []string{"t1"},
		CreatedAt:   now,
		UpdatedAt:   now,
	}
}

func newTool(c *clock, name string) *letta.Tool {
	now := c.now()
	return &letta.Tool{
		ID:          letta.NewID(letta.PrefixTool),
		ToolType:    letta.ToolTypeCustom,
		Name:        name,
		Description: letta.Ptr("does " + name),
		SourceType:  letta.Ptr("python"),
		SourceCode:  letta.Ptr("def " + name + "():\n    return 1\n"),
		JSONSchema: map[string]any{
			"name":        name,
			"description": "does " + name,
			"parameters":  map[string]any{"type": "object", "properties": map[string]any{}, "required": []any{}},
		},
		Tags:            []string{"x"},
		ReturnCharLimit: letta.DefaultReturnCharLimit,
		PipRequirements: []any{},
		NpmRequirements: []any{},
		Metadata:        map[string]any{"k": "v"},
		CreatedAt:       now,
		UpdatedAt:       now,
	}
}

func newAgentValue(t *testing.T, c *clock, name string) letta.Agent {
	t.Helper()
	now := c.now()
	return letta.Agent{
		ID:          letta.NewID(letta.PrefixAgent),
		Name:        name,
		AgentType:   letta.AgentTypeLettaV1,
		System:      "You are " + name + ".",
		Description: letta.Ptr("agent " + name),
		Metadata:    map[string]any{"team": "storetest", "n": 2.0},
		LLMConfig: letta.LLMConfig{
			Model:             "gpt-4o-mini",
			ModelEndpointType: "openai",
			ModelEndpoint:     letta.Ptr("http://127.0.0.1:1/v1"),
			ContextWindow:     128000,
			Handle:            letta.Ptr("openai/gpt-4o-mini"),
			Temperature:       0.7,
			MaxTokens:         letta.Ptr(4096),
			ParallelToolCalls: letta.Ptr(false),
		},
		EmbeddingConfig: &letta.EmbeddingConfig{
			EmbeddingEndpointType: "openai",
			EmbeddingModel:        "text-embedding-3-small",
			EmbeddingDim:          1536,
			EmbeddingChunkSize:    letta.Ptr(300),
			Handle:                letta.Ptr("openai/text-embedding-3-small"),
			BatchSize:             32,
		},
		ToolRules:  toolRules(t),
		MessageIDs: []string{letta.NewID(letta.PrefixMessage), letta.NewID(letta.PrefixMessage)},
		ToolExecEnvVars: []letta.EnvVar{
			{ID: "agent-env-1", Key: "API_TOKEN", Value: "not-a-secret", Description: letta.Ptr("d")},
		},
		MessageBufferAutoclear: true,
		EnableSleeptime:        letta.Ptr(false),
		Timezone:               letta.Ptr("UTC"),
		MaxFilesOpen:           letta.Ptr(5),
		LastRunCompletion:      letta.Ptr(c.now()),
		LastRunDurationMs:      letta.Ptr(int64(1234)),
		LastStopReason:         letta.Ptr("end_turn"),
		CreatedAt:              now,
		UpdatedAt:              now,
	}
}

// createBlock inserts a new block and returns it.
func createBlock(ctx context.Context, t *testing.T, s store.Store, c *clock, label, value string) *letta.Block {
	t.Helper()
	b := newBlock(c, label, value)
	must(t, "CreateBlock", s.CreateBlock(ctx, b))
	return b
}

// createTool inserts a new tool and returns it.
func createTool(ctx context.Context, t *testing.T, s store.Store, c *clock, name string) *letta.Tool {
	t.Helper()
	x := newTool(c, name)
	must(t, "CreateTool", s.CreateTool(ctx, x))
	return x
}

// createAgent inserts a new agent with the given links and returns what
// CreateAgent returned.
func createAgent(ctx context.Context, t *testing.T, s store.Store, c *clock, p store.CreateAgentParams) *letta.Agent {
	t.Helper()
	if p.Agent.ID == "" {
		p.Agent = newAgentValue(t, c, "agent")
	}
	a, err := s.CreateAgent(ctx, p)
	must(t, "CreateAgent", err)
	return a
}

// plainAgent creates an agent with no links, named name.
func plainAgent(ctx context.Context, t *testing.T, s store.Store, c *clock, name string) *letta.Agent {
	t.Helper()
	return createAgent(ctx, t, s, c, store.CreateAgentParams{Agent: newAgentValue(t, c, name)})
}

// normalized returns a normalized copy of a, for comparing agents whatever
// derived fields a store fills.
func normalized(a *letta.Agent) *letta.Agent {
	cp := *a
	cp.Normalize()
	return &cp
}
