// Command fakellm runs the fake OpenAI-compatible LLM server of
// internal/llm/llmtest on its own, for tests that drive built binaries.
//
// Usage:
//
//	fakellm [-addr 127.0.0.1:0]
//
// When ready it prints exactly one line to stdout,
//
//	fakellm listening on http://127.0.0.1:PORT/v1
//
// and serves until SIGINT or SIGTERM. Point OPENAI_BASE_URL at that URL.
//
// Endpoints: POST /v1/chat/completions (JSON, or SSE with "stream": true),
// POST /v1/embeddings, GET /v1/models (also without /v1), and for scripting:
//
//	POST /_script    a JSON array of replies (or one reply), appended to the queue
//	GET  /_requests  the chat requests received so far: [{"path": ..., "body": {...}}]
//	POST /_reset     forget the queue and the recorded requests
//
// A reply (every field optional):
//
//	{"content": "text", "reasoning": "thinking text",
//	 "tool_calls": [{"id": "call_1", "name": "send_message", "arguments": {"message": "hi"}}],
//	 "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "reasoning_tokens": 0},
//	 "finish_reason": "stop",
//	 "error": {"status": 429, "body": "{...}", "headers": {"Retry-After": "1"}},
//	 "drop": true, "drop_after_chunks": 3, "malformed": true, "empty": true, "delay_ms": 250}
//
// With nothing queued, a request offering send_message gets a send_message
// call with {"message": "Echo: <last user text>"}; any other request gets the
// text "Echo: <last user text>".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fakellm:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, after printing the listening line to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("fakellm", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:0", "address to listen on")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: fakellm [-addr 127.0.0.1:0]  (go doc ./cmd/fakellm describes the reply script format)")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	srv, err := llmtest.New(*addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	if _, err := fmt.Fprintf(stdout, "fakellm listening on %s\n", srv.URL()); err != nil {
		return fmt.Errorf("print address: %w", err)
	}
	<-ctx.Done()
	return nil
}
