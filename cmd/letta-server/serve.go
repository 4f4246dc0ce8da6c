package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/agent/sandbox"
	"github.com/letta-server/letta-server/internal/api"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/llm/anthropic"
	"github.com/letta-server/letta-server/internal/llm/ollama"
	"github.com/letta-server/letta-server/internal/llm/openai"
	"github.com/letta-server/letta-server/internal/llm/vertex"
	"github.com/letta-server/letta-server/internal/store"
	"github.com/letta-server/letta-server/internal/store/postgres"
	"github.com/letta-server/letta-server/internal/store/sqlite"
)

// serve opens the store, wires the server and serves until ctx ends, then
// shuts down gracefully: stop accepting, drain in-flight requests for up
// to cfg.ShutdownTimeout, close the store. started, when not nil, is called
// with the bound address once the listener is open.
func serve(ctx context.Context, cfg Config, logger *slog.Logger, started func(addr string)) error {
	st, err := openStore(ctx, cfg, logger, true)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			logger.Error("close store", slog.Any("error", err))
		}
	}()

	enabled, err := providers(ctx, cfg, logger)
	if err != nil {
		return err
	}
	mx := newMetrics(st, cfg)
	models := llm.NewRegistry(mx.InstrumentProviders(enabled)...)
	toolCfg := sandbox.Config{Python: cfg.Python, Timeout: cfg.ToolTimeout, Isolation: cfg.ToolIsolation, Logger: logger}
	var tools *sandbox.Runner
	if cfg.ToolIsolation == "bwrap" { // required: refuse to start without it
		if tools, err = sandbox.New(ctx, toolCfg); err != nil {
			return fmt.Errorf("tool sandbox: %w", err)
		}
	} // otherwise it is built in the background once the server listens
	engine := agent.New(agent.Config{
		Sandbox:          tools,
		SandboxConfig:    toolCfg,
		StepObserver:     mx,
		Store:            st,
		Models:           models,
		Logger:           logger,
		DefaultAgentType: cfg.DefaultAgentType,
		DefaultLLM:       cfg.DefaultLLM,
		DefaultEmbedding: cfg.DefaultEmbedding,
	})
	handler := api.NewServer(api.Config{
		Engine:      engine,
		Store:       st,
		Models:      models,
		Password:    cfg.Password,
		Version:     buildVersion(),
		Logger:      logger,
		Requests:    mx,
		Metrics:     mx.Handler(),
		CORSOrigins: cfg.CORSOrigins,
		BasePath:    cfg.BasePath,
	})

	turnsCtx, cancelTurns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelTurns()

	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr(), err)
	}
	// Runs left active by a process that is gone can no longer finish. On
	// SQLite this process is the only one: every active run is such a run.
	// On Postgres other replicas may be running or queueing theirs, so
	// only runs old enough and without a lease on their agent count, and a
	// sweep finds those of a replica that dies later.
	if st.Backend() == store.BackendPostgres {
		markInterruptedRuns(ctx, st, time.Now().Add(-engine.OrphanAge()), logger)
		go sweepInterruptedRuns(ctx, st, time.Minute, engine.OrphanAge(), logger)
	} else {
		markInterruptedRuns(ctx, st, time.Now(), logger)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		// No ReadTimeout or WriteTimeout: a message send or an SSE stream
		// may legitimately run for minutes; the API bounds the body's
		// arrival and each response write itself (api.Config timeouts).
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 1 << 20,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// Requests outlive the signal: they drain, and are cancelled only
		// when the drain time is up (see shutdown).
		BaseContext: func(net.Listener) context.Context { return turnsCtx },
	}

	addr := ln.Addr().String()
	logger.Info("letta-server listening",
		slog.String("addr", addr),
		slog.String("store", cfg.Backend()),
		slog.String("database", cfg.DatabaseLocation()),
		slog.String("version", buildVersion()),
		slog.Bool("password", cfg.Password != ""),
		slog.Int("providers", len(models.Providers())))
	if started != nil {
		started(addr)
	}
	go engine.WarmSandbox(ctx)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	shutdown(ctx, cfg, logger, srv, handler, cancelTurns)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// openStore opens Postgres when a URL is configured, else the SQLite file
