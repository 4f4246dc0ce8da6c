//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockForServing takes an exclusive advisory lock (flock) on path+".serve.lock"
// without waiting, and returns the open lock file, whose closing (or the
// process's end, even by kill -9) releases it. A second serving process on
// the same file fails here instead of running turns beside the first: turn
// leases and decoded messages live in the serving process's memory.
func lockForServing(path string) (*os.File, error) {
	name := path + ".serve.lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another letta-server process is serving %s (it holds %s): run one server per SQLite file, or several on Postgres", path, name)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return f, nil
}
