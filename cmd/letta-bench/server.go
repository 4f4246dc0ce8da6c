package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// child is the server under test, running as a subprocess.
type child struct {
	cmd     *exec.Cmd
	base    string
	healthy time.Duration // from exec to the first 200 of /v1/health
}

// startChild runs "letta-bench serve" and waits until it answers health.
func startChild(ctx context.Context, args []string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own binary: %w", err)
	}
	cmd := exec.Command(self, append([]string{"serve"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("pipe child stdout: %w", err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	c := &child{cmd: cmd}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "LISTEN "); ok {
				lines <- addr
			}
		}
	}()
	select {
	case addr := <-lines:
		c.base = "http://" + addr
	case <-time.After(60 * time.Second):
		c.stop()
		return nil, fmt.Errorf("server did not start within 60s")
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
	d, err := waitHealthy(ctx, c.base, start)
	if err != nil {
		c.stop()
		return nil, err
	}
	c.healthy = d
	return c, nil
}

// waitHealthy polls /v1/health every millisecond and returns the time
// from start to its first 200.
func waitHealthy(ctx context.Context, base string, start time.Time) (time.Duration, error) {
	hc := &http.Client{Timeout: time.Second}
	deadline := start.Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		resp, err := hc.Get(base + "/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("server at %s not healthy within 60s", base)
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop asks the server to shut down and waits for it.
func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// pgSchema creates a fresh schema for one run and returns the URL that
// uses it (search_path=<schema>,public) and a function that drops it.
func pgSchema(ctx context.Context, pgURL string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector SCHEMA public")
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(pgURL)
	if err != nil {
		return "", nil, fmt.Errorf("parse postgres url: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, pgURL); err == nil {
			_, _ = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	}
	return u.String(), drop, nil
}
