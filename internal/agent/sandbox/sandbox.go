// Package sandbox runs custom Python tools in a python3 subprocess: the
// tool's source and a fixed runner script in a fresh temporary directory,
// the arguments as JSON on stdin (never spliced into code), a timeout that
// kills the whole process group, caps on output, memory, CPU time,
// processes and file size, and an environment holding only what the tool
// is given. Where bubblewrap (bwrap) works, the process also runs without
// network and sees only the system and Python directories read-only.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultTimeout        = 60 * time.Second
	DefaultMaxOutputBytes = 1 << 20  // per stream
	DefaultMemoryBytes    = 1 << 30  // RLIMIT_AS
	DefaultMaxResultBytes = 8 << 20  // the JSON result
	defaultMaxFileBytes   = 64 << 20 // RLIMIT_FSIZE
	defaultMaxProcesses   = 64       // RLIMIT_NPROC
	killGrace             = 2 * time.Second
	errorMessageLimit     = 1000
)

// ErrNoPython: no python3 interpreter was found.
var ErrNoPython = errors.New("python3 is not available on this server")

// Config sets the sandbox's limits. Zero values take the defaults.
type Config struct {
	// Python is the interpreter: a path or a name looked up in PATH
	// ("" = python3). It is resolved once to the real executable.
	Python         string
	Timeout        time.Duration
	MaxOutputBytes int
	MemoryBytes    int64
	// CPUSeconds caps CPU time (RLIMIT_CPU); 0 = the timeout's seconds.
	CPUSeconds int
	// Isolation: "auto" (bubblewrap when it works, else plain), "bwrap"
	// (required) or "none".
	Isolation string
	Logger    *slog.Logger
}

// Runner runs tools. It is safe for concurrent use.
type Runner struct {
	cfg      Config
	python   string   // resolved interpreter, "" when missing
	prefixes []string // Python installation directories (bwrap binds)
	bwrap    string   // bwrap path when isolation uses it
}

