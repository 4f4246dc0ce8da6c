package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// TestConcurrentEditsKeepEveryField: two PATCHes of one agent, block,
// identity or tool at the same time, each changing another field, both stick on
// each store: neither read-modify-write overwrites the other's change with
// what it read before.
func TestConcurrentEditsKeepEveryField(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, ss storeServer) {
		e := ss.env(t)
		a, err := ss.store.CreateAgent(t.Context(), store.CreateAgentParams{Agent: letta.Agent{
			ID:        letta.NewID(letta.PrefixAgent),
			Name:      "edited",
			AgentType: letta.AgentTypeLettaV1,
			LLMConfig: letta.LLMConfig{Model: "gpt-4o-mini", ModelEndpointType: "openai", ContextWindow: 128000},
			CreatedAt: letta.Now(),
			UpdatedAt: letta.Now(),
		}})
		if err != nil {
			t.Fatal(err)
		}
		var b letta.Block
		e.ok("POST", "/v1/blocks/", map[string]any{"label": "human", "value": "v"}, &b)
		var id letta.Identity
		e.ok("POST", "/v1/identities/", map[string]any{"identifier_key": "edited", "name": "n", "identity_type": "user"}, &id)
		var tools []letta.Tool
		e.ok("GET", "/v1/tools/?name=conversation_search", nil, &tools)
		if len(tools) != 1 {
			t.Fatalf("base tool conversation_search: %d found", len(tools))
		}
		tool := tools[0]

		for round := range 15 {
			calls := []call{
				{"PATCH", ss.url + "/v1/agents/" + a.ID, fmt.Sprintf(`{"name":"name-%d"}`, round)},
				{"PATCH", ss.url + "/v1/agents/" + a.ID, fmt.Sprintf(`{"description":"description-%d"}`, round)},
				{"PATCH", ss.url + "/v1/blocks/" + b.ID, fmt.Sprintf(`{"value":"value-%d"}`, round)},
				{"PATCH", ss.url + "/v1/blocks/" + b.ID, fmt.Sprintf(`{"description":"description-%d"}`, round)},
				{"PATCH", ss.url + "/v1/identities/" + id.ID, fmt.Sprintf(`{"name":"name-%d"}`, round)},
				{"PATCH", ss.url + "/v1/identities/" + id.ID, fmt.Sprintf(`{"properties":[{"key":"k%d","value":"v","type":"string"}]}`, round)},
				{"PATCH", ss.url + "/v1/tools/" + tool.ID, fmt.Sprintf(`{"tags":["tag-%d"]}`, round)},
				{"PATCH", ss.url + "/v1/tools/" + tool.ID, fmt.Sprintf(`{"return_char_limit":%d}`, 1000+round)},
			}
			for i, r := range sendAtOnce(t, calls) {
				if r.status != http.StatusOK {
					t.Fatalf("round %d: %s %s: %d %s", round, calls[i].method, calls[i].url, r.status, r.body)
				}
			}
			var gotAgent struct{ Name, Description string }
			e.ok("GET", "/v1/agents/"+a.ID, nil, &gotAgent)
			if want := fmt.Sprint(round); gotAgent.Name != "name-"+want || gotAgent.Description != "description-"+want {
				t.Errorf("round %d: agent name %q, description %q: a concurrent edit was lost", round, gotAgent.Name, gotAgent.Description)
			}
			var gotBlock struct{ Value, Description string }
			e.ok("GET", "/v1/blocks/"+b.ID, nil, &gotBlock)
			if want := fmt.Sprint(round); gotBlock.Value != "value-"+want || gotBlock.Description != "description-"+want {
				t.Errorf("round %d: block value %q, description %q: a concurrent edit was lost", round, gotBlock.Value, gotBlock.Description)
			}
			var gotIdentity letta.Identity
			r := e.do("GET", "/v1/identities/"+id.ID, nil)
			r.expect(t, http.StatusOK)
			if err := json.Unmarshal(r.body, &gotIdentity); err != nil {
				t.Fatal(err)
			}
			keys := map[string]bool{}
			for _, p := range gotIdentity.Properties {
				keys[p.Key] = true
			}
			if gotIdentity.Name != fmt.Sprintf("name-%d", round) || len(keys) != round+1 {
				t.Errorf("round %d: identity name %q, property keys %v (want %d): a concurrent edit was lost", round, gotIdentity.Name, keys, round+1)
			}
			var gotTool letta.Tool
			e.ok("GET", "/v1/tools/"+tool.ID, nil, &gotTool)
			if len(gotTool.Tags) != 1 || gotTool.Tags[0] != fmt.Sprintf("tag-%d", round) || gotTool.ReturnCharLimit != 1000+round {
				t.Errorf("round %d: tool tags %q, return_char_limit %d: a concurrent edit was lost", round, gotTool.Tags, gotTool.ReturnCharLimit)
			}
		}
	})
}

// TestToolSchemaEditKeepsAConcurrentSourceEdit: PATCHes of a custom tool's
// json_schema, sent in a loop while its source_code is replaced, must not
// restore the old source (each derives from the source it read).
func TestToolSchemaEditKeepsAConcurrentSourceEdit(t *testing.T) {
	t.Parallel()
	needPython(t)
	forEachStore(t, func(t *testing.T, ss storeServer) {
		e := ss.env(t)
		var tool wireTool
		e.ok("POST", "/v1/tools/", map[string]any{"source_code": diceSource}, &tool)
		schema := map[string]any{"json_schema": map[string]any{
			"name": "roll_dice", "description": "schema doc",
			"parameters": map[string]any{"type": "object", "required": []string{"sides"},
				"properties": map[string]any{"sides": map[string]any{"type": "integer", "description": "Number of sides."}}},
		}}
		for round := range 15 {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						if r := e.do("PATCH", "/v1/tools/"+tool.ID, schema); r.status != http.StatusOK {
							t.Errorf("schema PATCH: %d %s", r.status, r.body)
							return
						}
					}
				}()
			}
			time.Sleep(5 * time.Millisecond)
			source := strings.Replace(diceSource, `return f"rolled`, fmt.Sprintf(`return f"round %d rolled`, round), 1)
			e.ok("PATCH", "/v1/tools/"+tool.ID, map[string]any{"source_code": source}, nil)
			time.Sleep(5 * time.Millisecond)
			close(stop)
			wg.Wait()
			var got wireTool
			e.ok("GET", "/v1/tools/"+tool.ID, nil, &got)
			if got.SourceCode != source {
				t.Fatalf("round %d: the source edit was undone by a concurrent schema edit:\n%s", round, got.SourceCode)
			}
		}
	})
}
