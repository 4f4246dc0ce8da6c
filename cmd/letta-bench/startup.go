package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// runStartup is the "startup" subcommand: it starts the real letta-server
// binary on a new SQLite directory (first start: migrations) and again on
// the same one, -runs times each, and prints the time from exec to the
// first 200 of /v1/health.
func runStartup(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("startup", flag.ContinueOnError)
	bin := fs.String("server-bin", "bin/letta-server", "letta-server binary")
	runs := fs.Int("runs", 20, "starts of each kind")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var fresh, warm durations
	for i := range *runs {
		dir, err := os.MkdirTemp("", "letta-startup-")
		if err != nil {
			return fmt.Errorf("create temp dir: %w", err)
		}
		for j, into := range []*durations{&fresh, &warm} {
			d, err := startOnce(ctx, *bin, dir)
			if err != nil {
				os.RemoveAll(dir)
				return fmt.Errorf("start %d.%d: %w", i, j, err)
			}
			*into = append(*into, d)
		}
		os.RemoveAll(dir)
	}
	var t table
	t.add("start to healthy, new SQLite file p50 / max", "%s / %s", ms(fresh.pct(50)), ms(fresh.pct(100)))
	t.add("start to healthy, existing SQLite file p50 / max", "%s / %s", ms(warm.pct(50)), ms(warm.pct(100)))
	t.print(out)
	return nil
}

// startOnce runs the binary on dir until healthy, then stops it.
func startOnce(ctx context.Context, bin, dir string) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "LETTA_DATA_DIR="+dir, "LETTA_HOST=127.0.0.1", fmt.Sprintf("PORT=%d", port),
		"LETTA_PG_URI=", "DATABASE_URL=", "LETTA_LOG_LEVEL=warn")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", bin, err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	return waitHealthy(ctx, fmt.Sprintf("http://127.0.0.1:%d", port), start)
}
