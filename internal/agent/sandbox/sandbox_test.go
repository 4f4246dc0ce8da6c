package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/letta-server/letta-server/internal/agent/sandbox"
)

func setup(t *testing.T, cfg sandbox.Config) *sandbox.Runner {
	t.Helper()
	r, err := sandbox.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	if r.Python() == "" {
		if os.Getenv("LETTA_REQUIRE_PYTHON") != "" {
			t.Fatal("python3 is required (LETTA_REQUIRE_PYTHON is set)")
		}
		t.Skip("python3 not installed")
	}
	return r
}

// TestMain puts a secret in the server's environment that no tool may see.
func TestMain(m *testing.M) {
	os.Setenv("LETTA_SANDBOX_TEST_SECRET", "server-secret")
	os.Exit(m.Run())
}

// TestRun runs every case plainly and, where bubblewrap works, isolated.
func TestRun(t *testing.T) {
	t.Parallel()
	for _, isolation := range []string{"none", "auto"} {
		t.Run(isolation, func(t *testing.T) {
			t.Parallel()
			r := setup(t, sandbox.Config{Timeout: 5 * time.Second, MemoryBytes: 512 << 20, Isolation: isolation})
			if isolation == "auto" && !r.Isolated() {
				t.Skip("bubblewrap not usable here")
			}
			runCases(t, r)
		})
	}
}

