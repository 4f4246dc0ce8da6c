package sandbox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// systemDirs are bound read-only into the bubblewrap sandbox when present.
var systemDirs = []string{"/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin", "/etc/alternatives", "/etc/ssl", "/etc/ld.so.cache", "/etc/localtime"}

// bwrapArgs is the bubblewrap prefix for a run in dir: no network, new
// namespaces, only system and Python directories (read-only) and dir
// (writable) visible, killed with its parent.
func (r *Runner) bwrapArgs(dir string) []string {
	args := []string{r.bwrap, "--unshare-all", "--die-with-parent", "--new-session",
		"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"}
	seen := map[string]bool{}
	bind := func(p string) {
		if p == "" || seen[p] {
			return
		}
		if _, err := os.Stat(p); err != nil {
			return
		}
		seen[p] = true
		args = append(args, "--ro-bind", p, p)
	}
	for _, d := range systemDirs {
		bind(d)
	}
	for _, p := range r.prefixes {
		bind(p)
	}
	bind(filepath.Dir(r.python))
	return append(args, "--bind", dir, dir, "--chdir", dir)
}

// probeBwrap reports whether bubblewrap can start python3 here (it needs
// user namespaces, which containers often forbid).
func (r *Runner) probeBwrap(ctx context.Context, path string) bool {
	dir, err := os.MkdirTemp("", "letta-bwrap-probe-")
	if err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r.bwrap = path
	argv := append(r.bwrapArgs(dir), r.python, "-I", "-c", "pass")
	r.bwrap = ""
	err = exec.CommandContext(ctx, argv[0], argv[1:]...).Run()
	if err != nil {
		r.cfg.Logger.InfoContext(ctx, "bubblewrap unusable: tools run without namespace isolation", "error", err)
	}
	return err == nil
}