// under the data directory, applying migrations unless told not to.
// serving claims a SQLite file for this process (sqlite.Options.Serve);
// one-off commands beside a running server pass false.
func openStore(ctx context.Context, cfg Config, logger *slog.Logger, serving bool) (store.Store, error) {
	if cfg.DatabaseURL != "" {
		st, err := postgres.Open(ctx, cfg.DatabaseURL, postgres.Options{Migrate: !cfg.NoMigrate, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("open postgres store (%s): %w", redactURL(cfg.DatabaseURL), err)
		}
		return st, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	st, err := sqlite.Open(ctx, cfg.SQLitePath(), sqlite.Options{Migrate: !cfg.NoMigrate, Logger: logger, Serve: serving})
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", cfg.SQLitePath(), err)
	}
	return st, nil
}

// providers returns the model providers the configuration enables, in
// the order handles without a provider prefix are looked up. Local
// servers (Ollama, vLLM) are asked which models they serve; one that does
// not answer is still enabled (any model name is accepted) and logged.
func providers(ctx context.Context, cfg Config, logger *slog.Logger) ([]llm.Provider, error) {
	var ps []llm.Provider
	if cfg.OpenAIAPIKey != "" {
		ps = append(ps, openai.New(openai.Config{
			Name:    "openai",
			APIKey:  cfg.OpenAIAPIKey,
			BaseURL: cfg.OpenAIBaseURL,
		}))
	}
	if cfg.AnthropicAPIKey != "" {
		ps = append(ps, anthropic.New(anthropic.Config{APIKey: cfg.AnthropicAPIKey, BaseURL: cfg.AnthropicBaseURL}))
	}
	if cfg.GoogleCloudProject != "" && cfg.GoogleCloudLocation != "" {
		p, err := vertex.New(ctx, vertex.Config{
			Project: cfg.GoogleCloudProject, Location: cfg.GoogleCloudLocation,
			BaseURL: cfg.VertexBaseURL, AccessToken: cfg.VertexAccessToken,
		})
		if err != nil {
			return nil, fmt.Errorf("enable google_vertex: %w", err)
		}
		ps = append(ps, p)
	}
	if cfg.XAIAPIKey != "" {
		ps = append(ps, openai.New(openai.Config{Name: "xai", APIKey: cfg.XAIAPIKey, BaseURL: cfg.XAIBaseURL}))
	}
	discover := func(name string, p interface{ Discover(context.Context) error }) {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := p.Discover(dctx); err != nil {
			logger.Warn("list local models", slog.String("provider", name), slog.Any("error", err))
		}
	}
	if cfg.OllamaBaseURL != "" {
		p := ollama.New(ollama.Config{BaseURL: cfg.OllamaBaseURL})
		discover("ollama", p)
		ps = append(ps, p)
	}
	if cfg.VLLMAPIBase != "" {
		base := strings.TrimRight(cfg.VLLMAPIBase, "/")
		if !strings.HasSuffix(base, "/v1") {
			base += "/v1"
		}
		p := openai.New(openai.Config{Name: "vllm", APIKey: cfg.VLLMAPIKey, BaseURL: base})
		discover("vllm", p)
		ps = append(ps, p)
	}
	return ps, nil
}

// markInterruptedRuns fails the runs no live process can finish (see
// store.RunStore.MarkInterruptedRuns).
func markInterruptedRuns(ctx context.Context, st store.Store, createdBefore time.Time, logger *slog.Logger) {
	if n, err := st.MarkInterruptedRuns(ctx, createdBefore); err != nil {
		logger.Warn("mark interrupted runs", slog.Any("error", err))
	} else if n > 0 {
		logger.Info("marked interrupted runs failed", slog.Int("runs", n))
	}
}

// sweepInterruptedRuns marks interrupted runs older than orphanAge every
// period until ctx ends: a replica that dies leaves its runs active.
func sweepInterruptedRuns(ctx context.Context, st store.Store, period, orphanAge time.Duration, logger *slog.Logger) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			markInterruptedRuns(ctx, st, time.Now().Add(-orphanAge), logger)
		}
	}
}
