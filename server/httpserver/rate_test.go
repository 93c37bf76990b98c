package httpserver

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Trickles at the cap (issue 28): MinRate cuts a request head or body sent
// slower than the rate long before the header or body timeout; at the cap,
// slots are taken from the address holding most, its idle connections and
// then those behind the rate; MaxConnsPerAddr bounds one address's share.
// See rate.go, peers.go, capacity.go. The header and body timeouts are set
// past patience, so a cut seen within patience is the rate's doing.

// dialFrom opens a raw connection to the server from the loopback address
// local (such as "127.0.0.2"), another client as far as the server knows.
func (ts *testServer) dialFrom(t *testing.T, local string) *rawConn {
	t.Helper()
	d := net.Dialer{Timeout: patience, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(patience))
	return &rawConn{t: t, Conn: c, br: bufio.NewReader(c)}
}

// slowTimeouts sets MinRate to 240 bytes/s with a grace of 1 s, and the
// header and body timeouts beyond any wait of these tests.
func slowTimeouts(s *Server) {
	s.MinRate, s.MinRateGrace = 240, time.Second
	s.ReadHeaderTimeout, s.ReadBodyTimeout = 3*patience, 3*patience
}

// TestMinRateHead: a head trickled below the rate gets 408 and the
// connection closes.
func TestMinRateHead(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newHardApp(), nil, slowTimeouts)
	c := ts.dial(t)
	start := time.Now()
	c.send("GET /hello.py HTTP/1.1\r\nHo")
	if r := c.response("GET"); r.StatusCode != 408 {
		t.Fatalf("status %d; want 408", r.StatusCode)
	}
	t.Logf("cut after %v", time.Since(start).Round(time.Millisecond))
	if !c.closed() {
		t.Error("connection still open after the 408")
	}
}

// TestMinRateBody: a body trickled below the rate fails the application's
// read; its answer (echo.py: 400 with the error) is sent, then the
// connection closes.
func TestMinRateBody(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newHardApp(), nil, slowTimeouts)
	c := ts.dial(t)
	start := time.Now()
	c.send("POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab")
	r := c.response("POST")
	if body := bodyOf(t, r); r.StatusCode != 400 || !strings.Contains(body, "minimum rate") {
		t.Fatalf("status %d, %q; want 400 with the rate's error", r.StatusCode, body)
	}
	t.Logf("cut after %v", time.Since(start).Round(time.Millisecond))
	if !c.closed() {
		t.Error("connection still open after the answer")
	}
}

// TestMinRateSlowUploadCompletes: an upload well above the rate, in small
// pieces over several graces, is read whole; so is a head sent in pieces.
func TestMinRateSlowUploadCompletes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newHardApp(), nil, slowTimeouts, func(s *Server) { s.MaxConns = 8 })
	c := ts.dial(t)
	const size, piece = 2000, 100 // 100 bytes every 100 ms: 1000 bytes/s, four times the rate
	start := time.Now()
	for _, part := range []string{"POST /echo.py HTTP/1.1\r\n", "Host: x\r\n", "Content-Length: 2000\r\n\r\n"} {
		c.send(part)
		time.Sleep(100 * time.Millisecond)
	}
	chunk := strings.Repeat("x", piece)
	for range size / piece {
		c.send(chunk)
		time.Sleep(100 * time.Millisecond)
	}
	r := c.response("POST")
	if body := bodyOf(t, r); r.StatusCode != 200 || !strings.HasSuffix(body, strings.Repeat("x", size)) {
		t.Fatalf("status %d, %d bytes; want 200 with the upload", r.StatusCode, len(body))
	}
	t.Logf("upload of %d bytes read whole in %v", size, time.Since(start).Round(time.Millisecond))
}