// New resolves the interpreter and the isolation. A missing python3 is not
// an error: the Runner then reports ErrNoPython for every call (Python()
// returns ""). Isolation "bwrap" without a working bwrap is an error.
func New(ctx context.Context, cfg Config) (*Runner, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxOutputBytes <= 0 {
		cfg.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if cfg.MemoryBytes <= 0 {
		cfg.MemoryBytes = DefaultMemoryBytes
	}
	if cfg.CPUSeconds <= 0 {
		cfg.CPUSeconds = int(cfg.Timeout/time.Second) + 1
	}
	if cfg.Isolation == "" {
		cfg.Isolation = "auto"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Runner{cfg: cfg}
	r.python, r.prefixes = findPython(ctx, cfg.Python)
	if r.python == "" {
		cfg.Logger.WarnContext(ctx, "python3 not found: custom Python tools cannot be created or run (set LETTA_PYTHON)", "python", cfg.Python)
		return r, nil
	}
	switch cfg.Isolation {
	case "none":
	case "auto", "bwrap":
		if path, err := exec.LookPath("bwrap"); err == nil && r.probeBwrap(ctx, path) {
			r.bwrap = path
		} else if cfg.Isolation == "bwrap" {
			return nil, fmt.Errorf("sandbox isolation bwrap requested but bubblewrap does not work here")
		}
	default:
		return nil, fmt.Errorf("unknown sandbox isolation %q (auto, bwrap or none)", cfg.Isolation)
	}
	if os.Geteuid() == 0 {
		// The kernel does not apply RLIMIT_NPROC to root, so a tool could
		// fork without bound; the Docker image runs as a normal user.
		cfg.Logger.WarnContext(ctx, "letta-server runs as root: custom tools run as root too and their process limit is not enforced; run it as a non-root user")
	}
	cfg.Logger.InfoContext(ctx, "tool sandbox ready", "python", r.python, "bubblewrap", r.bwrap != "", "timeout", cfg.Timeout.String())
	return r, nil
}

// Python returns the resolved interpreter path, or "" when there is none.
func (r *Runner) Python() string { return r.python }

// Isolated reports whether tools run inside bubblewrap.
func (r *Runner) Isolated() bool { return r.bwrap != "" }

// findPython resolves name to the interpreter's real executable (through
// shims such as pyenv's) and its installation directories.
func findPython(ctx context.Context, name string) (string, []string) {
	if name == "" {
		name = "python3"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "-c",
		"import json,sys;print(json.dumps([sys.executable,sys.prefix,sys.base_prefix,sys.exec_prefix]))").Output()
	if err != nil {
		return "", nil
	}
	var info []string
	if json.Unmarshal(out, &info) != nil || len(info) == 0 || info[0] == "" {
		return "", nil
	}
	return info[0], info[1:]
}

// Request is one tool call.
type Request struct {
	Source   string         // the tool's Python source
	Function string         // the function to call
	Args     map[string]any // keyword arguments
	Env      map[string]string
	Timeout  time.Duration // 0 = the Runner's
}

// Result is a call's outcome as Letta packages it: on success Value is
// nil, a string or a JSON object (map); on failure Value is the message
// "Error executing function X: <Type>: <msg>".
type Result struct {
	OK     bool
	Value  any
	Stdout []string
	Stderr []string
}

// Run executes the call. Every failure of the tool itself (an exception, a
// crash, a timeout, output that is not a result) is a Result with OK
// false; the error is for a sandbox that cannot start (ErrNoPython, no
// temporary directory).
func (r *Runner) Run(ctx context.Context, req Request) (*Result, error) {
	if r.python == "" {
		return nil, ErrNoPython
	}
	dir, err := os.MkdirTemp("", "letta-tool-")
	if err != nil {
		return nil, fmt.Errorf("create tool directory: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "tool.py"), []byte(req.Source), 0o600); err != nil {
		return nil, fmt.Errorf("write tool source: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "runner.py"), []byte(runnerScript), 0o600); err != nil {
		return nil, fmt.Errorf("write tool runner: %w", err)
	}
	marker, err := newMarker()
	if err != nil {
		return nil, err
	}
	input, err := json.Marshal(map[string]any{
		"marker":   marker,
		"function": req.Function,
		"args":     orEmpty(req.Args),
		"limits": map[string]int64{
			"RLIMIT_AS":    r.cfg.MemoryBytes,
			"RLIMIT_CPU":   int64(r.cfg.CPUSeconds),
			"RLIMIT_NPROC": defaultMaxProcesses,
			"RLIMIT_FSIZE": defaultMaxFileBytes,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("encode tool arguments: %w", err)
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = r.cfg.Timeout
	}
	out := newSplitter(marker, r.cfg.MaxOutputBytes, DefaultMaxResultBytes)
	errOut := &capped{limit: r.cfg.MaxOutputBytes}
	run := execution{
		argv:    r.command(dir),
		dir:     dir,
		env:     r.environment(dir, req.Env),
		stdin:   input,
		stdout:  out,
		stderr:  errOut,
		timeout: timeout,
	}
	exit := run.run(ctx)
	out.finish()
	return r.result(req.Function, exit, out, errOut, timeout), nil
}

// command is the argv that runs the runner in dir.
func (r *Runner) command(dir string) []string {
	py := []string{r.python, "-I", "-B", filepath.Join(dir, "runner.py")}
	if r.bwrap == "" {
		return py
	}
	return append(r.bwrapArgs(dir), py...)
}

// environment is the tool's whole environment: a fixed PATH, HOME (the
// working directory), locale and Python settings, then the tool's own
// variables. Nothing of the server's environment is passed on.
func (r *Runner) environment(dir string, extra map[string]string) []string {
	base := map[string]string{
		"PATH":             "/usr/local/bin:/usr/bin:/bin",
		"HOME":             dir,
		"TMPDIR":           dir,
		"LANG":             "C.UTF-8",
		"PYTHONIOENCODING": "utf-8",
		"PYTHONWARNINGS":   "ignore",
		"NO_COLOR":         "1",
		"TERM":             "dumb",
	}
	for k, v := range extra {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			continue
		}
		base[k] = v
	}
	env := make([]string, 0, len(base))
	for k, v := range base {
		env = append(env, k+"="+v)
	}
	return env
}

// result turns the process's end into a Result.
func (r *Runner) result(function string, exit exitStatus, out *splitter, errOut *capped, timeout time.Duration) *Result {
	res := &Result{Stdout: lines(out.before.String(), out.before.truncated), Stderr: lines(errOut.String(), errOut.truncated)}
	fail := func(format string, a ...any) *Result {
		msg := fmt.Sprintf("Error executing function %s: ", function) + fmt.Sprintf(format, a...)
		if len(msg) > errorMessageLimit {
			msg = msg[:errorMessageLimit]
		}
		res.OK, res.Value = false, msg
		return res
	}
	if exit.timedOut {
		return fail("TimeoutError: the tool did not finish within %s", timeout)
	}
	if exit.err != nil {
		return fail("SandboxError: %v", exit.err)
	}
	var payload struct {
		Value json.RawMessage `json:"value"` // "null" for None
		Error *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	parsed := out.found && !out.after.truncated && json.Unmarshal(out.after.Bytes(), &payload) == nil
	switch {
	case parsed && payload.Error != nil:
		return fail("%s: %s", payload.Error.Type, payload.Error.Message)
	case parsed && exit.code == 0 && payload.Value != nil:
		var v any
		if err := json.Unmarshal(payload.Value, &v); err != nil {
			return fail("ValueError: the tool's result is not valid JSON")
		}
		res.OK, res.Value = true, v
		return res
	case out.found && out.after.truncated:
		return fail("ValueError: the tool's result is larger than %d bytes", DefaultMaxResultBytes)
	}
	// No result: the process died (killed for memory or CPU, a crash, an
	// exit before the runner could answer). The last stderr line names it.
	if last := lastLine(errOut.String()); last != "" {
		return fail("%s", last)
	}
	if exit.signal != "" {
		return fail("ProcessKilled: the tool process was killed by %s (a resource limit was probably exceeded)", exit.signal)
	}
	return fail("SandboxError: the tool process exited with code %d without a result", exit.code)
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// lines is captured output as Letta lists it: one item per non-empty
// capture.
func lines(s string, truncated bool) []string {
	if s == "" {
		return []string{}
	}
	if truncated {
		s += "\n[output truncated]"
	}
	return []string{s}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}
