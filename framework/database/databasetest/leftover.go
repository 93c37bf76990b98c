package databasetest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A test binary killed hard (a -timeout panic, SIGKILL) leaves its
// cluster folders behind, and the servers in them if they missed their
// parent's death (see Cluster). So Postgres and Private put their clusters
// in folders named folderPrefix+"*" under os.TempDir(), each with an owner
// file naming the test process, and before their first cluster they stop
// and remove the clusters of owners that no longer exist. The owner file
// also names the PID namespace: a folder shared with another container,
// whose PIDs mean nothing here, is left alone.
const (
	folderPrefix = "miniweb-postgres-"
	ownerFile    = "owner"
)

// setupGrace is how long a folder may lack its owner file (the moment
// between its creation and the file's) before it counts as abandoned.
const setupGrace = 10 * time.Minute

// newFolder creates a cluster folder under parent ("" for os.TempDir(),
// where reapLeftovers looks) with our owner file.
func newFolder(parent string) (string, error) {
	dir, err := os.MkdirTemp(parent, folderPrefix+"*")
	if err != nil {
		return "", fmt.Errorf("databasetest: cannot create a cluster folder: %w", err)
	}
	owner := fmt.Sprintf("%d\n%s\n", os.Getpid(), pidNamespace())
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("databasetest: cannot write the owner of %s: %w", dir, err)
	}
	return dir, nil
}

// pidNamespace returns this process's PID namespace, as "pid:[4026531836]",
// or "" when it cannot tell.
func pidNamespace() string {
	ns, _ := os.Readlink("/proc/self/ns/pid")
	return ns
}

var reapOnce sync.Once

// reapLeftovers stops and removes, once per process, the clusters left by
// test processes that no longer exist.
func reapLeftovers(t *tools) {
	reapOnce.Do(func() {
		dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), folderPrefix+"*"))
		for _, dir := range dirs {
			if abandoned(dir, t) {
				reap(dir, t)
			}
		}
	})
}

// abandoned reports whether dir is a cluster folder of ours whose owner
// process is gone.
func abandoned(dir string, t *tools) bool {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	// Only folders we may stop and remove: ours, or, as root, ours and
	// postgres's.
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (st.Uid != uint32(os.Geteuid()) && (t.cred == nil || st.Uid != t.cred.Uid)) {
		return false
	}
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if errors.Is(err, os.ErrNotExist) {
		return time.Since(fi.ModTime()) > setupGrace
	}
	if err != nil {
		return false
	}
	lines := strings.Split(string(b), "\n")
	pid, err := strconv.Atoi(lines[0])
	if err != nil || len(lines) < 2 || lines[1] != pidNamespace() || pid == os.Getpid() {
		return false
	}
	return !alive(pid)
}

// alive reports whether process pid exists (signal 0 checks without
// sending; EPERM means it exists but is another user's) and is not a
// zombie: a server that exited stays one until init reaps it.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	// /proc/PID/stat is "PID (command) STATE ...".
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// reap stops the cluster in dir, if it runs, and removes dir. When the
// server still runs afterwards, dir stays, so that a later run can try
// again.
func reap(dir string, t *tools) {
	data := filepath.Join(dir, "data")
	pidFile := filepath.Join(data, "postmaster.pid")
	if _, err := os.Stat(pidFile); err == nil {
		// Errors are for the check below: pg_ctl also fails when the
		// server died and left its postmaster.pid.
		_ = t.run(dir, t.pgCtl, "stop", "-D", data, "-m", "immediate", "-w", "-t", "30")
		if b, err := os.ReadFile(pidFile); err == nil {
			line, _, _ := bytes.Cut(b, []byte("\n"))
			if pid, err := strconv.Atoi(string(line)); err != nil || alive(pid) {
				fmt.Fprintf(os.Stderr, "databasetest: cannot stop the cluster left in %s (server PID %s)\n", dir, line)
				return
			}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(os.Stderr, "databasetest: cannot remove the cluster folder left in %s: %v\n", dir, err)
		return
	}
	fmt.Fprintf(os.Stderr, "databasetest: removed the cluster left by a dead test process in %s\n", dir)
}
