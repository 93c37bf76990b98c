package httpserver

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Handoff closes the listener at once, without the health drain (an
// hour here), and lets each keep-alive connection idle at that moment
// carry one more request, answered with Connection: close; one that sends
// none is closed after lastCall, not before. Health checks still pass: the
// socket lives on in the successor.
func TestHandoff(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil, withHealth, func(s *Server) { s.Health.DrainDelay = time.Hour })
	conns := make([]*rawConn, 3)
	var lastSent time.Time // before the last connection's request: its idle wait begins after
	for i := range conns {
		lastSent = time.Now()
		conns[i] = ts.dial(t)
		conns[i].send(plainReq)
		if r := conns[i].response("GET"); r.StatusCode != 200 || r.Close {
			t.Fatalf("before the hand-off: %d (close %v)", r.StatusCode, r.Close)
		}
	}
	begin := time.Now()
	done := make(chan error, 1)
	go func() { done <- ts.Handoff(context.Background()) }()
	if !waitFor(patience, func() bool { return ts.shutting.Load() }) {
		t.Fatal("Handoff did not begin")
	}
	// No drain: the listener is closed already (here no successor holds
	// the socket, so a dial is refused).
	if c, err := net.DialTimeout("tcp", ts.addr, patience); err == nil {
		c.Close()
		t.Error("a new connection was accepted during the hand-off")
	}
	tests := []struct {
		req, path string
		body      string
	}{
		{plainReq, "/hello.py", "Hello, World!"},
		{"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "/healthz", "ok\n"},
	}
	for i, tt := range tests {
		c := conns[i]
		c.send(tt.req)
		r := c.response("GET")
		if b := bodyOf(t, r); r.StatusCode != 200 || b != tt.body || !r.Close {
			t.Errorf("%s during the hand-off: %d %q (close %v); want 200 %q and Connection: close", tt.path, r.StatusCode, b, r.Close, tt.body)
		}
		if !c.closed() {
			t.Errorf("%s: the connection stayed open after its last request", tt.path)
		}
	}
	// The third sent nothing: closed after lastCall.
	if !conns[2].closed() {
		t.Error("an idle connection stayed open")
	}
	idleFor := time.Since(lastSent)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Handoff = %v", err)
		}
	case <-time.After(patience):
		t.Fatalf("Handoff did not return within %v (the drain delay is an hour)", patience)
	}
	if idleFor < lastCall {
		t.Errorf("the idle connection closed %v after its last request was sent; want at least lastCall, %v", idleFor, lastCall)
	}
	t.Logf("idle connection closed %v after its last request was sent; Handoff returned %v after it began", idleFor.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
	if strings.Contains(ts.log.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", ts.log)
	}
}

// Under full load, Handoff costs no request: every request a client sent
// on a keep-alive connection gets its complete answer, where Shutdown may
// close a connection between two requests (unserved, for the client to
// retry). Here no successor holds the socket, so the clients end on a
// refused dial.
func TestHandoffUnderFullLoad(t *testing.T) {
	const clients = 32
	ts := startServer(t, newHardApp(), map[string]string{"page.txt": "static page\n"})
	mix := []stopLoadRequest{
		{Req: plainReq, Method: "GET", Body: "Hello, World!", App: true},
		{Req: "GET /page.txt HTTP/1.1\r\nHost: x\r\n\r\n", Method: "GET", Body: "static page\n"},
		{Req: "POST /echo.py?q HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping", Method: "POST", Body: "POST /echo.py q ping", App: true},
	}
	var n stopLoadCounts
	wg := runStopLoad(ts.addr, clients, mix, time.Now().Add(patience), &n)
	// Hand off mid-load: once the clients have had some answers.
	if !waitFor(patience, func() bool { return n.Completed.Load() >= 1000 }) {
		t.Fatalf("the load did not run: %v", &n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := ts.Handoff(ctx); err != nil {
		t.Fatalf("Handoff = %v", err)
	}
	wg.Wait()
	t.Logf("%d clients, then Handoff: %v", clients, &n)
	if u, f := n.Unserved.Load(), n.Failed.Load(); u+f > 0 {
		t.Errorf("%d requests unserved and %d failed; want 0 (first failure: %v)", u, f, n.FirstErr.Load())
	}
	if n.Completed.Load() != n.Sent.Load() {
		t.Errorf("completed %d of %d sent", n.Completed.Load(), n.Sent.Load())
	}
}

// A response whose head went out before the hand-off, promising to keep
// the connection alive, keeps that promise: the client's next request
// gets an answer (with Connection: close), where a connection closed after
// the response would fail it.
func TestHandoffResponseUnderWay(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newHardApp(), nil)
	c := ts.dial(t)
	c.send("GET /big.py?16 HTTP/1.1\r\nHost: x\r\n\r\n") // 16 MiB: more than the socket buffers hold
	resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
	if err != nil || resp.StatusCode != 200 || resp.Close {
		t.Fatalf("the big response: %v, %v", resp, err)
	}
	done := make(chan error, 1)
	go func() { done <- ts.Handoff(context.Background()) }()
	if !waitFor(patience, func() bool { return ts.shutting.Load() }) {
		t.Fatal("Handoff did not begin")
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != 16<<20 {
		t.Fatalf("the big body: %d bytes, %v", n, err)
	}
	c.send(plainReq)
	r := c.response("GET")
	if b := bodyOf(t, r); r.StatusCode != 200 || b != "Hello, World!" || !r.Close {
		t.Errorf("the next request: %d %q (close %v); want 200 and Connection: close", r.StatusCode, b, r.Close)
	}
	if err := <-done; err != nil {
		t.Fatalf("Handoff = %v", err)
	}
}
