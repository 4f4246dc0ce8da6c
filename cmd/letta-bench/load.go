package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// loadConfig is the load run's flags.
type loadConfig struct {
	store        string
	pgURL        string
	agents       int
	concurrency  int
	duration     time.Duration
	serialTurns  int
	serialAgents int
	listRequests int
	historyMsgs  int
	historyPass  int
	historyTurns int
	cpuProfile   string
	logRequests  bool
}

func parseLoadFlags(args []string) (loadConfig, error) {
	var c loadConfig
	fs := flag.NewFlagSet("letta-bench", flag.ContinueOnError)
	fs.StringVar(&c.store, "store", "sqlite", "sqlite or postgres")
	fs.StringVar(&c.pgURL, "pg-url", os.Getenv("TEST_DATABASE_URL"), "Postgres URL (a fresh schema is created and dropped)")
	fs.IntVar(&c.agents, "agents", 200, "agents to create (at least -concurrency)")
	fs.IntVar(&c.concurrency, "concurrency", 200, "concurrent conversations in the load phase (one agent each)")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "length of the load phase")
	fs.IntVar(&c.serialTurns, "serial-turns", 400, "turns sent one at a time (half with a tool call)")
	fs.IntVar(&c.serialAgents, "serial-agents", 10, "agents the serial turns rotate over")
	fs.IntVar(&c.listRequests, "list-requests", 200, "GET /v1/agents?limit=50&tags=group-3 requests")
	fs.IntVar(&c.historyMsgs, "history-messages", 0, "stored messages of the old agent in the history comparison (0: skip)")
	fs.IntVar(&c.historyPass, "history-passages", 0, "passages of the old agent in the history comparison")
	fs.IntVar(&c.historyTurns, "history-turns", 200, "turns on each of the old and the new agent")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the server during the load phase (or, with -concurrency 0, the history turns) to this file")
	fs.BoolVar(&c.logRequests, "log", true, "server logs every request at info, as letta-server does (to a temp file)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.store != "sqlite" && c.store != "postgres" {
		return c, fmt.Errorf("-store must be sqlite or postgres")
	}
	if c.store == "postgres" && c.pgURL == "" {
		return c, fmt.Errorf("-store postgres needs -pg-url (or TEST_DATABASE_URL)")
	}
	c.agents = max(c.agents, c.concurrency, c.serialAgents, 1)
	return c, nil
}

