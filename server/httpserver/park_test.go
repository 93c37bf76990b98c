//go:build linux

package httpserver

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// Parked idle connections (issue 27): see park.go. These tests park at
// once (park.after is a millisecond, not parkAfter) and wait on the
// server's count of parked connections, never on time.

// parkSoon makes the server's idle connections park a millisecond after
// their wait begins.
func parkSoon(s *Server) { s.park.after = time.Millisecond }

// parkedHolders opens n connections that each send a request, read its
// answer and park; it returns them once the server has parked them all
// (and those parked before).
func parkedHolders(t *testing.T, ts *testServer, n int) []*rawConn {
	t.Helper()
	base := int(ts.parked())
	holders := make([]*rawConn, n)
	for i := range holders {
		holders[i] = ts.dial(t)
		holders[i].send(plainReq)
		if r := holders[i].response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" {
			t.Fatalf("holder %d: status %d", i, r.StatusCode)
		}
	}
	if !waitFor(patience, func() bool { return ts.parked() == int64(base+n) }) {
		t.Fatalf("%d of %d idle connections parked", ts.parked(), base+n)
	}
	return holders
}

// TestParkedConnsAnswer: many connections park (and hold no goroutine:
// the test runs alone, and the goroutines do not grow with them); a fresh
// connection is answered; then every parked connection, sending two
// pipelined requests, gets both answers in order, and parks again.
func TestParkedConnsAnswer(t *testing.T) {
	const n = 500
	raiseNoFile(t, 2*n+256)
	before := runtime.NumGoroutine()
	ts := startServer(t, newHardApp(), map[string]string{"page.html": "<p>page</p>"}, parkSoon)
	holders := parkedHolders(t, ts, n)
	if g := runtime.NumGoroutine() - before; g >= n/4 {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines more than before with %d parked connections; want far fewer\n%s",
			g, n, buf[:runtime.Stack(buf, true)])
	}
	if open, idle := ts.openConns(), ts.idleConns(); open != n || idle != n {
		t.Errorf("%d connections open, %d idle; want %d and %d", open, idle, n, n)
	}

	fresh := ts.dial(t)
	fresh.send(plainReq)
	if r := fresh.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" {
		t.Fatalf("fresh request: status %d", r.StatusCode)
	}
	fresh.Close()

	for i, h := range holders {
		h.send("GET /page.html HTTP/1.1\r\nHost: x\r\n\r\nGET /missing.html HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := h.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "<p>page</p>" {
			t.Fatalf("parked connection %d, first request: status %d", i, r.StatusCode)
		}
		if r := h.response("GET"); r.StatusCode != 404 {
			t.Fatalf("parked connection %d, second request: status %d; want 404", i, r.StatusCode)
		}
	}
	if !waitFor(patience, func() bool { return ts.parked() == n }) {
		t.Fatalf("%d of %d connections parked again after their requests", ts.parked(), n)
	}
}

// TestParkedFIN: a client that closes its parked connection has it
// closed by the server at once, not at the idle timeout: its slot is freed.
func TestParkedFIN(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newHardApp(), nil, parkSoon, func(s *Server) {
		s.IdleTimeout = time.Hour
		s.MaxConns, s.MaxConnsPerAddr = 4, -1
	})
	h := parkedHolders(t, ts, 3)
	h[1].Close()
	if !waitFor(patience, func() bool { return ts.openConns() == 2 && ts.parked() == 2 }) {
		t.Fatalf("after a parked client closed: %d open, %d parked; want 2, 2", ts.openConns(), ts.parked())
	}
	if got := len(ts.slots); got != 2 {
		t.Errorf("%d slots held; want 2", got)
	}
	// A half-close (shutdown of the client's writing side) too.
	h[0].Conn.(*net.TCPConn).CloseWrite()
	if !h[0].closed() {
		t.Error("a parked connection whose client shut down its side stayed open")
	}
	if !waitFor(patience, func() bool { return ts.openConns() == 1 }) {
		t.Fatalf("%d connections open; want 1", ts.openConns())
	}
}

// TestParkedIdleTimeout: a parked connection is closed at the idle
// timeout, and the others with it, oldest first.
func TestParkedIdleTimeout(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newHardApp(), nil, parkSoon, func(s *Server) { s.IdleTimeout = 300 * time.Millisecond })
	h := parkedHolders(t, ts, 3)
	for i, c := range h {
		if !c.closed() {
			t.Fatalf("parked connection %d outlived the idle timeout", i)
		}
	}
	if !waitFor(patience, func() bool { return ts.openConns() == 0 && ts.parked() == 0 }) {
		t.Fatalf("%d connections open, %d parked; want none", ts.openConns(), ts.parked())
	}
}

