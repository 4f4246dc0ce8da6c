package sandbox

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"io"
	"os/exec"
	"syscall"
	"time"
)

//go:embed runner.py
var runnerScript string

// execution is one subprocess run.
type execution struct {
	argv    []string
	dir     string
	env     []string
	stdin   []byte
	stdout  io.Writer
	stderr  io.Writer
	timeout time.Duration
}

// exitStatus is how the process ended.
type exitStatus struct {
	code     int
	signal   string // the signal that killed it, if any
	timedOut bool
	err      error // it could not be started or waited for
}

// run starts the process in a process group of its own and waits for it;
// on timeout or cancellation the whole group is killed.
func (e execution) run(ctx context.Context) exitStatus {
	cmd := exec.Command(e.argv[0], e.argv[1:]...)
	cmd.Dir = e.dir
	cmd.Env = e.env
	cmd.Stdin = bytes.NewReader(e.stdin)
	cmd.Stdout, cmd.Stderr = e.stdout, e.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Output pipes held open by a leftover grandchild must not hang Wait.
	cmd.WaitDelay = killGrace
	if err := cmd.Start(); err != nil {
		return exitStatus{code: -1, err: err}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(e.timeout)
	defer timer.Stop()
	var st exitStatus
	var err error
	select {
	case err = <-done:
	case <-timer.C:
		st.timedOut = true
		killGroup(cmd)
		err = <-done
	case <-ctx.Done():
		st.timedOut = true
		killGroup(cmd)
		err = <-done
	}
	st.code = cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		st.signal = ws.Signal().String()
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) && !errors.Is(err, exec.ErrWaitDelay) {
		st.err = err
	}
	return st
}

// killGroup kills the process and everything it started.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
