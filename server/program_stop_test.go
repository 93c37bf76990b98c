package main

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMUnderLoad runs the program, loads it with 32 clients at full
// speed, and once it is busy with them sends it SIGTERM: it exits 0
// without running out its grace, after which nothing listens, and no
// request failed.
func TestSIGTERMUnderLoad(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	const clients = 32
	dir, cfg := siteDir(t, strings.Replace(goodConfig, "enabled = true", "enabled = false", 1))
	cmd, _, stderr, exited := startProgram(t, dir, "-config", cfg, "-addr", "127.0.0.1:0")
	addr := servingAddr(t, stderr, exited)

	mix := []stopLoadRequest{
		{Req: "GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n", Method: "GET", Body: "Hello, World!", App: true},
		{Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Method: "GET", Body: indexHTML},
		{Req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nname=ping", Method: "POST", Body: "<dd>ping</dd>", App: true},
	}
	var n stopLoadCounts
	// The clients end on a refused dial, once the program has exited: the
	// end given them is only a hang's.
	wg := runStopLoad(addr, clients, mix, time.Now().Add(shutdownGrace+2*patience), &n)
	waitBusy(t, cmd.Process.Pid, 50*time.Millisecond)
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(shutdownGrace + patience):
		t.Fatalf("still running %v after SIGTERM with a %v grace", time.Since(signalled), shutdownGrace)
	}
	took := time.Since(signalled)
	wg.Wait()
	t.Logf("%d clients until busy, then SIGTERM: %v; exited %v after the signal with status %d",
		clients, &n, took.Round(time.Millisecond), cmd.ProcessState.ExitCode())
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d; want 0", code)
	}
	if strings.Contains(stderr.String(), "grace period over") {
		t.Error("the grace period ran out")
	}
	if f := n.Failed.Load(); f > 0 {
		t.Errorf("%d requests failed; the first: %v", f, *n.FirstErr.Load())
	}
	if n.Refused.Load() != clients {
		t.Errorf("%d clients ended on a refused dial; want all %d", n.Refused.Load(), clients)
	}
	if _, err := net.DialTimeout("tcp", addr, patience); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after exit: %v; want connection refused", err)
	}
}
