package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A restart makes a chain of processes: the program the test starts, its
// successor, the successor's successor... Their output goes to two files
// rather than pipes, since each outlives the one before it (a pipe the
// test reads would end with the first process, and writing to it after
// would kill the successor with SIGPIPE).

// family is a program the test started and the successors it started on
// SIGHUP, with the files holding their output.
type family struct {
	t       *testing.T
	first   *exec.Cmd
	exited  chan struct{} // closed when the first process has exited
	errPath string        // their stderr: the log
	outPath string        // their stdout: the access log
}

// startFamily starts the built program in dir with args and env (nil:
// programEnv()), extra descriptors from fd 3 on, and argv0 as the command
// when not "" (a wrapper such as /bin/sh, args then being its own). At the
// end of the test it kills every process of the family still running:
// those whose pids the log names and whose binary is the one built (the
// processes the test started, directly or through the first).
func startFamily(t *testing.T, dir string, env []string, extra []*os.File, argv0 string, args ...string) *family {
	t.Helper()
	f := &family{t: t, exited: make(chan struct{}),
		errPath: filepath.Join(t.TempDir(), "stderr"), outPath: filepath.Join(t.TempDir(), "stdout")}
	stderr, err := os.Create(f.errPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	stdout, err := os.Create(f.outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	bin := miniwebBinary(t)
	if argv0 == "" {
		argv0 = bin
	}
	if env == nil {
		env = programEnv()
	}
	f.first = exec.Command(argv0, args...)
	f.first.Dir, f.first.Env, f.first.ExtraFiles = dir, env, extra
	f.first.Stdout, f.first.Stderr = stdout, stderr
	if err := f.first.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { f.first.Wait(); close(f.exited) }()
	t.Cleanup(func() {
		for _, pid := range f.pids() {
			if exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); err == nil && exe == bin {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		select {
		case <-f.exited:
		case <-time.After(patience):
			t.Error("the first process did not exit")
		}
		if t.Failed() {
			t.Logf("the family's stderr:\n%s", f.log())
		}
	})
	return f
}

// log returns what the family wrote to stderr so far.
func (f *family) log() string {
	b, err := os.ReadFile(f.errPath)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

var (
	// servingPid finds each process's "miniweb serving" line.
	servingPid = regexp.MustCompile(`msg="miniweb serving" addr=\S+ pid=(\d+) `)
	// startedPid finds each successor started, ready or not.
	startedPid = regexp.MustCompile(`msg="restarting: successor started" pid=(\d+)`)
	// readyLine finds each successor that took over, and how long it
	// took from its start: "after=21ms".
	readyLine = regexp.MustCompile(`msg="successor ready" pid=(\d+) after=(\S+)`)
)

// pids returns the pids the log names as serving or started.
func (f *family) pids() []int {
	var pids []int
	log := f.log()
	for _, re := range []*regexp.Regexp{servingPid, startedPid} {
		for _, m := range re.FindAllStringSubmatch(log, -1) {
			n, _ := strconv.Atoi(m[1])
			pids = append(pids, n)
		}
	}
	return pids
}

// serving waits for the first process's serving line and returns its
// address (host:port) and pid.
func (f *family) serving() (addr string, pid int) {
	f.t.Helper()
	f.waitLog(servingLine, 1, patience)
	log := f.log()
	pid, _ = strconv.Atoi(servingPid.FindStringSubmatch(log)[1])
	addr = strings.TrimSuffix(strings.TrimPrefix(servingLine.FindStringSubmatch(log)[1], "http://"), "/")
	return addr, pid
}

// waitCount waits until the log holds s n times; it fails the test after
// timeout.
func (f *family) waitCount(s string, n int, timeout time.Duration) {
	f.t.Helper()
	f.waitLog(regexp.MustCompile(regexp.QuoteMeta(s)), n, timeout)
}

// waitLog waits until re matches the log n times, and returns the
// matches; it fails the test after timeout.
func (f *family) waitLog(re *regexp.Regexp, n int, timeout time.Duration) [][]string {
	f.t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		if m := re.FindAllStringSubmatch(f.log(), -1); len(m) >= n {
			return m
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("the log has not matched %s %d times within %v:\n%s", re, n, timeout, f.log())
		}
	}
}

// restart sends SIGHUP to pid and waits for a successor to take over
// from it: it returns the successor's pid, the time it took from its
// start as its predecessor logged it, and the time from the signal to
// the successor's ready line as the test saw it. It fails the test if
// pid is not gone within wait.
func (f *family) restart(pid int, wait time.Duration) (next int, took, seen time.Duration) {
	f.t.Helper()
	before := len(readyLine.FindAllString(f.log(), -1))
	sent := time.Now()
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		f.t.Fatalf("SIGHUP to pid %d: %v", pid, err)
	}
	m := f.waitLog(readyLine, before+1, patience)[before]
	seen = time.Since(sent)
	next, _ = strconv.Atoi(m[1])
	took, err := time.ParseDuration(m[2])
	if err != nil {
		f.t.Fatalf("successor ready line: %v", err)
	}
	if next == pid {
		f.t.Fatalf("the successor has the pid of its predecessor, %d", pid)
	}
	if !waitFor(wait, func() bool { return gone(pid) }) {
		f.t.Fatalf("pid %d still runs %v after its successor took over", pid, wait)
	}
	return next, took, seen
}

// gone reports whether the process pid has exited (a zombie counts: it
// waits for its parent to reap it).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// "pid (comm) S ...": the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z' || s[i+2] == 'X'
}
