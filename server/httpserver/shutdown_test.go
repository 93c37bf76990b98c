package httpserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitCalls waits until the application has been called n times, so that a
// request is known to be in flight.
func waitCalls(t *testing.T, app *testApp, n int64) {
	t.Helper()
	for deadline := time.Now().Add(patience); app.calls.Load() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("the application got %d requests; want %d", app.calls.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Shutdown closes an idle keep-alive connection at once (while a request
// is still in flight), lets the request in flight finish with a complete
// response that says the connection closes, stops accepting, and returns
// nil once both are gone.
func TestShutdownGraceful(t *testing.T) {
	t.Parallel()
	app := newHardApp()
	ts := startServer(t, app, nil)

	idle := ts.dial(t)
	idle.send("GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := idle.response("GET"); r.StatusCode != 200 || r.Close {
		t.Fatalf("keep-alive request: %d close=%v", r.StatusCode, r.Close)
	}

	slow := ts.dial(t)
	slow.send("GET /hold.py HTTP/1.1\r\nHost: x\r\n\r\n")
	if !waitFor(patience, func() bool { return app.inflight.Load() == 1 }) {
		t.Fatal("/hold.py did not begin")
	}

	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(ctx) }()

	// The idle connection is closed without a byte while the request in
	// flight still runs: at once, not after it.
	if !idle.closed() {
		t.Error("the idle connection was not closed")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}
	app.gate <- struct{}{} // the request in flight ends

	r := slow.response("GET")
	if r.StatusCode != 200 || bodyOf(t, r) != "held" || r.Header.Get("Content-Length") != "4" {
		t.Fatalf("in-flight request: %d %v", r.StatusCode, r.Header)
	}
	if !r.Close {
		t.Error("the in-flight response lacks Connection: close")
	}
	if !slow.closed() {
		t.Error("the in-flight connection stayed open after its response")
	}

	select {
	case err := <-shut:
		if err != nil {
			t.Fatalf("Shutdown = %v; want nil", err)
		}
	case <-time.After(patience):
		t.Fatal("Shutdown did not return")
	}
	if c, err := net.DialTimeout("tcp", ts.addr, patience); err == nil {
		c.Close()
		t.Fatal("a new connection was accepted after Shutdown")
	}
	if n := app.all.Load(); n != 2 {
		t.Errorf("the application ran %d times; want 2", n)
	}
}

// When the grace period ends first, and not before, Shutdown closes what
// is left, cancels the requests' contexts and returns the context's error.
func TestShutdownGraceExpires(t *testing.T) {
	t.Parallel()
	const grace = 200 * time.Millisecond
	app := newTestApp()
	ts := startServer(t, app, nil)
	c := ts.dial(t)
	c.send("GET /wait.py HTTP/1.1\r\nHost: x\r\n\r\n")
	app.waitWaiting(t)

	start := time.Now() // before the grace's clock starts
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := ts.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v; want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d < grace {
		t.Errorf("Shutdown returned after %v, before the %v grace ended", d, grace)
	}
	select {
	case got := <-app.cancelled:
		if got != "context canceled" {
			t.Fatalf("the application's context ended with %q; want context canceled", got)
		}
	case <-time.After(patience):
		t.Fatal("the application's context was not cancelled")
	}
	// The connection ends. The cancelled application may still get its
	// answer out before the close (Shutdown cancels, then closes); if it
	// does, the answer is complete and says the connection closes.
	c.SetReadDeadline(time.Now().Add(patience))
	if resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"}); err == nil {
		if b, err := io.ReadAll(resp.Body); err == nil && (string(b) != "waited" || !resp.Close) {
			t.Fatalf("response after the grace period: %d %q close=%v", resp.StatusCode, b, resp.Close)
		}
	}
	if !c.closed() {
		t.Fatal("the connection is still open after the grace period")
	}
}

// loadCounts are the outcomes of the requests of TestShutdownUnderLoad.
type loadCounts struct {
	sent      atomic.Int64 // requests whose bytes were written
	completed atomic.Int64 // complete and correct responses
	unserved  atomic.Int64 // written, then the connection closed before any response byte
	refused   atomic.Int64 // dials that failed: the listener was closed
	failed    atomic.Int64 // anything else: a wrong, truncated or broken response
}

// Under load, Shutdown loses no response: every request either gets a
// complete and correct response, or is never run and its connection closes
// before a byte of response (a keep-alive connection the server closed
// between requests, which a client may retry), or cannot connect.
func TestShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	app := newTestApp()
	ts := startServer(t, app, nil)
	var n loadCounts
	var firstErr sync.Once
	var failure error
	fail := func(err error) {
		n.failed.Add(1)
		firstErr.Do(func() { failure = err })
	}
	stop := time.Now().Add(patience) // a bound, should the server never stop

	const clients = 8
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for time.Now().Before(stop) {
				c, err := net.DialTimeout("tcp", ts.addr, patience)
				if err != nil {
					n.refused.Add(1)
					return // the listener is closed: shutdown has begun
				}
				loadConn(c, &n, fail, stop)
				c.Close()
			}
		})
	}

	waitCalls(t, app, 200) // midway: the clients are running
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown = %v; want nil", err)
	}
	wg.Wait()

	t.Logf("sent %d, completed %d, unserved %d (closed between requests), refused at connect %d, failed %d",
		n.sent.Load(), n.completed.Load(), n.unserved.Load(), n.refused.Load(), n.failed.Load())
	if f := n.failed.Load(); f != 0 {
		t.Fatalf("%d requests failed; the first: %v", f, failure)
	}
	if n.refused.Load() != clients {
		t.Errorf("%d clients stopped on a refused dial; want all %d", n.refused.Load(), clients)
	}
	if got := n.completed.Load() + n.unserved.Load(); got != n.sent.Load() {
		t.Errorf("completed %d + unserved %d != sent %d", n.completed.Load(), n.unserved.Load(), got)
	}
	// An unserved request never reached the application: every call got
	// its complete response to the client.
	if calls := app.calls.Load(); calls != n.completed.Load() {
		t.Errorf("the application ran %d times but %d responses completed", calls, n.completed.Load())
	}
}

// loadConn sends keep-alive requests on c, one at a time, until the server
// closes it or says it will.
func loadConn(c net.Conn, n *loadCounts, fail func(error), stop time.Time) {
	br := bufio.NewReader(c)
	for time.Now().Before(stop) {
		c.SetDeadline(time.Now().Add(patience))
		if _, err := io.WriteString(c, "GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return // closed by the server before this request: never sent
		}
		n.sent.Add(1)
		if _, err := br.Peek(1); err != nil {
			if err == io.EOF || isReset(err) {
				n.unserved.Add(1) // closed before a byte of response
			} else {
				fail(err)
			}
			return
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
		if err != nil {
			fail(err)
			return
		}
		b, err := io.ReadAll(resp.Body)
		switch {
		case err != nil:
			fail(err)
			return
		case resp.StatusCode != 200 || string(b) != "Hello, World!":
			fail(errors.New("wrong response: " + resp.Status + " " + string(b)))
			return
		}
		n.completed.Add(1)
		if resp.Close {
			return
		}
	}
}
