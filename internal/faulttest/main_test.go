package faulttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// serverBin is the letta-server binary, built once per test run.
var (
	buildOnce sync.Once
	serverBin string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds ./cmd/letta-server on first use.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "letta-faulttest-")
		if buildErr != nil {
			return
		}
		serverBin = filepath.Join(binDir, "letta-server")
		cmd := exec.Command("go", "build", "-o", serverBin, "github.com/letta-server/letta-server/cmd/letta-server")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %w: %s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return serverBin
}

// proc is a running letta-server.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	log  *bytes.Buffer
}

// startServer runs the binary with env on a free port and waits for health.
func startServer(t *testing.T, env ...string) *proc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(binary(t))
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "LETTA_HOST=127.0.0.1",
		fmt.Sprintf("PORT=%d", port), "LETTA_LOG_LEVEL=warn"}, env...)
	p := &proc{t: t, cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), log: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", p.log)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.base + "/v1/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("server not healthy in 30s:\n%s", p.log)
	return nil
}

// kill9 sends SIGKILL and waits for the process to go.
func (p *proc) kill9() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

// result is one HTTP answer.
type result struct {
	status int
	body   []byte
}

func (r result) decode(t *testing.T, out any) {
	t.Helper()
	if err := json.Unmarshal(r.body, out); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// call sends a JSON request to base.
func call(t *testing.T, base, method, path string, body any) result {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return result{status: 0, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, body: b}
}

// createAgent makes a letta_v1_agent on the fake model and returns its id.
func createAgent(t *testing.T, base, name string) string {
	t.Helper()
	r := call(t, base, "POST", "/v1/agents", map[string]any{
		"name": name, "model": "openai/gpt-4o-mini", "embedding": "openai/text-embedding-3-small",
		"memory_blocks": []any{map[string]any{"label": "human", "value": "The user is called Ada."}},
	})
	if r.status != http.StatusOK {
		t.Fatalf("create agent: %d %s", r.status, r.body)
	}
	var a struct{ ID string }
	r.decode(t, &a)
	return a.ID
}

// lettaMessage is the part of a LettaMessage the checks read.
type lettaMessage struct {
	ID          string `json:"id"`
	MessageType string `json:"message_type"`
	ToolCall    *struct {
		ToolCallID string `json:"tool_call_id"`
	} `json:"tool_call"`
	ToolCalls []struct {
		ToolCallID string `json:"tool_call_id"`
	} `json:"tool_calls"`
	ToolCallID string `json:"tool_call_id"`
}

// messages lists every stored message of the agent, oldest first.
func messages(t *testing.T, base, agentID string) []lettaMessage {
	t.Helper()
	r := call(t, base, "GET", "/v1/agents/"+agentID+"/messages?limit=1000&order=asc", nil)
	if r.status != http.StatusOK {
		t.Fatalf("list messages: %d %s", r.status, r.body)
	}
	var out []lettaMessage
	r.decode(t, &out)
	return out
}

// checkPaired fails when a tool call has no tool return or the reverse.
func checkPaired(t *testing.T, agentID string, msgs []lettaMessage) {
	t.Helper()
	calls, returns := map[string]bool{}, map[string]bool{}
	for _, m := range msgs {
		switch m.MessageType {
		case "tool_call_message":
			if m.ToolCall != nil {
				calls[m.ToolCall.ToolCallID] = true
			}
			for _, c := range m.ToolCalls {
				calls[c.ToolCallID] = true
			}
		case "tool_return_message":
			returns[m.ToolCallID] = true
		}
	}
	for id := range calls {
		if !returns[id] {
			t.Errorf("agent %s: tool call %s has no return", agentID, id)
		}
	}
	for id := range returns {
		if !calls[id] {
			t.Errorf("agent %s: tool return %s has no call", agentID, id)
		}
	}
}

// send posts one user message.
func send(t *testing.T, base, agentID, text string) result {
	t.Helper()
	return call(t, base, "POST", "/v1/agents/"+agentID+"/messages",
		map[string]any{"messages": []any{map[string]any{"role": "user", "content": text}}})
}

// stopReason returns a LettaResponse's stop reason.
func stopReason(t *testing.T, r result) string {
	t.Helper()
	var resp struct {
		StopReason struct {
			StopReason string `json:"stop_reason"`
		} `json:"stop_reason"`
	}
	r.decode(t, &resp)
	return resp.StopReason.StopReason
}

func isJSONError(r result) bool {
	var body map[string]any
	return json.Unmarshal(r.body, &body) == nil && (body["detail"] != nil || body["message"] != nil || body["error"] != nil) &&
		!strings.Contains(string(r.body), "panic")
}
