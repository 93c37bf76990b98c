package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Graceful stop under load (issue 6): with clients at full speed, stopping
// the server (Shutdown in process; SIGTERM to the program) gives every
// request it accepted a complete response, refuses new connections, closes
// idle keep-alive connections, and ends within the grace period.

// stopLoadCounts are the outcomes of the load clients' requests.
type stopLoadCounts struct {
	sent      atomic.Int64 // requests whose bytes were written
	completed atomic.Int64 // complete and correct responses
	toApp     atomic.Int64 // of those, responses from the application
	unserved  atomic.Int64 // written, then the connection closed before any byte of response
	refused   atomic.Int64 // dials that failed: the listener was closed
	failed    atomic.Int64 // anything else: a wrong, truncated or broken response
	firstErr  atomic.Pointer[error]
}

func (n *stopLoadCounts) fail(err error) {
	n.failed.Add(1)
	n.firstErr.CompareAndSwap(nil, &err)
}

func (n *stopLoadCounts) String() string {
	return fmt.Sprintf("sent %d, completed %d (%d by the application), unserved %d (closed between keep-alive requests, never run), refused at connect %d, failed %d",
		n.sent.Load(), n.completed.Load(), n.toApp.Load(), n.unserved.Load(), n.refused.Load(), n.failed.Load())
}

// stopLoadRequest is one request of the load mix and its wanted answer.
type stopLoadRequest struct {
	req, method, body string
	app               bool // answered by the application
}

// runStopLoad runs clients connections to addr at full speed, each sending
// the requests of mix in turn on keep-alive connections and redialing when
// the server closes one, until a dial is refused or stop passes.
func runStopLoad(addr string, clients int, mix []stopLoadRequest, stop time.Time, n *stopLoadCounts) *sync.WaitGroup {
	var wg sync.WaitGroup
	for k := range clients {
		wg.Go(func() {
			for i := k; time.Now().Before(stop); {
				c, err := net.DialTimeout("tcp", addr, time.Second)
				if err != nil {
					n.refused.Add(1)
					return // the listener is closed: the stop has begun
				}
				i = stopLoadConn(c, mix, i, stop, n)
				c.Close()
			}
		})
	}
	return &wg
}

// stopLoadConn sends requests of mix from index i on c, one at a time,
// until the server closes c or says it will; it returns the next index.
func stopLoadConn(c net.Conn, mix []stopLoadRequest, i int, stop time.Time, n *stopLoadCounts) int {
	br := bufio.NewReader(c)
	for ; time.Now().Before(stop); i++ {
		m := mix[i%len(mix)]
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, m.req); err != nil {
			return i // closed by the server before this request: never sent
		}
		n.sent.Add(1)
		if _, err := br.Peek(1); err != nil {
			if err == io.EOF || isReset(err) {
				n.unserved.Add(1)
			} else {
				n.fail(err)
			}
			return i + 1
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: m.method})
		if err != nil {
			n.fail(err)
			return i + 1
		}
		b, err := io.ReadAll(resp.Body)
		switch {
		case err != nil:
			n.fail(fmt.Errorf("%q: %w", m.req, err))
			return i + 1
		case resp.StatusCode != 200 || !strings.Contains(string(b), m.body):
			n.fail(fmt.Errorf("%q: wrong response %s %.60q", m.req, resp.Status, b))
			return i + 1
		}
		n.completed.Add(1)
		if m.app {
			n.toApp.Add(1)
		}
		if resp.Close {
			return i + 1
		}
	}
	return i
}

