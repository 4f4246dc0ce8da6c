//go:build unix

package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// BenchmarkListAgents serves GET /v1/agents?limit=50&tags=group-3 through
// the real router and HTTP over a SQLite file with 10,000 agents, as
// letta-bench's list phase does: the store's page plus encoding 50 whole
// agents with their tools' schemas.
func BenchmarkListAgents(b *testing.B) {
	srv, _ := benchServer(b, 10000)
	benchGet(b, srv.URL+"/v1/agents?limit=50&tags=group-3")
}

// BenchmarkGetAgent serves GET /v1/agents/{id} for one of 10 agents.
func BenchmarkGetAgent(b *testing.B) {
	srv, id := benchServer(b, 10)
	benchGet(b, srv.URL+"/v1/agents/"+id)
}

// benchGet also reports the process's CPU time per request (server and
// client), steadier than wall time on a shared machine.
func benchGet(b *testing.B, url string) {
	client := &http.Client{}
	b.ReportAllocs()
	cpu := cpuTime(b)
	for b.Loop() {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: status %d, %v", url, resp.StatusCode, err)
		}
		b.SetBytes(n)
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N)/1e6, "cpu-ms/op")
}

// cpuTime is the user and system time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchServer starts the API over a fresh SQLite store holding n agents
// like letta-bench's: one created through the engine (base tools, two
// blocks, opening messages), the rest copies of it with their own blocks
// and tags bench and group-<i mod 10>. It returns the server and the id of
// the engine-created agent.
func benchServer(b *testing.B, n int) (*httptest.Server, string) {
	b.Helper()
	ctx := b.Context()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "letta.db"), sqlite.Options{Migrate: true})
	if err != nil {
		b.Fatalf("open store: %v", err)
	}
	b.Cleanup(func() { _ = st.Close() })
	fake := llmtest.NewServer(b)
	models := llm.NewRegistry(openai.New(openai.Config{APIKey: "test-key", BaseURL: fake.URL(), MaxRetries: -1}))
	logger := slog.New(slog.DiscardHandler)
	eng := agent.New(agent.Config{Store: st, Models: models, Logger: logger})
	template, err := eng.CreateAgent(ctx, agent.CreateAgentParams{
		Name: letta.Ptr("bench-template"), Model: letta.Ptr("openai/gpt-4o-mini"), Embedding: letta.Ptr("openai/text-embedding-3-small"),
		Tags: []string{"bench", "group-0"},
		MemoryBlocks: []agent.CreateBlockParams{
			{Label: "human", Value: "The user's name is Bench."},
			{Label: "persona", Value: "I am a patient benchmark agent."},
		},
	})
	if err != nil {
		b.Fatalf("create template agent: %v", err)
	}
	const batch = 500
	for i := 1; i < n; i += batch {
		err := st.InTx(ctx, func(tx store.Store) error {
			for j := i; j < min(i+batch, n); j++ {
				if err := copyAgent(b, tx, template, j); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("create agents: %v", err)
		}
	}
	srv := httptest.NewServer(api.New(api.Config{Engine: eng, Store: st, Models: models, Logger: logger}))
	b.Cleanup(srv.Close)
	return srv, template.ID
}

// copyAgent stores a copy of template numbered i, with copies of its blocks.
func copyAgent(b *testing.B, tx store.Store, template *letta.Agent, i int) error {
	ctx := b.Context()
	now := letta.Now()
	var blockIDs []string
	for _, bl := range template.Blocks {
		bl.ID, bl.CreatedAt, bl.UpdatedAt = letta.NewID(letta.PrefixBlock), now, now
		if err := tx.CreateBlock(ctx, &bl); err != nil {
			return fmt.Errorf("create block: %w", err)
		}
		blockIDs = append(blockIDs, bl.ID)
	}
	var toolIDs []string
	for _, t := range template.Tools {
		toolIDs = append(toolIDs, t.ID)
	}
	a := *template
	a.ID, a.Name, a.CreatedAt, a.UpdatedAt = letta.NewID(letta.PrefixAgent), fmt.Sprintf("bench-%05d", i), now, now
	tags := []string{"bench", fmt.Sprintf("group-%d", i%10)}
	_, err := tx.CreateAgent(ctx, store.CreateAgentParams{Agent: a, BlockIDs: blockIDs, ToolIDs: toolIDs, Tags: tags})
	return err
}
