// Command letta-server serves the Letta REST API, so existing Letta SDKs and
// tools work against it unchanged.
//
//	letta-server [--secure] [--no-migrate] [--host H] [--port P]
//	letta-server migrate [--host H ...]
//	letta-server version
//	letta-server import [flags] FILE      (see agentfile.go)
//	letta-server export [-o FILE] AGENT_ID
//
// Everything else is configured from the environment with Letta's own
// variable names (see README.md). This package is the only one that reads
// flags or environment: it fills a Config, opens the store, builds the
// model registry, the agent engine and the API, serves, and shuts down.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "letta-server: %v\n", err)
		os.Exit(1)
	}
}

// run is main without the process: it returns instead of exiting.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "version" {
		fmt.Fprintln(stdout, buildVersion())
		return nil
	}
	if len(args) > 0 && args[0] == "import" {
		return runImport(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "export" {
		return runExport(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "migrate" {
		return migrateCommand(ctx, args[1:], getenv, stdout, stderr)
	}
	cfg, err := LoadConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Secure && cfg.Password == "" {
		if cfg.Password, err = randomPassword(); err != nil {
			return err
		}
		// Printed once, to stdout, never logged.
		fmt.Fprintf(stdout, "letta-server: generated server password (use it as the SDK token): %s\n", cfg.Password)
	}

	logger := newLogger(cfg, stderr)
	slog.SetDefault(logger)
	return serve(ctx, cfg, logger, nil)
}

// newLogger writes text or JSON to w at the configured level.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// randomPassword returns 24 random bytes, URL-safe base64.
func randomPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// buildVersion is the -ldflags version, else the module version go
// install recorded, else "dev".
func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}
