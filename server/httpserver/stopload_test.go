package httpserver

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// Graceful stop under load (issue 6): with clients at full speed, stopping
// the server (Shutdown in process; SIGTERM to the program) gives every
// request it accepted a complete response, refuses new connections, closes
// idle keep-alive connections, and ends within the grace period.

// TestShutdownUnderFullLoad runs 32 clients at full speed (a mix of
// application, static, POST and streamed responses) with 8 idle keep-alive
// connections open, and shuts down once 1,000 requests are answered, with
// a grace (a minute) only a hang would use up.
func TestShutdownUnderFullLoad(t *testing.T) {
	const clients, idleConns = 32, 8
	app := newHardApp()
	page := strings.Repeat("static page\n", 100)
	ts := startServer(t, app, map[string]string{"page.txt": page})
	mix := []stopLoadRequest{
		{Req: "GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n", Method: "GET", Body: "Hello, World!", App: true},
		{Req: "GET /page.txt HTTP/1.1\r\nHost: x\r\n\r\n", Method: "GET", Body: page},
		{Req: "POST /echo.py?q HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping", Method: "POST", Body: "POST /echo.py q ping", App: true},
		{Req: "GET /stream.py HTTP/1.1\r\nHost: x\r\n\r\n", Method: "GET", Body: "chunk0\nchunk1\nchunk2\n", App: true},
	}

	idle := make([]*rawConn, idleConns)
	for i := range idle {
		idle[i] = ts.dial(t)
		idle[i].send(plainReq)
		idle[i].response("GET")
	}
	var n stopLoadCounts
	wg := runStopLoad(ts.addr, clients, mix, time.Now().Add(patience), &n)
	if !waitFor(patience, func() bool { return n.Completed.Load() >= 1000 }) {
		t.Fatalf("the load did not run: %v", &n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), patience)
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
	if c, err := net.DialTimeout("tcp", ts.addr, patience); err == nil {
		c.Close()
		t.Error("a new connection was accepted during shutdown")
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown = %v; want nil within the grace", err)
	}
	took := time.Since(begin)
	wg.Wait()

	t.Logf("%d clients, then Shutdown: %v", clients, &n)
	t.Logf("idle connections closed %v after Shutdown began; Shutdown returned after %v (grace %v)", idleClosed.Round(time.Millisecond), took.Round(time.Millisecond), patience)
	if f := n.Failed.Load(); f > 0 {
		t.Errorf("%d requests failed; the first: %v", f, *n.FirstErr.Load())
	}
	if n.Refused.Load() != clients {
		t.Errorf("%d clients ended on a refused dial; want all %d", n.Refused.Load(), clients)
	}
	if n.Completed.Load()+n.Unserved.Load() != n.Sent.Load() {
		t.Errorf("completed + unserved != sent: %v", &n)
	}
	// Every request the application ran got its complete response; an
	// unserved request never ran.
	if calls := app.all.Load() - idleConns; calls != n.ToApp.Load() {
		t.Errorf("the application ran %d times; %d of its responses completed", calls, n.ToApp.Load())
	}
}

// A streamed (chunked) response on a connection that closes after it still
// ends with its last chunk, so the client sees it complete: when the client
// asked to close, and when the server is shutting down as the response
// starts (found by TestShutdownUnderFullLoad).
func TestStreamCompleteWhenClosing(t *testing.T) {
	t.Parallel()
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
		if !waitFor(patience, func() bool { return app.inflight.Load() == 1 }) {
			t.Fatal("the request did not start")
		}
		shut := make(chan error, 1)
		go func() { shut <- ts.Shutdown(context.Background()) }()
		waitFor(patience, func() bool { return ts.shutting.Load() })
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
