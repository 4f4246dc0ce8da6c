// Command letta-bench measures letta-server: it starts the server (as a
// child process wired from the same packages as cmd/letta-server) on SQLite
// or Postgres with an instant fake model, creates agents, and reports
// start-to-healthy time, idle cost per agent, list latency, per-turn server
// overhead one request at a time, and throughput with many concurrent
// conversations (half the turns with a tool call), with the server's CPU
// per turn and peak RSS. It listens on 127.0.0.1 only and stops by itself.
//
//	letta-bench [-store sqlite|postgres] [-pg-url URL] [-agents N]
//	            [-concurrency M] [-duration 20s] [-serial-turns 500] ...
//	letta-bench startup -server-bin bin/letta-server [-runs 20]
//
// Server overhead per turn is the latency the client sees minus the time
// the fake model spent answering that turn's calls.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "serve":
		err = serveChild(ctx, os.Args[2:], os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "startup":
		err = runStartup(ctx, os.Args[2:], os.Stdout)
	default:
		err = runLoad(ctx, os.Args[1:], os.Stdout)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "letta-bench: %v\n", err)
		os.Exit(1)
	}
}
