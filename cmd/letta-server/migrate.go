package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// migrateCommand is `letta-server migrate`: it applies the embedded
// migrations to the configured database (the same configuration the
// server reads) and exits, for operators who run servers with
// --no-migrate and migrate as a separate release step.
func migrateCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
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
	cfg.NoMigrate = false
	logger := newLogger(cfg, stderr)
	st, err := openStore(ctx, cfg, logger, false)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		logger.Warn("close store", slog.Any("error", err))
	}
	fmt.Fprintf(stdout, "letta-server: %s database schema is up to date (%s)\n", cfg.Backend(), cfg.DatabaseLocation())
	return nil
}
