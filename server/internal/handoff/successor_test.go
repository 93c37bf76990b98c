package handoff

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestSuccessor starts this test binary as a successor on a real listening
// socket, in each of the ways a successor ends up, and checks what Wait
// says and what reached the old process's stderr.
func TestSuccessor(t *testing.T) {
	tests := []struct {
		mode    string        // what the child plays: see child
		timeout time.Duration // Wait's, once the child has begun (see hung)
		reason  string        // the Failure's Reason; "" for a success
		output  string        // in the Failure's Output
		stderr  []string      // in the old process's stderr, in order
		hung    bool          // Wait is called once the child says it hangs
	}{
		{mode: "ready", timeout: time.Minute,
			stderr: []string{"child: serving\n", "child: after ready\n"}},
		{mode: "fail", timeout: time.Minute,
			reason: "exited with status 2 before it was ready", output: `child: cfg.toml:3: unknown key "nope"`,
			stderr: []string{`child: cfg.toml:3: unknown key "nope"`}},
		{mode: "crash", timeout: time.Minute,
			reason: "exited with status 2 before it was ready", output: "goroutine 1",
			stderr: []string{"panic: child: crashing before ready"}},
		// The timeout counts from Wait: once the child has said it hangs,
		// a short one is the child's end however slow its start was.
		{mode: "hang", timeout: 500 * time.Millisecond, hung: true,
			reason: "was not ready within 500ms: killed", output: "child: hanging",
			stderr: []string{"child: hanging\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Setenv(envChild, tt.mode)
			// Left from a socket activation: the successor must not see them.
			t.Setenv(envListenFDs, "1")
			t.Setenv(envListenPID, itoa(os.Getpid()))
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			stdout, stderr := tempFile(t, "stdout"), tempFile(t, "stderr")
			s, err := Start(ln, stdout, stderr)
			if err != nil {
				t.Fatal(err)
			}
			killAtCleanup(t, s.Pid())
			if tt.hung {
				waitFile(t, stderr.Name(), "child: hanging\n")
			}
			took, err := s.Wait(context.Background(), tt.timeout)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Wait = %v; want ready", err)
				}
				if took <= 0 || took > tt.timeout {
					t.Errorf("took %v", took)
				}
				ln.Close() // the old process stops accepting: the child has the socket
				want := "pid=" + itoa(s.Pid()) + " from=predecessor env=[]"
				if got := childAnswer(t, ln.Addr().String()); got != want {
					t.Errorf("the child answered %q; want %q", got, want)
				}
			} else {
				var f *Failure
				if !errors.As(err, &f) {
					t.Fatalf("Wait = %v; want a *Failure", err)
				}
				if f.Pid != s.Pid() || f.Reason != tt.reason || !strings.Contains(f.Output, tt.output) {
					t.Errorf("Failure = %+v; want pid %d, reason %q, output with %q", *f, s.Pid(), tt.reason, tt.output)
				}
				if !strings.HasPrefix(err.Error(), "successor pid "+itoa(s.Pid())+" ") {
					t.Errorf("error %q", err)
				}
			}
			// Lines the child wrote before it was ready come through the
			// parent's copy of its stderr pipe, those after straight to the
			// parent's stderr: each must arrive, in no set order.
			got := readFile(t, stderr.Name())
			for _, w := range tt.stderr {
				if !strings.Contains(got, w) {
					t.Fatalf("stderr lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// A successor still starting when the old process is told to stop is
// killed: the old process does not leave it behind, nor waits out Wait's
// timeout (an hour here).
func TestSuccessorStopped(t *testing.T) {
	t.Setenv(envChild, "hang")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	stderr := tempFile(t, "stderr")
	s, err := Start(ln, tempFile(t, "stdout"), stderr)
	if err != nil {
		t.Fatal(err)
	}
	killAtCleanup(t, s.Pid())
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() {
		_, err := s.Wait(ctx, time.Hour)
		waited <- err
	}()
	waitFile(t, stderr.Name(), "child: hanging\n") // it runs, and will never be ready
	cancel()
	select {
	case err = <-waited:
	case <-time.After(time.Minute):
		t.Fatal("Wait did not return within a minute of its context's end")
	}
	var f *Failure
	if !errors.As(err, &f) || !errors.Is(err, context.Canceled) || !strings.HasPrefix(f.Reason, "was stopped") {
		t.Fatalf("Wait = %v; want a *Failure and context.Canceled", err)
	}
	if s.cmd.ProcessState == nil {
		t.Error("the successor was not waited for")
	}
}

// waitFile waits until the file name holds want, and fails the test if it
// does not within a minute (a child that never starts).
func waitFile(t *testing.T, name, want string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !strings.Contains(readFile(t, name), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s lacks %q after a minute:\n%s", name, want, readFile(t, name))
		}
	}
}

func tempFile(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Starting a successor leaves this process's listener as it was: closing
// it still wakes a goroutine blocked in Accept. (Passed through
// net.TCPListener.File, the socket turned blocking, the accepting thread
// slept in the kernel, and an old process never finished its hand-off.)
func TestStartKeepsListener(t *testing.T) {
	t.Setenv(envChild, "fail")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, err := Start(ln, tempFile(t, "stdout"), tempFile(t, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	killAtCleanup(t, s.Pid())
	if _, err := s.Wait(context.Background(), time.Minute); err == nil {
		t.Fatal("the failing child was ready")
	}
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	waitAccepting(t)
	go ln.Close() // which waits for Accept to return
	select {
	case err := <-accepted:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept = %v; want net.ErrClosed", err)
		}
	case <-time.After(30 * time.Second): // woken, it returns at once; blocked in the kernel, never
		// Release the thread blocked in the kernel with a connection.
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
		}
		<-accepted
		t.Fatal("closing the listener did not wake Accept: the socket turned blocking")
	}
}

// waitAccepting waits until a goroutine of this process is blocked in
// net.(*TCPListener).Accept: parked in the network poller ("IO wait"), or,
// were the socket blocking, in the accept system call ("syscall").
func waitAccepting(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			header, _, _ := strings.Cut(g, "\n")
			if strings.Contains(g, "net.(*TCPListener).Accept(") &&
				(strings.Contains(header, "[IO wait") || strings.Contains(header, "[syscall")) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no goroutine blocked in Accept after a minute")
		}
	}
}

// TestStartProgram checks that StartProgram runs the binary it is given,
// not os.Executable, with the environment it adds winning over ours.
func TestStartProgram(t *testing.T) {
	t.Setenv(envChild, "ready") // ours; the Program's says "fail"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	built := filepath.Join(t.TempDir(), "server-new")
	if err := os.WriteFile(built, b, 0o755); err != nil {
		t.Fatal(err)
	}
	stdout, stderr := tempFile(t, "stdout"), tempFile(t, "stderr")
	s, err := StartProgram(ln, stdout, stderr, Program{Path: built, Env: []string{envChild + "=fail"}})
	if err != nil {
		t.Fatal(err)
	}
	killAtCleanup(t, s.Pid())
	_, err = s.Wait(context.Background(), time.Minute)
	var f *Failure
	if !errors.As(err, &f) || f.Reason != "exited with status 2 before it was ready" || !strings.Contains(f.Output, `unknown key "nope"`) {
		t.Errorf("Wait = %v (output %q); want the child's fail mode, chosen by the Program's Env", err, f)
	}

	missing := filepath.Join(t.TempDir(), "nope")
	if _, err := StartProgram(ln, stdout, stderr, Program{Path: missing}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("StartProgram(%s) = %v; want an error naming it", missing, err)
	}
}
