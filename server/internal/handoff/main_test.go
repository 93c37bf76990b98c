package handoff

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"
)

// The tests start this test binary again as the child process, with
// HANDOFF_TEST_CHILD saying what it plays.
const envChild = "HANDOFF_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(envChild); mode != "" {
		os.Exit(child(mode))
	}
	os.Exit(m.Run())
}

// child plays a successor (or a socket-activated process) and returns its
// exit status:
//
//	ready   inherit, write a line, Ready, write another, answer one connection
//	fail    write an error and exit 2, as a bad config does
//	crash   panic before ready
//	hang    inherit and never say ready
//
// The connection it answers gets "pid=N from=SOURCE env=LISTEN_FDS,MINIWEB_HANDOFF"
// naming the variables still set after Inherit.
func child(mode string) int {
	switch mode {
	case "fail":
		fmt.Fprintln(os.Stderr, "child: cfg.toml:3: unknown key \"nope\"")
		return 2
	case "crash":
		panic("child: crashing before ready")
	}
	in, err := Inherit()
	if err != nil || in == nil {
		fmt.Fprintln(os.Stderr, "child: inherit:", in, err)
		return 1
	}
	if mode == "hang" {
		fmt.Fprintln(os.Stderr, "child: hanging")
		time.Sleep(time.Minute)
		return 1
	}
	fmt.Fprintln(os.Stderr, "child: serving")
	if err := Ready(in); err != nil {
		fmt.Fprintln(os.Stderr, "child: ready:", err)
		return 1
	}
	fmt.Fprintln(os.Stderr, "child: after ready")
	in.Listener.(*net.TCPListener).SetDeadline(time.Now().Add(time.Minute))
	c, err := in.Listener.Accept()
	if err != nil {
		return 1
	}
	defer c.Close()
	var left []string
	for _, v := range []string{envListenFDs, envListenPID, envHandoff} {
		if _, ok := os.LookupEnv(v); ok {
			left = append(left, v)
		}
	}
	fmt.Fprintf(c, "pid=%d from=%s env=%v", os.Getpid(), in.From, left)
	return 0
}

// killAtCleanup kills the process pid, which the test started, at the end
// of the test if it still runs.
func killAtCleanup(t *testing.T, pid int) {
	t.Cleanup(func() {
		if p, err := os.FindProcess(pid); err == nil {
			p.Kill()
		}
	})
}

// childAnswer dials addr and returns what the child says.
func childAnswer(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	b := make([]byte, 200)
	n, _ := c.Read(b)
	return string(b[:n])
}

// itoa is strconv.Itoa, short.
func itoa(n int) string { return strconv.Itoa(n) }