func runCases(t *testing.T, r *sandbox.Runner) {
	tests := []struct {
		name       string
		source     string
		args       map[string]any
		env        map[string]string
		wantOK     bool
		wantValue  any
		wantPrefix string // of a failure message
		wantStdout []string
	}{
		{
			name:      "string result and arguments as data",
			source:    "def f(a: str, n: int):\n    return a * n\n",
			args:      map[string]any{"a": "x'\"); import os; os._exit(9) #", "n": 2},
			wantOK:    true,
			wantValue: "x'\"); import os; os._exit(9) #x'\"); import os; os._exit(9) #",
		},
		{
			name:      "dict result stays an object",
			source:    "def f():\n    return {'a': 1, 'b': [1, 2]}\n",
			wantOK:    true,
			wantValue: map[string]any{"a": float64(1), "b": []any{float64(1), float64(2)}},
		},
		{name: "list result is its str", source: "def f():\n    return [{'a': 1}]\n", wantOK: true, wantValue: "[{'a': 1}]"},
		{name: "None result", source: "def f():\n    return None\n", wantOK: true, wantValue: nil},
		{name: "int result is its str", source: "def f():\n    return 42\n", wantOK: true, wantValue: "42"},
		{name: "async function", source: "async def f():\n    return 'async'\n", wantOK: true, wantValue: "async"},
		{
			name:       "stdout captured apart from the result",
			source:     "def f():\n    print('hello')\n    return 'done'\n",
			wantOK:     true,
			wantValue:  "done",
			wantStdout: []string{"hello"},
		},
		{
			name:       "exception",
			source:     "def f():\n    raise ValueError('bad value')\n",
			wantPrefix: "Error executing function f: ValueError: bad value",
		},
		{
			name:       "infinite recursion",
			source:     "def f():\n    return f()\n",
			wantPrefix: "Error executing function f: RecursionError: maximum recursion depth exceeded",
		},
		{name: "non-zero exit", source: "import sys\ndef f():\n    sys.exit(3)\n", wantPrefix: "Error executing function f: SystemExit: 3"},
		{name: "hard exit without result", source: "import os\ndef f():\n    os._exit(4)\n", wantPrefix: "Error executing function f: SandboxError: the tool process exited with code 4"},
		{name: "syntax error", source: "def f(:\n", wantPrefix: "Error executing function f: SyntaxError: "},
		{name: "missing function", source: "def g():\n    pass\n", wantPrefix: "Error executing function f: NameError: function f is not defined"},
		{name: "missing argument", source: "def f(x: int):\n    return x\n", wantPrefix: "Error executing function f: TypeError: "},
		{
			name:      "server environment is not visible",
			source:    "import os\ndef f():\n    return repr(os.environ.get('LETTA_SANDBOX_TEST_SECRET')) + ' ' + os.environ['MINE']\n",
			env:       map[string]string{"MINE": "tool-value"},
			wantOK:    true,
			wantValue: "None tool-value",
		},
		{
			name:       "memory limit",
			source:     "def f():\n    x = bytearray(2 << 30)\n    return 'allocated'\n",
			wantPrefix: "Error executing function f: MemoryError",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := r.Run(context.Background(), sandbox.Request{Source: tt.source, Function: "f", Args: tt.args, Env: tt.env})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.OK != (tt.wantPrefix == "" && tt.wantOK) {
				t.Fatalf("OK = %v, value %v, stderr %q", res.OK, res.Value, res.Stderr)
			}
			if tt.wantPrefix != "" {
				msg, _ := res.Value.(string)
				if !strings.HasPrefix(msg, tt.wantPrefix) {
					t.Fatalf("message = %q, want prefix %q", msg, tt.wantPrefix)
				}
				return
			}
			if diff := cmp.Diff(tt.wantValue, res.Value); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
			if tt.wantStdout != nil {
				if diff := cmp.Diff(tt.wantStdout, trimmed(res.Stdout)); diff != "" {
					t.Errorf("stdout (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func trimmed(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimSpace(l)
	}
	return out
}

func TestRunTimeoutKillsTheProcessGroup(t *testing.T) {
	t.Parallel()
	r := setup(t, sandbox.Config{Timeout: 500 * time.Millisecond})
	src := "import subprocess, time\ndef f():\n    subprocess.Popen(['sleep', '30'])\n    time.sleep(30)\n"
	start := time.Now()
	res, err := r.Run(context.Background(), sandbox.Request{Source: src, Function: "f"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.OK || !strings.HasPrefix(res.Value.(string), "Error executing function f: TimeoutError") {
		t.Fatalf("result = %+v", res)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run took %s after a 500ms timeout", d)
	}
}

func TestRunCancelled(t *testing.T) {
	t.Parallel()
	r := setup(t, sandbox.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := r.Run(ctx, sandbox.Request{Source: "import time\ndef f():\n    time.sleep(30)\n", Function: "f"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.OK {
		t.Fatalf("a cancelled call succeeded: %+v", res)
	}
}

func TestRunHugeOutputIsCapped(t *testing.T) {
	t.Parallel()
	r := setup(t, sandbox.Config{MaxOutputBytes: 4096})
	src := "import sys\ndef f():\n    for _ in range(20000):\n        print('x' * 100)\n        sys.stderr.write('y' * 100 + '\\n')\n    return 'survived'\n"
	res, err := r.Run(context.Background(), sandbox.Request{Source: src, Function: "f"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !res.OK || res.Value != "survived" {
		t.Fatalf("result = %v %v", res.OK, res.Value)
	}
	if len(res.Stdout) != 1 || len(res.Stdout[0]) > 4096+64 || !strings.HasSuffix(res.Stdout[0], "[output truncated]") {
		t.Errorf("stdout not capped: %d items, %d bytes", len(res.Stdout), len(strings.Join(res.Stdout, "")))
	}
	if len(res.Stderr) != 1 || len(res.Stderr[0]) > 4096+64 {
		t.Errorf("stderr not capped: %d bytes", len(strings.Join(res.Stderr, "")))
	}
}

func TestRunHugeResultFails(t *testing.T) {
	t.Parallel()
	r := setup(t, sandbox.Config{})
	res, err := r.Run(context.Background(), sandbox.Request{Source: "def f():\n    return 'z' * (9 << 20)\n", Function: "f"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.OK || !strings.Contains(res.Value.(string), "larger than") {
		t.Fatalf("result = %v %.200v", res.OK, res.Value)
	}
}

func TestMissingPython(t *testing.T) {
	t.Parallel()
	r, err := sandbox.New(context.Background(), sandbox.Config{Python: "/nonexistent/python3"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if r.Python() != "" {
		t.Fatalf("Python() = %q", r.Python())
	}
	if _, err := r.Run(context.Background(), sandbox.Request{Source: "def f(): pass", Function: "f"}); err != sandbox.ErrNoPython {
		t.Fatalf("Run error = %v, want ErrNoPython", err)
	}
}

// With bubblewrap (where it works), tools have no network and cannot see
// the server's files.
func TestRunIsolatedWithBubblewrap(t *testing.T) {
	t.Parallel()
	r := setup(t, sandbox.Config{Timeout: 10 * time.Second})
	if !r.Isolated() {
		t.Skip("bubblewrap not installed or not usable here")
	}
	secret := filepath.Join(t.TempDir(), "server.db")
	if err := os.WriteFile(secret, []byte("private"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `import os, socket
def f(path: str):
    seen = os.path.exists(path)
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2)
        net = "network"
    except OSError:
        net = "no network"
    return f"{seen} {net}"
`
	res, err := r.Run(context.Background(), sandbox.Request{Source: src, Function: "f", Args: map[string]any{"path": secret}})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !res.OK || res.Value != "False no network" {
		t.Fatalf("result = %v %v %v", res.OK, res.Value, res.Stderr)
	}
}