// runLoad runs every phase and prints the table.
func runLoad(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseLoadFlags(args)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "letta-bench-")
	if err != nil {
		return fmt.Errorf("create temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	fake, err := startFakeModel()
	if err != nil {
		return err
	}
	defer fake.close()

	childArgs := []string{"-llm-url", fake.url, "-data-dir", dir}
	if cfg.logRequests {
		childArgs = append(childArgs, "-log-file", filepath.Join(dir, "server.log"))
	}
	if cfg.store == "postgres" {
		u, drop, err := pgSchema(ctx, cfg.pgURL)
		if err != nil {
			return err
		}
		defer drop()
		childArgs = append(childArgs, "-pg-url", u)
	}
	srv, err := startChild(ctx, childArgs)
	if err != nil {
		return err
	}
	defer srv.stop()
	c := newClient(srv.base, cfg.concurrency)

	var t table
	t.add("store", "%s", cfg.store)
	t.add("start to healthy (fresh database, migrations)", "%s", ms(srv.healthy))

	// Idle cost of agents.
	before, err := c.stats()
	if err != nil {
		return err
	}
	createStart := time.Now()
	ids, err := c.createAgents(ctx, cfg.agents, 4)
	if err != nil {
		return err
	}
	t.add("agents created", "%d in %.1f s", len(ids), time.Since(createStart).Seconds())
	after, err := c.stats()
	if err != nil {
		return err
	}
	t.add("goroutines before / after creating agents", "%d / %d", before.Goroutines, after.Goroutines)
	t.add("RSS before / after creating agents", "%.1f / %.1f MB", float64(before.RSSKB)/1024, float64(after.RSSKB)/1024)

	// List agents.
	lat, err := c.timeRequests(cfg.listRequests, "/v1/agents?limit=50&tags=group-3")
	if err != nil {
		return err
	}
	t.add(fmt.Sprintf("list agents (limit 50, tag filter, %d agents) p50 / p95", len(ids)), "%s / %s", ms(lat.pct(50)), ms(lat.pct(95)))

	// One request at a time.
	if cfg.serialTurns > 0 {
		over, errs := c.serial(ids[:cfg.serialAgents], fake, cfg.serialTurns, "s")
		t.add("serial turns (half with a tool call)", "%d, %d errors", cfg.serialTurns, errs)
		t.add("serial overhead per turn p50 / p95 / p99", "%s / %s / %s", ms(over.pct(50)), ms(over.pct(95)), ms(over.pct(99)))
	}

	// An agent with a long history against a new one.
	if cfg.historyMsgs > 0 || cfg.historyPass > 0 {
		if err := c.history(ctx, fake, cfg, &t); err != nil {
			return err
		}
	}

	// Many conversations at once.
	if cfg.concurrency > 0 && cfg.duration > 0 {
		if err := c.load(ctx, srv, fake, ids[:cfg.concurrency], cfg, &t); err != nil {
			return err
		}
	}
	_, hwm := procMemory(srv.pid())
	t.add("server peak RSS (VmHWM)", "%.1f MB", float64(hwm)/1024)
	t.print(out)
	return nil
}

// stats reads the server's goroutines and memory on a fresh connection
// (idle keep-alive connections would count as goroutines).
func (c *client) stats() (processStats, error) {
	c.http.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	var s processStats
	err := c.call("GET", "/debug/stats", nil, &s)
	return s, err
}

// createAgents creates n agents with `workers` requests in flight.
func (c *client) createAgents(ctx context.Context, n, workers int) ([]string, error) {
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				id, err := c.createAgent(fmt.Sprintf("bench-%05d", i), []string{"bench", fmt.Sprintf("group-%d", i%10)})
				if err != nil {
					errc <- err
					return
				}
				ids[i] = id
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errc:
		return nil, fmt.Errorf("create agents: %w", err)
	default:
	}
	return ids, ctx.Err()
}

