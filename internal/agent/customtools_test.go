package agent

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/letta-server/letta-server/internal/agent/sandbox"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// waitSource signals that it started, then waits for the test's go-ahead:
// while it waits, the store must accept writes (SQLite has one writer
// connection, so a tool running inside the step's transaction would block
// them).
const waitSource = `import os, time

def wait_for_go() -> str:
    """Wait for the test's signal.
    """
    d = os.environ["SYNC_DIR"]
    open(os.path.join(d, "started"), "w").close()
    for _ in range(200):
        if os.path.exists(os.path.join(d, "go")):
            return "proceeded"
        time.sleep(0.05)
    return "gave up"
`

func TestCustomToolRunsOutsideTheTransaction(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	f := setup(t)
	ctx := context.Background()
	r, err := sandbox.New(ctx, sandbox.Config{Isolation: "none"}) // the tool reads the test's directory
	if err != nil {
		t.Fatal(err)
	}
	f.engine.sandboxOnce.Do(func() { f.engine.sandbox = r })
	tool, err := f.engine.CreateTool(ctx, ToolParams{SourceCode: letta.Ptr(waitSource)})
	if err != nil {
		t.Fatalf("CreateTool: %v", err)
	}
	dir := t.TempDir()
	a := f.createAgent(t, letta.AgentTypeLettaV1, func(p *CreateAgentParams) {
		p.ToolIDs = []string{tool.ID}
		p.ToolExecEnvVars = map[string]string{"SYNC_DIR": dir}
	})
	f.llm.Enqueue(llmtest.Call("wait_for_go", `{}`), llmtest.Text("done"))

	type result struct {
		resp *letta.LettaResponse
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := f.engine.Send(ctx, a.ID, userInput("go"), nil)
		done <- result{resp, err}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the tool never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	writeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	now := letta.Now()
	if err := f.store.CreateBlock(writeCtx, &letta.Block{ID: letta.NewID(letta.PrefixBlock), Label: "x", Value: "y", Limit: 100, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatalf("a write while the tool runs failed (is the tool inside a transaction?): %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatalf("Send: %v", res.err)
	}
	var ret string
	for _, m := range res.resp.Messages {
		if m.MessageType == letta.MsgToolReturn {
			ret = m.ToolReturn
		}
	}
	if !strings.Contains(ret, `"message": "proceeded"`) {
		t.Fatalf("tool return = %q", ret)
	}
}
