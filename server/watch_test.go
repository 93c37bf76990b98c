package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// The -watch mode (dev), with the real program on a copy of the module:
// the first process supervises, stays in the foreground through rebuilds,
// and takes its children with it when it stops (server/internal/supervise).

var (
	// watchingLine is the supervisor's first line: where it listens.
	watchingLine = regexp.MustCompile(`msg="miniweb watching: each good build serves here" addr=http://(127\.0\.0\.1:\d+)/ pid=(\d+)`)
	// childPid finds each child the supervisor started.
	childPid = regexp.MustCompile(`msg="server started" pid=(\d+)`)
)

// copyModule copies the checkout (the folder above server/) into a new
// folder, without .git, and returns the copy's root.
func copyModule(t *testing.T) string { return testnet.CopyModule(t, "..") }

// watchEnv is the environment of the program and of its go build: the
// module cache as the only source of modules, no network.
func watchEnv() []string {
	return programEnv("GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
}

// session is one run of server -dev -watch in its own process group.
type session struct {
	t      *testing.T
	cmd    *exec.Cmd
	log    string // the file holding the stderr of all its processes
	exited chan struct{}
	status int
	addr   string
}

func startWatch(t *testing.T, root, bin string) *session {
	t.Helper()
	s := &session{t: t, log: filepath.Join(t.TempDir(), "stderr"), exited: make(chan struct{})}
	f, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s.cmd = exec.Command(bin, "-dev", "-watch", "-site", "raw", "-addr", "127.0.0.1:0")
	s.cmd.Dir, s.cmd.Env = root, watchEnv()
	s.cmd.Stdout, s.cmd.Stderr = f, f
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a group of its own, as a terminal's job
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.cmd.Wait()
		s.status = s.cmd.ProcessState.ExitCode()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL) // the group we made
			<-s.exited
		}
		if t.Failed() {
			t.Logf("the session's stderr:\n%s", s.text())
		}
	})
	m := s.wait(watchingLine, 1)
	s.addr = m[0][1]
	if pid, _ := strconv.Atoi(m[0][2]); pid != s.cmd.Process.Pid {
		t.Fatalf("the watching line names pid %d; the supervisor is %d", pid, s.cmd.Process.Pid)
	}
	return s
}

func (s *session) text() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// wait waits for n matches of re in the log, failing if the supervisor
// exits first.
func (s *session) wait(re *regexp.Regexp, n int) [][]string {
	s.t.Helper()
	for deadline := time.Now().Add(3 * patience); ; {
		if m := re.FindAllStringSubmatch(s.text(), -1); len(m) >= n {
			return m
		}
		select {
		case <-s.exited:
			s.t.Fatalf("the supervisor exited (status %d) before %d lines matching %s", s.status, n, re)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no %d lines matching %s", n, re)
		}
	}
}

// get returns the body of path, "" with the error when there is none.
func (s *session) get(path string) (string, error) {
	resp, err := http.Get("http://" + s.addr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// waitBody waits until path answers want.
func (s *session) waitBody(path, want string) {
	s.t.Helper()
	var got string
	var err error
	for deadline := time.Now().Add(3 * patience); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, err = s.get(path); got == want {
			return
		}
		select {
		case <-s.exited:
			s.t.Fatalf("the supervisor exited (status %d) while waiting for %q", s.status, want)
		default:
		}
	}
	s.t.Fatalf("%s answers %q (%v); want %q", path, got, err, want)
}

// stop sends sig to the supervisor (to its whole group, as Ctrl-C does,
// when group), and checks that it exits 0 and leaves nothing behind: no
// child, no process of its group, no listener.
func (s *session) stop(sig syscall.Signal, group bool) {
	s.t.Helper()
	var children []int
	for _, m := range childPid.FindAllStringSubmatch(s.text(), -1) {
		pid, _ := strconv.Atoi(m[1])
		children = append(children, pid)
	}
	if len(children) == 0 {
		s.t.Fatal("the log names no child")
	}
	pid := s.cmd.Process.Pid
	if group {
		pid = -pid
	}
	if err := syscall.Kill(pid, sig); err != nil {
		s.t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(3 * patience):
		s.t.Fatal("the supervisor did not exit")
	}
	if s.status != 0 {
		s.t.Errorf("the supervisor exited with status %d; want 0", s.status)
	}
	for _, c := range children {
		if err := syscall.Kill(c, 0); !errors.Is(err, syscall.ESRCH) {
			s.t.Errorf("child pid %d still there after the supervisor exited (kill 0: %v)", c, err)
		}
	}
	if err := syscall.Kill(-s.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		s.t.Errorf("a process of the supervisor's group is left (kill 0: %v)", err)
	}
	if c, err := net.Dial("tcp", s.addr); err == nil {
		c.Close()
		s.t.Errorf("%s still accepts connections after the supervisor exited", s.addr)
	}
}

// TestProgramWatch builds the command in a copy of the module, runs it
// with -dev -watch, and checks that: Ctrl-C (SIGINT to the process group)
// stops it all; a saved handler is served, rebuilt, on the same socket
// while the first process stays the one running; a broken save leaves the
// last good build serving; and SIGINT to the supervisor alone stops it
// and its children, leaving nothing listening.
func TestProgramWatch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command in a copy of the module; skipped with -short")
	}
	t.Parallel()
	root := copyModule(t)
	bin := filepath.Join(t.TempDir(), "server")
	build := exec.Command("go", "build", "-o", bin, "./server")
	build.Dir, build.Env = root, watchEnv()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build in the copy: %v\n%s", err, out)
	}

	t.Log("Ctrl-C")
	s := startWatch(t, root, bin)
	s.wait(regexp.MustCompile(`msg="watching the Go files`), 1)
	s.waitBody("/hello.py", "Hello, World!")
	s.stop(syscall.SIGINT, true)

	t.Log("a save, a broken save, SIGINT to the supervisor")
	s = startWatch(t, root, bin)
	s.wait(regexp.MustCompile(`msg="watching the Go files`), 1)
	s.waitBody("/hello.py", "Hello, World!")
	raw := filepath.Join(root, "sites", "raw", "raw.go")
	src, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	const old = `helloBody  = []byte("Hello, World!")`
	if !strings.Contains(string(src), old) {
		t.Fatalf("%s lacks %s", raw, old)
	}
	if err := os.WriteFile(raw, []byte(strings.Replace(string(src), old, `helloBody  = []byte("Hello, watched!")`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitBody("/hello.py", "Hello, watched!")
	s.wait(regexp.MustCompile(`msg="server ready"`), 2)

	if err := os.WriteFile(raw, []byte(strings.Replace(string(src), old, `helloBody  = []byte("Hello, broken!") +`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	s.wait(regexp.MustCompile(`msg="build failed; serving on" where="?sites/raw/raw\.go:\d+`), 1)
	if got, err := s.get("/hello.py"); got != "Hello, watched!" {
		t.Errorf("after a broken save /hello.py answers %q (%v); want the last good build's", got, err)
	}
	s.stop(syscall.SIGINT, false)
}