// TestShutdownUnderFullLoad runs 32 clients at full speed for 2s (a mix of
// application, static, POST and streamed responses) with 8 idle keep-alive
// connections open, then shuts down with a 10s grace.
func TestShutdownUnderFullLoad(t *testing.T) {
	const clients, idleConns = 32, 8
	app := newHardApp()
	page := strings.Repeat("static page\n", 100)
	ts := startServer(t, app, map[string]string{"page.txt": page})
	mix := []stopLoadRequest{
		{req: "GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n", method: "GET", body: "Hello, World!", app: true},
		{req: "GET /page.txt HTTP/1.1\r\nHost: x\r\n\r\n", method: "GET", body: page},
		{req: "POST /echo.py?q HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping", method: "POST", body: "POST /echo.py q ping", app: true},
		{req: "GET /stream.py HTTP/1.1\r\nHost: x\r\n\r\n", method: "GET", body: "chunk0\nchunk1\nchunk2\n", app: true},
	}

	idle := make([]*rawConn, idleConns)
	for i := range idle {
		idle[i] = ts.dial(t)
		idle[i].send(plainReq)
		idle[i].response("GET")
	}
	var n stopLoadCounts
	wg := runStopLoad(ts.addr, clients, mix, time.Now().Add(10*time.Second), &n)
	time.Sleep(2 * time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	begin := time.Now()
	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(ctx) }()
	for i, c := range idle {
		if !c.closed() {
			t.Errorf("idle keep-alive connection %d not closed at shutdown", i)
		}
	}
	idleClosed := time.Since(begin)
	if c, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		c.Close()
		t.Error("a new connection was accepted during shutdown")
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown = %v; want nil within the grace", err)
	}
	took := time.Since(begin)
	wg.Wait()

	t.Logf("%d clients for 2s, then Shutdown: %v", clients, &n)
	t.Logf("idle connections closed %v after Shutdown began; Shutdown returned after %v (grace 10s)", idleClosed.Round(time.Millisecond), took.Round(time.Millisecond))
	if f := n.failed.Load(); f > 0 {
		t.Errorf("%d requests failed; the first: %v", f, *n.firstErr.Load())
	}
	if n.refused.Load() != clients {
		t.Errorf("%d clients ended on a refused dial; want all %d", n.refused.Load(), clients)
	}
	if n.completed.Load()+n.unserved.Load() != n.sent.Load() {
		t.Errorf("completed + unserved != sent: %v", &n)
	}
	// Every request the application ran got its complete response; an
	// unserved request never ran.
	if calls := app.all.Load() - idleConns; calls != n.toApp.Load() {
		t.Errorf("the application ran %d times; %d of its responses completed", calls, n.toApp.Load())
	}
	if n.completed.Load() < 1000 {
		t.Errorf("only %d requests completed in 2s: the load did not run", n.completed.Load())
	}
}

// TestSIGTERMUnderLoad runs the program, loads it with 32 clients at full
// speed for 1.5s, and sends it SIGTERM: it exits 0 within its 3s grace,
// after which nothing listens, and no request failed.
func TestSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	const clients = 32
	dir, cfg := siteDir(t, strings.Replace(goodConfig, "enabled = true", "enabled = false", 1))
	cmd, _, stderr, exited := startProgram(t, dir, "-config", cfg, "-addr", "127.0.0.1:0")
	addr := servingAddr(t, stderr, exited)

	mix := []stopLoadRequest{
		{req: "GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n", method: "GET", body: "Hello, World!", app: true},
		{req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", method: "GET", body: indexHTML},
		{req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nname=ping", method: "POST", body: "<dd>ping</dd>", app: true},
	}
	var n stopLoadCounts
	wg := runStopLoad(addr, clients, mix, time.Now().Add(10*time.Second), &n)
	time.Sleep(1500 * time.Millisecond)
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(3*time.Second + time.Second):
		t.Fatalf("still running %v after SIGTERM with a 3s grace", time.Since(signalled))
	}
	took := time.Since(signalled)
	wg.Wait()
	t.Logf("%d clients for 1.5s, then SIGTERM: %v; exited %v after the signal with status %d",
		clients, &n, took.Round(time.Millisecond), cmd.ProcessState.ExitCode())
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit status %d; want 0", code)
	}
	if strings.Contains(stderr.String(), "grace period over") {
		t.Error("the grace period ran out")
	}
	if f := n.failed.Load(); f > 0 {
		t.Errorf("%d requests failed; the first: %v", f, *n.firstErr.Load())
	}
	if n.refused.Load() != clients {
		t.Errorf("%d clients ended on a refused dial; want all %d", n.refused.Load(), clients)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after exit: %v; want connection refused", err)
	}
}

// A streamed (chunked) response on a connection that closes after it still
// ends with its last chunk, so the client sees it complete: when the client
// asked to close, and when the server is shutting down as the response
// starts (found by TestShutdownUnderFullLoad).
func TestStreamCompleteWhenClosing(t *testing.T) {
	app := newHardApp()
	ts := startServer(t, app, nil)
	t.Run("connection_close", func(t *testing.T) {
		c := ts.dial(t)
		c.send("GET /stream.py HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		raw := c.rest()
		if !strings.HasSuffix(raw, "\r\n0\r\n\r\n") {
			t.Fatalf("the chunked body lacks its last chunk: %q", raw)
		}
	})
	t.Run("shutdown", func(t *testing.T) {
		c := ts.dial(t)
		c.send("GET /holdstream.py HTTP/1.1\r\nHost: x\r\n\r\n")
		if !waitFor(5*time.Second, func() bool { return app.inflight.Load() == 1 }) {
			t.Fatal("the request did not start")
		}
		shut := make(chan error, 1)
		go func() { shut <- ts.Shutdown(context.Background()) }()
		waitFor(5*time.Second, func() bool { return ts.shutting.Load() })
		app.gate <- struct{}{} // the stream starts now, during the shutdown
		raw := c.rest()
		if !strings.Contains(raw, "Connection: close\r\n") || !strings.HasSuffix(raw, "\r\n0\r\n\r\n") {
			t.Errorf("the chunked body lacks its last chunk: %q", raw)
		}
		if err := <-shut; err != nil {
			t.Fatal(err)
		}
	})
}
