package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/letta-server/letta-server/internal/agent"
	"github.com/letta-server/letta-server/internal/agentfile"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/store"
)

// Operator subcommands that move agents in and out of the configured store
// directly (no server needs to run):
//
//	letta-server import [--name N] [--model H] [--embedding H] [--project-id P]
//	                    [--strip-messages] [--append-copy-suffix] [--keep-existing-tools] FILE
//	letta-server export [-o FILE] [--legacy] [--scrub-messages] AGENT_ID

// offline is the store and models an operator subcommand works on.
type offline struct {
	store  store.Store
	models *llm.Registry
	engine *agent.Engine
	close  func()
}

// openOffline reads the configuration from the environment, as serve does,
// and opens the store, applying migrations as at start-up.
func openOffline(ctx context.Context, getenv func(string) string, stderr io.Writer) (*offline, error) {
	cfg, err := LoadConfig(nil, getenv, stderr)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := newLogger(cfg, stderr)
	st, err := openStore(ctx, cfg, logger, false)
	if err != nil {
		return nil, err
	}
	enabled, err := providers(ctx, cfg, logger)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	models := llm.NewRegistry(enabled...)
	eng := agent.New(agent.Config{Store: st, Models: models, Logger: logger})
	return &offline{store: st, models: models, engine: eng, close: func() {
		if err := st.Close(); err != nil {
			logger.Error("close store", slog.Any("error", err))
		}
	}}, nil
}

// runImport imports an agent file and prints the new agent ids, one a line.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts agentfile.ImportOptions
	keepTools := fs.Bool("keep-existing-tools", false, "keep custom tools that already exist under a file tool's name (default: update them from the file)")
	fs.StringVar(&opts.Name, "name", "", "name for the (first) imported agent")
	fs.StringVar(&opts.Model, "model", "", "model handle replacing the file's llm_config, e.g. openai/gpt-4o-mini")
	fs.StringVar(&opts.Embedding, "embedding", "", "embedding handle replacing the file's embedding_config")
	fs.StringVar(&opts.ProjectID, "project-id", "", "project to put the agents in")
	fs.BoolVar(&opts.StripMessages, "strip-messages", false, "import no messages (start from a fresh system message)")
	fs.BoolVar(&opts.AppendCopySuffix, "append-copy-suffix", false, `append "_copy" to the agents' names`)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: letta-server import [flags] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return quietHelp(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import: expected one agent file")
	}
	opts.OverrideExistingTools = !*keepTools
	opts.ActorID = letta.DefaultUserID
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	f, err := agentfile.Parse(raw)
	if err != nil {
		return fmt.Errorf("import %s: %w", fs.Arg(0), err)
	}
	o, err := openOffline(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer o.close()
	im := agentfile.NewImporter(agentfile.Config{Store: o.store, Models: o.models, EnsureBaseToolsFunc: o.engine.EnsureBaseTools, CheckSourceFunc: o.engine.CheckToolSource})
	ids, err := im.Import(ctx, f, opts)
	if err != nil {
		return fmt.Errorf("import %s: %w", fs.Arg(0), err)
	}
	fmt.Fprintln(stdout, strings.Join(ids, "\n"))
	return nil
}

// runExport writes an agent as an agent file to -o or stdout.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write to this file instead of stdout")
	legacy := fs.Bool("legacy", false, "write the older single-agent schema")
	var opts agentfile.ExportOptions
	fs.BoolVar(&opts.ScrubMessages, "scrub-messages", false, "leave the messages out")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: letta-server export [-o FILE] [flags] AGENT_ID")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return quietHelp(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("export: expected one agent id")
	}
	opts.Version = buildVersion()
	o, err := openOffline(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer o.close()
	var doc any
	if *legacy {
		doc, err = agentfile.ExportLegacy(ctx, o.store, fs.Arg(0), opts)
	} else {
		doc, err = agentfile.Export(ctx, o.store, fs.Arg(0), opts)
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("export: no agent %s", fs.Arg(0))
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("export: encode: %w", err)
	}
	b = append(b, '\n')
	if *out == "" {
		_, err = stdout.Write(b)
		return err
	}
	if err := os.WriteFile(*out, b, 0o600); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// quietHelp turns -h into a clean exit.
func quietHelp(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