// trickleAtCap fills a cap of 64 from 127.0.0.1 with connections that
// each sent req and nothing more, then sends a fresh request from
// 127.0.0.2: it is answered. The trickling connections, cut, are answered
// (408 for a head, the application's 400 for a body) or closed.
func trickleAtCap(t *testing.T, req string) {
	const maxConns = 64
	raiseNoFile(t, 4*maxConns+256)
	app := newHardApp()
	ts := startServer(t, app, nil, slowTimeouts, func(s *Server) {
		s.MaxConns, s.MaxConnsPerAddr = maxConns, -1 // one address may hold the cap
	})
	holders := make([]*rawConn, maxConns)
	for i := range holders {
		holders[i] = ts.dial(t)
		holders[i].send(req)
	}
	// Every holder's request has begun: none is idle.
	if !waitFor(patience, func() bool { return ts.openConns() == maxConns && ts.idleConns() == 0 }) {
		t.Fatalf("%d open, %d idle; want %d, 0", ts.openConns(), ts.idleConns(), maxConns)
	}
	start := time.Now()
	fresh := ts.dialFrom(t, "127.0.0.2")
	fresh.send(plainReq)
	if r := fresh.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" {
		t.Fatalf("fresh request: status %d", r.StatusCode)
	}
	t.Logf("fresh request from another address answered in %v (header and body timeouts: %v)",
		time.Since(start).Round(time.Millisecond), 3*patience)
	var wg sync.WaitGroup
	for _, h := range holders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.SetReadDeadline(time.Now().Add(patience))
			b := make([]byte, 64)
			n, _ := h.Read(b) // an answer, or the close
			if n > 0 && !strings.HasPrefix(string(b[:n]), "HTTP/1.1 ") {
				t.Errorf("trickler got %q", b[:n])
			}
		}()
	}
	wg.Wait()
}

// TestTrickleHeadAtCap: 64 heads trickled from one address hold a cap of
// 64; a fresh request from another address is answered.
func TestTrickleHeadAtCap(t *testing.T) {
	t.Parallel()
	trickleAtCap(t, "GET /index.html HTTP/1.1\r\nHo")
}

// TestTrickleBodyAtCap: 64 bodies trickled from one address hold a cap of
// 64; a fresh request from another address is answered.
func TestTrickleBodyAtCap(t *testing.T) {
	t.Parallel()
	trickleAtCap(t, "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\na")
}

// TestMaxConnsPerAddr: at a cap of 64 with the default share (a quarter:
// 16), 64 connections from 127.0.0.1, each having sent the first byte of a
// head, leave 16 open, the rest closed at accept without a byte; a request
// from 127.0.0.2 is served beside them; when one of the 16 closes, a new
// connection from 127.0.0.1 is seated again.
func TestMaxConnsPerAddr(t *testing.T) {
	t.Parallel()
	const maxConns, share = 64, 16
	raiseNoFile(t, 4*maxConns+256)
	ts := startServer(t, newHardApp(), nil, func(s *Server) {
		s.MaxConns = maxConns
		s.ReadHeaderTimeout = 3 * patience
	})
	conns := make([]*rawConn, maxConns)
	for i := range conns {
		conns[i] = ts.dial(t)
		conns[i].Write([]byte("G")) // may fail: the server may have closed it
	}
	// The acceptor takes connections in order: by the time it seats this
	// one, it has decided on the 64 before.
	fresh := ts.dialFrom(t, "127.0.0.2")
	fresh.send(plainReq)
	if r := fresh.response("GET"); r.StatusCode != 200 {
		t.Fatalf("request from another address: status %d", r.StatusCode)
	}
	if n := ts.openConns(); n != share+1 {
		t.Fatalf("%d connections open; want %d from 127.0.0.1 and 1 from 127.0.0.2", n, share)
	}
	served, closed := 0, 0
	var held *rawConn
	for _, c := range conns {
		c.Write([]byte("ET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n"))
		r, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
		switch {
		case err == nil && r.StatusCode == 200:
			served++
			held = c
		case err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
			closed++
		default:
			t.Fatalf("a connection from 127.0.0.1: %v %v", r, err)
		}
	}
	if served != share || closed != maxConns-share {
		t.Fatalf("%d served, %d closed; want %d, %d", served, closed, share, maxConns-share)
	}
	held.Close()
	if !waitFor(patience, func() bool { return ts.openConns() == share }) {
		t.Fatalf("%d open after one closed; want %d", ts.openConns(), share)
	}
	again := ts.dial(t)
	again.send(plainReq)
	if r := again.response("GET"); r.StatusCode != 200 {
		t.Fatalf("a new connection from 127.0.0.1 within its share: status %d", r.StatusCode)
	}
}