// TestParkedCapOldestFirst: at the cap, newcomers are seated by closing
// parked connections, the oldest first; the newer ones still answer.
func TestParkedCapOldestFirst(t *testing.T) {
	t.Parallel()
	const maxConns = 8
	ts := startServer(t, newHardApp(), nil, parkSoon, func(s *Server) {
		s.MaxConns, s.MaxConnsPerAddr = maxConns, -1
		s.IdleTimeout = time.Hour
	})
	var h []*rawConn
	for range maxConns { // one at a time: their waits begin in order
		h = append(h, parkedHolders(t, ts, 1)...)
	}
	for i := range 2 {
		fresh := ts.dial(t)
		fresh.send(plainReq)
		if r := fresh.response("GET"); r.StatusCode != 200 {
			t.Fatalf("newcomer %d: status %d", i, r.StatusCode)
		}
		if !h[i].closed() {
			t.Fatalf("parked connection %d, the oldest, was not closed for newcomer %d", i, i)
		}
		// The newcomer stays open (and parks): closing it would free a
		// slot for the next.
	}
	for i, c := range h[2:] {
		c.send(plainReq)
		if r := c.response("GET"); r.StatusCode != 200 {
			t.Errorf("parked connection %d: status %d", i+2, r.StatusCode)
		}
	}
}

// TestParkedShutdown: Shutdown closes parked connections and returns.
func TestParkedShutdown(t *testing.T) {
	t.Parallel()
	for _, handoff := range []bool{false, true} {
		ts := startServer(t, newHardApp(), nil, parkSoon, func(s *Server) { s.IdleTimeout = time.Hour })
		h := parkedHolders(t, ts, 5)
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		var err error
		if handoff {
			err = ts.Handoff(ctx)
		} else {
			err = ts.Shutdown(ctx)
		}
		cancel()
		if err != nil {
			t.Fatalf("handoff %v: %v", handoff, err)
		}
		for i, c := range h {
			if !c.closed() {
				t.Errorf("handoff %v: parked connection %d open after the server stopped", handoff, i)
			}
		}
		if n := ts.openConns(); n != 0 {
			t.Errorf("handoff %v: %d connections tracked", handoff, n)
		}
		if strings.Contains(ts.log.String(), "could not park") {
			t.Errorf("log:\n%s", ts.log)
		}
	}
}

// TestSlowDeepRequestAfterWait: a request that comes while its
// connection waits in its goroutine (before it parks) and takes longer
// than that wait's park deadline, and after which the connection moves
// to serveDeep (its stack shrank during the wait and grew back), is
// followed by another on the same connection, which is answered: the
// new inline run must not find the passed park deadline (RawConn.Read
// checks it before its callback reads), which closed the connection
// with the client's next request unanswered. Under load (a page over
// half a second) that was TestProgramRestartUnderLoad's read errors.
func TestSlowDeepRequestAfterWait(t *testing.T) {
	t.Parallel()
	const after = 250 * time.Millisecond
	// Slower than the park deadline (after, plus half of it at most)
	// that was set before the request came.
	app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		time.Sleep(2 * after)
		return deepApp(env, start)
	})
	ts := startServer(t, app, nil, func(s *Server) { s.park.after = after })
	c := ts.dial(t)
	// The move needs a request that ends a wait in the goroutine (within
	// after of the answer before it); on a starved machine a try may miss
	// that window and park instead, so tries go on until one has it, as
	// long as patience lasts.
	deadline := time.Now().Add(patience)
	for i := 0; ; i++ {
		// After each answer the connection waits again (or, with the
		// bug, closed as it moved to serveDeep).
		if !waitFor(patience, func() bool { return ts.idleConns() == 1 || ts.openConns() == 0 }) {
			t.Fatalf("after request %d the connection neither waits nor closed", i)
		}
		if strings.Contains(ts.log.String(), "connection keeps a deep stack") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the connection never moved to serveDeep in %d tries", i)
		}
		// The collection halves the stack of the goroutine waiting (but
		// for the first wait, which parks at once: no goroutine waits).
		runtime.GC()
		c.send("GET /deep.py HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := c.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "deep" {
			t.Fatalf("request %d: status %d", i, r.StatusCode)
		}
	}
	c.send(plainReq)
	if r := c.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" {
		t.Fatalf("the request after: status %d", r.StatusCode)
	}
}
