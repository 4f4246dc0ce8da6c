package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/postgres"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// serveChild is the "serve" subcommand: the server under test, run as a
// child process so its CPU time, RSS and goroutines are its own. It wires
// the same packages as cmd/letta-server (store with migrations, OpenAI
// provider, engine, api, http.Server with the same timeouts) and adds
// /debug/pprof, /debug/stats and /debug/seed on the same 127.0.0.1 port.
func serveChild(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "directory of the SQLite file (SQLite store)")
	pgURL := fs.String("pg-url", "", "Postgres URL (Postgres store)")
	llmURL := fs.String("llm-url", "", "base URL of the fake model (ends in /v1)")
	logFile := fs.String("log-file", "", "request log destination (default: discarded)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logOut := io.Discard
	if *logFile != "" {
		f, err := os.Create(*logFile)
		if err != nil {
			return fmt.Errorf("create log file: %w", err)
		}
		defer f.Close()
		logOut = f
	}
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))

	var st store.Store
	var err error
	if *pgURL != "" {
		st, err = postgres.Open(ctx, *pgURL, postgres.Options{Migrate: true, Logger: logger})
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(*dataDir, "letta.db"), sqlite.Options{Migrate: true, Logger: logger, Serve: true})
	}
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	models := llm.NewRegistry(openai.New(openai.Config{Name: "openai", APIKey: "bench", BaseURL: *llmURL, MaxRetries: -1}))
	engine := agent.New(agent.Config{Store: st, Models: models, Logger: logger})
	handler := api.New(api.Config{Engine: engine, Store: st, Models: models, Version: "bench", Logger: logger})

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/stats", debugStats)
	mux.HandleFunc("POST /debug/seed", seedHandler(st))
	mux.Handle("/", handler)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 1 << 20}
	fmt.Fprintf(stdout, "LISTEN %s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// processStats is what /debug/stats reports, after a forced GC.
type processStats struct {
	Goroutines int    `json:"goroutines"`
	HeapInuse  uint64 `json:"heap_inuse"`
	RSSKB      int64  `json:"rss_kb"`
	HWMKB      int64  `json:"hwm_kb"`
}

func debugStats(w http.ResponseWriter, _ *http.Request) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, hwm := procMemory(os.Getpid())
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(processStats{Goroutines: runtime.NumGoroutine(), HeapInuse: ms.HeapInuse, RSSKB: rss, HWMKB: hwm})
}

// seedHandler stores history for an agent straight through the store:
// ?agent_id=&messages=N&passages=M. The messages are recall memory only
// (not in the agent's context window), as after months of use with
// summarization; the passages have 1536-dimension embeddings.
func seedHandler(st store.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		q := r.URL.Query()
		agentID := q.Get("agent_id")
		nMsg, _ := strconv.Atoi(q.Get("messages"))
		nPas, _ := strconv.Atoi(q.Get("passages"))
		if err := seed(ctx, st, agentID, nMsg, nPas); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func seed(ctx context.Context, st store.Store, agentID string, nMsg, nPas int) error {
	const batch = 500
	base := time.Now().Add(-time.Duration(nMsg) * time.Second)
	for i := 0; i < nMsg; i += batch {
		msgs := make([]*letta.Message, 0, batch)
		for j := i; j < min(i+batch, nMsg); j++ {
			role := letta.RoleUser
			if j%2 == 1 {
				role = letta.RoleAssistant
			}
			msgs = append(msgs, &letta.Message{
				ID: letta.NewID(letta.PrefixMessage), AgentID: agentID, Role: role,
				Content:   []letta.Content{{Type: letta.ContentText, Text: fmt.Sprintf("history message %d about topic %d", j, j%97)}},
				CreatedAt: base.Add(time.Duration(j) * time.Second),
			})
		}
		if err := st.CreateMessages(ctx, msgs); err != nil {
			return fmt.Errorf("seed messages: %w", err)
		}
	}
	for i := 0; i < nPas; i += batch {
		ps := make([]*letta.Passage, 0, batch)
		for j := i; j < min(i+batch, nPas); j++ {
			vec := make([]float32, 1536)
			vec[j%1536], vec[(j*7)%1536] = 1, 0.5
			now := time.Now()
			p := &letta.Passage{
				ID: letta.NewID(letta.PrefixPassage), AgentID: agentID,
				Text: fmt.Sprintf("archived fact %d about topic %d", j, j%97), Embedding: vec,
				CreatedAt: now, UpdatedAt: now,
			}
			p.Normalize()
			ps = append(ps, p)
		}
		if err := st.CreatePassages(ctx, ps); err != nil {
			return fmt.Errorf("seed passages: %w", err)
		}
	}
	return nil
}