// timeRequests GETs path n times, one at a time.
func (c *client) timeRequests(n int, path string) (durations, error) {
	var lat durations
	for range n {
		start := time.Now()
		if err := c.call("GET", path, nil, nil); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}

// serial sends n turns one at a time, rotating over the agents, every
// other one with a tool call; it returns the overheads and the errors.
func (c *client) serial(agents []string, fake *fakeModel, n int, prefix string) (durations, int) {
	var over durations
	errs := 0
	for i := range n {
		r := c.turn(fake, agents[i%len(agents)], fmt.Sprintf("%s%d", prefix, i), i%2 == 1)
		if r.err != nil {
			errs++
			continue
		}
		over = append(over, r.total-r.model)
	}
	return over, errs
}

// history compares an agent with a long stored history to a new agent,
// turn for turn, interleaved so both see the same machine state.
func (c *client) history(ctx context.Context, fake *fakeModel, cfg loadConfig, t *table) error {
	oldID, err := c.createAgent("bench-old", []string{"history"})
	if err != nil {
		return err
	}
	newID, err := c.createAgent("bench-new", []string{"history"})
	if err != nil {
		return err
	}
	start := time.Now()
	if err := c.call("POST", fmt.Sprintf("/debug/seed?agent_id=%s&messages=%d&passages=%d", oldID, cfg.historyMsgs, cfg.historyPass), nil, nil); err != nil {
		return fmt.Errorf("seed history: %w", err)
	}
	t.add("history seeded", "%d messages, %d passages in %.1f s", cfg.historyMsgs, cfg.historyPass, time.Since(start).Seconds())
	var prof chan error
	if cfg.cpuProfile != "" && cfg.concurrency == 0 {
		// Without a load phase, the profile covers the history turns.
		prof = make(chan error, 1)
		go func() { prof <- c.fetchProfile(cfg.cpuProfile, 10) }()
	}
	var oldOver, newOver durations
	errs := 0
	for i := range cfg.historyTurns {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for _, a := range []struct {
			id   string
			over *durations
			key  string
		}{{oldID, &oldOver, "ho"}, {newID, &newOver, "hn"}} {
			r := c.turn(fake, a.id, fmt.Sprintf("%s%d", a.key, i), i%2 == 1)
			if r.err != nil {
				errs++
				continue
			}
			*a.over = append(*a.over, r.total-r.model)
		}
	}
	t.add("history: old agent overhead p50 / p95", "%s / %s", ms(oldOver.pct(50)), ms(oldOver.pct(95)))
	t.add("history: new agent overhead p50 / p95", "%s / %s", ms(newOver.pct(50)), ms(newOver.pct(95)))
	t.add("history: old / new p50 ratio", "%.2fx (%d errors)", float64(oldOver.pct(50))/float64(max(newOver.pct(50), 1)), errs)
	if prof != nil {
		if err := <-prof; err != nil {
			return err
		}
		t.add("history: CPU profile (first 10 s)", "%s", cfg.cpuProfile)
	}
	return nil
}

// load runs one conversation per agent concurrently for cfg.duration.
func (c *client) load(ctx context.Context, srv *child, fake *fakeModel, agents []string, cfg loadConfig, t *table) error {
	type convResult struct {
		over durations
		errs []error
	}
	results := make([]convResult, len(agents))
	runCtx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()

	var prof chan error
	if cfg.cpuProfile != "" {
		prof = make(chan error, 1)
		secs := max(int(cfg.duration.Seconds())-4, 1)
		go func() { prof <- c.fetchProfile(cfg.cpuProfile, secs) }()
	}
	cpu0 := procCPU(srv.pid())
	start := time.Now()
	var wg sync.WaitGroup
	for i, id := range agents {
		wg.Go(func() {
			for n := 0; runCtx.Err() == nil; n++ {
				r := c.turn(fake, id, fmt.Sprintf("c%d-%d", i, n), n%2 == 1)
				if r.err != nil {
					if runCtx.Err() == nil || !errors.Is(r.err, context.DeadlineExceeded) {
						results[i].errs = append(results[i].errs, r.err)
					}
					continue
				}
				results[i].over = append(results[i].over, r.total-r.model)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := procCPU(srv.pid()) - cpu0

	var over durations
	var errs []error
	for _, r := range results {
		over = append(over, r.over...)
		errs = append(errs, r.errs...)
	}
	turns := len(over)
	t.add(fmt.Sprintf("load: %d conversations for %s", len(agents), cfg.duration), "%d turns, %d errors", turns, len(errs))
	t.add("load: turns/s", "%.0f", float64(turns)/elapsed.Seconds())
	t.add("load: overhead per turn p50 / p95 / p99", "%s / %s / %s", ms(over.pct(50)), ms(over.pct(95)), ms(over.pct(99)))
	t.add("load: server CPU per turn", "%s", ms(cpu/time.Duration(max(turns, 1))))
	t.add("load: model calls (fake)", "%d", fake.calls.Load())
	if len(errs) > 0 {
		t.add("load: first error", "%.200v", errs[0])
	}
	if prof != nil {
		if err := <-prof; err != nil {
			return err
		}
		t.add("load: CPU profile", "%s", cfg.cpuProfile)
	}
	return nil
}

// fetchProfile saves a CPU profile of the server over secs seconds.
func (c *client) fetchProfile(path string, secs int) error {
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", c.base, secs))
	if err != nil {
		return fmt.Errorf("fetch cpu profile: %w", err)
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create profile file: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		return fmt.Errorf("save cpu profile: %w", err)
	}
	return nil
}
