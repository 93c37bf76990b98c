package httpserver

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// At the connection cap (issue 12): idle connections are closed, oldest
// first, to seat newcomers; connections in the middle of a request never
// are. See capacity.go. Every client of these tests dials from 127.0.0.1:
// one address holding the cap is the case tested, so MaxConnsPerAddr is
// off (-1); rate_test.go tests the share per address.

// TestCapReclaimsIdle holds twice the cap in idle keep-alive connections,
// each of which sent a request and read its answer, then sends a fresh
// request: it is answered in full. Each holder past the cap was seated by
// closing the oldest idle one, so the first holders find their connections
// closed and the last ones still open.
func TestCapReclaimsIdle(t *testing.T) {
	t.Parallel()
	const maxConns = 64
	raiseNoFile(t, 4*maxConns+256)
	ts := startServer(t, newHardApp(), nil, func(s *Server) { s.MaxConns, s.MaxConnsPerAddr = maxConns, -1 })
	holders := make([]*rawConn, 2*maxConns)
	for i := range holders {
		holders[i] = ts.dial(t)
		holders[i].send(plainReq)
		if r := holders[i].response("GET"); r.StatusCode != 200 {
			t.Fatalf("holder %d: status %d", i, r.StatusCode)
		}
	}
	if n := ts.openConns(); n > maxConns {
		t.Fatalf("%d connections open; the cap is %d", n, maxConns)
	}
	fresh := ts.dial(t)
	fresh.send(plainReq)
	if r := fresh.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" {
		t.Fatalf("fresh request: status %d", r.StatusCode)
	}
	// The oldest were closed for the newcomers, the newest are still open.
	if !holders[0].closed() {
		t.Error("the oldest idle connection is still open")
	}
	last := holders[len(holders)-1]
	last.send(plainReq)
	if r := last.response("GET"); r.StatusCode != 200 {
		t.Errorf("the newest holder, reused: status %d", r.StatusCode)
	}
	if n := strings.Count(ts.log.String(), "connection cap reached"); n != 1 {
		t.Errorf("%d warnings of the cap; want one for the episode\n%s", n, ts.log)
	}
}

// TestCapSparesActive: at the cap, with connections in every stage of a
// request (a handler running, a head half sent, a body half sent) and one
// idle, a newcomer is seated by closing the idle one only; with none idle,
// it waits for a request to end and is then served. The interrupted
// clients finish their requests and get their answers.
func TestCapSparesActive(t *testing.T) {
	t.Parallel()
	const maxConns = 8
	app := newHardApp()
	ts := startServer(t, app, nil, func(s *Server) { s.MaxConns, s.MaxConnsPerAddr = maxConns, -1 })

	held := make([]*rawConn, maxConns-3)
	for i := range held {
		held[i] = ts.dial(t)
		held[i].send("GET /hold.py HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	if !waitFor(patience, func() bool { return app.inflight.Load() == int64(len(held)) }) {
		t.Fatalf("%d held; want %d", app.inflight.Load(), len(held))
	}
	halfHead := ts.dial(t)
	halfHead.send("GET /hello.py HTTP/1.1\r\nHo")
	halfBody := ts.dial(t)
	halfBody.send("POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	idle := ts.dial(t)
	idle.send(plainReq)
	idle.response("GET")
	// The half-sent ones have been read (they are not idle: a newcomer
	// may not close them): the idle one is the only one.
	if !waitFor(patience, func() bool { return ts.openConns() == maxConns && ts.idleConns() == 1 }) {
		t.Fatalf("%d connections open, %d idle; want %d, 1", ts.openConns(), ts.idleConns(), maxConns)
	}

	// A newcomer: the idle connection makes room.
	first := ts.dial(t)
	first.send(plainReq)
	if r := first.response("GET"); r.StatusCode != 200 {
		t.Fatalf("newcomer: status %d", r.StatusCode)
	}
	if !idle.closed() {
		t.Fatal("the idle connection was not closed for the newcomer")
	}
	// A second newcomer while the first still holds its slot, now idle:
	// the first is closed for it. Then one that finds nobody idle: every
	// slot but the newcomer's is busy, so it waits.
	second := ts.dial(t)
	second.send("GET /hold.py HTTP/1.1\r\nHost: x\r\n\r\n")
	if !waitFor(patience, func() bool { return app.inflight.Load() == int64(len(held)+1) }) {
		t.Fatalf("the second newcomer was not seated: %d held", app.inflight.Load())
	}
	if !first.closed() {
		t.Fatal("the first newcomer, idle, was not closed for the second")
	}
	newcomers := ts.newcomers()
	third := ts.dial(t)
	third.send(plainReq)
	// The server has looked for an idle connection to close for the
	// third: were a busy one closed, it would be now.
	if !waitFor(patience, func() bool { return ts.newcomers() != newcomers }) {
		t.Fatal("the third newcomer was never looked at")
	}

	// The interrupted requests go on and are answered.
	halfHead.send("st: x\r\n\r\n")
	if r := halfHead.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" {
		t.Errorf("half-sent head: status %d", r.StatusCode)
	}
	halfBody.send("defghij")
	if r := halfBody.response("POST"); r.StatusCode != 200 || bodyOf(t, r) != "POST /echo.py  abcdefghij" {
		t.Errorf("half-sent body: status %d", r.StatusCode)
	}
	for range len(held) + 1 {
		app.gate <- struct{}{}
	}
	for i, c := range append(held, second) {
		if r := c.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "held" {
			t.Errorf("held request %d: status %d", i, r.StatusCode)
		}
	}
	// The third was seated as soon as a connection went idle.
	if r := third.response("GET"); r.StatusCode != 200 {
		t.Errorf("third newcomer: status %d", r.StatusCode)
	}
}

// TestCapCrowdedIdleTimeout: past 90% of the cap, an idle wait that begins
// ends after CrowdedIdleTimeout; below it, after IdleTimeout: the crowded
// connections are closed while the others, idle since before them, stay
// open.
func TestCapCrowdedIdleTimeout(t *testing.T) {
	t.Parallel()
	const maxConns = 10
	ts := startServer(t, newHardApp(), nil, func(s *Server) {
		s.MaxConns, s.MaxConnsPerAddr = maxConns, -1
		s.IdleTimeout = time.Hour
		s.CrowdedIdleTimeout = 200 * time.Millisecond
	})
	conns := make([]*rawConn, maxConns)
	for i := range conns {
		conns[i] = ts.dial(t)
		conns[i].send(plainReq)
		conns[i].response("GET")
		// The server's side goes idle just after the answer: wait for it,
		// so that it does so with i+1 connections open.
		if !waitFor(patience, func() bool { return ts.idleConns() == i+1 }) {
			t.Fatalf("%d idle connections; want %d", ts.idleConns(), i+1)
		}
	}
	// Connections 1 to 8 went idle with at most 8 open: below the mark (9).
	// The 9th and 10th went idle with 9 and 10 open: they close at the
	// crowded timeout, long before the idle one.
	for i, c := range conns[8:] {
		if !c.closed() {
			t.Errorf("crowded connection %d still open", 9+i)
		}
	}
	if !waitFor(patience, func() bool { return ts.openConns() == 8 }) {
		t.Errorf("%d connections open after the crowded ones closed; want 8", ts.openConns())
	}
	for i, c := range conns[:8] {
		c.send(plainReq)
		if r := c.response("GET"); r.StatusCode != 200 {
			t.Errorf("connection %d, idle since before the crowded ones: status %d; want it open and answered", i+1, r.StatusCode)
		}
	}
}

// TestCapFloodServesEveryone: 1,000 clients connect at once to a server
// capped at 10 whose 9 other slots are held by running requests; each
// client sends a keep-alive request and stays. Every one of them is
// answered: each newcomer is seated by closing the idle connection of the
// one before. The running requests are never touched, and answer when
// released. A newcomer whose request the server had not read yet when the
// next one came is idle for the server, and may be closed unanswered
// (likelier on a busy machine, past freshGrace): its client sends the
// request again on a new connection (capClient), as a client does with
// a request a server closed unanswered.
func TestCapFloodServesEveryone(t *testing.T) {
	t.Parallel()
	const maxConns, clients = 10, 1000
	raiseNoFile(t, 2*clients+512)
	app := newHardApp()
	ts := startServer(t, app, nil, func(s *Server) { s.MaxConns, s.MaxConnsPerAddr = maxConns, -1 })
	holders := make([]*rawConn, maxConns-1)
	for i := range holders {
		holders[i] = ts.dial(t)
		holders[i].send("GET /hold.py HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	if !waitFor(patience, func() bool { return app.inflight.Load() == maxConns-1 }) {
		t.Fatalf("%d held", app.inflight.Load())
	}
	var answered, again atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 200)
	for i := range clients {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			tries, err := capClient(ts.addr, false)
			again.Add(int64(tries - 1))
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			answered.Add(1)
		})
	}
	wg.Wait()
	if n := answered.Load(); n != clients {
		t.Errorf("%d of %d clients answered", n, clients)
	}
	t.Logf("%d requests sent again after their connection was closed unanswered", again.Load())
	if n := app.inflight.Load(); n != maxConns-1 {
		t.Errorf("%d requests still running; want the %d held", n, maxConns-1)
	}
	for range holders {
		app.gate <- struct{}{}
	}
	for i, c := range holders {
		if r := c.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "held" {
			t.Errorf("holder %d: status %d", i, r.StatusCode)
		}
	}
	t.Logf("%d clients behind a cap of %d with %d slots held were all answered", clients, maxConns, maxConns-1)
}

// TestCapEpisodeLog: a burst of newcomers at the cap logs one warning with
// the counts, and one line when no newcomer has waited for a while, with
// totals that account for every client: 40 clients one after another, each
// staying, at a cap of 4, are 36 newcomers seated by closing 36 idle
// connections. On a busy machine a newcomer whose slot is slow to free
// (past the acceptor's retry) closes a second idle connection, which then
// seats the next newcomer without a wait: more closed, fewer newcomers.
func TestCapEpisodeLog(t *testing.T) {
	t.Parallel()
	const maxConns, clients = 4, 40
	var buf syncBuffer
	ts := startServer(t, newHardApp(), nil, func(s *Server) {
		s.MaxConns, s.MaxConnsPerAddr = maxConns, -1
		s.Log = slog.New(slog.NewTextHandler(&buf, nil))
		// Only the cap closes the clients' connections, however slow the
		// test: not their idle timeouts.
		s.IdleTimeout = time.Hour
		s.CrowdedIdleTimeout = time.Hour
	})
	for i := range clients {
		c := ts.dial(t)
		c.send(plainReq)
		if r := c.response("GET"); r.StatusCode != 200 {
			t.Fatalf("client %d: status %d", i, r.StatusCode)
		}
	}
	log := buf.String()
	if n := strings.Count(log, "connection cap reached"); n != 1 {
		t.Fatalf("%d warnings; want 1\n%s", n, log)
	}
	if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "max_conns=4") || !strings.Contains(log, "open=4") {
		t.Errorf("the warning lacks its counts:\n%s", log)
	}
	if !waitFor(episodeQuiet+patience, func() bool { return strings.Contains(buf.String(), "no newcomer waiting") }) {
		t.Fatalf("no end of the episode logged:\n%s", buf.String())
	}
	end := buf.String()
	m := regexp.MustCompile(`no newcomer waiting any more" max_conns=4 newcomers=(\d+) closed_idle=(\d+)`).FindStringSubmatch(end)
	if m == nil {
		t.Fatalf("the end of the episode lacks its totals:\n%s", end)
	}
	newcomers, _ := strconv.Atoi(m[1])
	closed, _ := strconv.Atoi(m[2])
	t.Logf("the episode's totals: %d newcomers, %d idle connections closed (36 and 36 on a quiet machine)", newcomers, closed)
	// Every client past the first four needed a slot freed by a close;
	// only those clients can be newcomers, and only earlier clients'
	// connections can be closed.
	if closed < clients-maxConns || closed > clients-1 || newcomers < 1 || newcomers > clients-maxConns {
		t.Errorf("the episode's totals: %d newcomers, %d closed; want 1 to %d newcomers and %d to %d closed:\n%s",
			newcomers, closed, clients-maxConns, clients-maxConns, clients-1, end)
	}
}

// TestHalfClosedClients: clients that send a request and shut down their
// write side (SHUT_WR) each get the whole answer and then the server's
// EOF at once, and no server socket is left in CLOSE_WAIT. Pipelined
// requests sent before the FIN are all answered first.
func TestHalfClosedClients(t *testing.T) {
	t.Parallel()
	const clients = 400
	raiseNoFile(t, 2*clients+512)
	ts := startServer(t, newHardApp(), nil, func(s *Server) { s.IdleTimeout = time.Hour })
	for _, tt := range []struct {
		name     string
		requests int
	}{
		{"one_request", 1},
		{"three_pipelined", 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := strings.Repeat(plainReq, tt.requests)
			var wg sync.WaitGroup
			sem := make(chan struct{}, 50)
			var full, eof atomic.Int64
			for i := range clients {
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					c, err := net.DialTimeout("tcp", ts.addr, patience)
					if err != nil {
						t.Errorf("dial %d: %v", i, err)
						return
					}
					defer c.Close()
					io.WriteString(c, req)
					c.(*net.TCPConn).CloseWrite()
					// EOF must follow the answers, not the idle timeout
					// (an hour).
					c.SetReadDeadline(time.Now().Add(patience))
					br := bufio.NewReader(c)
					for range tt.requests {
						resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
						if err != nil {
							t.Errorf("client %d: %v", i, err)
							return
						}
						b, err := io.ReadAll(resp.Body)
						resp.Body.Close()
						if err != nil || string(b) != "Hello, World!" {
							t.Errorf("client %d: body %q, %v", i, b, err)
							return
						}
					}
					full.Add(1)
					if b, err := br.ReadByte(); err == io.EOF {
						eof.Add(1)
					} else {
						t.Errorf("client %d: after the answers: %q, %v; want EOF", i, b, err)
					}
				})
			}
			wg.Wait()
			if full.Load() != clients || eof.Load() != clients {
				t.Errorf("%d of %d clients got every answer, %d the EOF", full.Load(), clients, eof.Load())
			}
			if !waitFor(patience, func() bool { return closeWait(t, ts.addr) == 0 }) {
				t.Errorf("%d server sockets in CLOSE_WAIT", closeWait(t, ts.addr))
			}
			if !waitFor(patience, func() bool { return ts.openConns() == 0 }) {
				t.Errorf("%d connections still open", ts.openConns())
			}
		})
	}
}

// TestHalfClosedAtCap: at a cap of 16, 500 clients that each send a
// request and half-close are all answered in turn, and leave no slot
// held: a half-closed connection closes after its answer instead of
// waiting out the idle timeout (an hour) in CLOSE_WAIT, its slot taken.
// As in TestCapFloodServesEveryone, a client whose connection was closed
// unanswered sends its request again.
func TestHalfClosedAtCap(t *testing.T) {
	t.Parallel()
	const maxConns, clients = 16, 500
	raiseNoFile(t, 2*clients+512)
	ts := startServer(t, newHardApp(), nil, func(s *Server) {
		s.MaxConns, s.MaxConnsPerAddr = maxConns, -1
		s.IdleTimeout = time.Hour
		s.CrowdedIdleTimeout = time.Hour
	})
	var wg sync.WaitGroup
	var again atomic.Int64
	sem := make(chan struct{}, 64)
	for i := range clients {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			tries, err := capClient(ts.addr, true)
			again.Add(int64(tries - 1))
			if err != nil {
				t.Errorf("client %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests sent again after their connection was closed unanswered", again.Load())
	if !waitFor(patience, func() bool { return ts.openConns() == 0 && closeWait(t, ts.addr) == 0 }) {
		t.Errorf("%d connections open, %d in CLOSE_WAIT after every client left", ts.openConns(), closeWait(t, ts.addr))
	}
	if d := latencies(t, ts.addr, "/hello.py", 10); len(d) != 10 {
		t.Fatal("not serving")
	}
}

// TestIdleTimeoutAfterFirstRequest: the wait after a connection's first
// request is an idle wait (IdleTimeout), even when that request was in the
// socket before the connection ever waited; only the wait for the first
// request is bounded by ReadHeaderTimeout. A silent connection dialed
// after the first answer tells when the header timeout has passed: the
// server closes it then.
func TestIdleTimeoutAfterFirstRequest(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newHardApp(), nil, func(s *Server) {
		s.ReadHeaderTimeout = 200 * time.Millisecond
		s.IdleTimeout = time.Hour
	})
	c := ts.dial(t)
	c.send(plainReq) // at once: the first read finds it
	c.response("GET")
	if !waitFor(patience, func() bool { return ts.idleConns() == 1 }) {
		t.Fatal("the connection did not go idle after its answer")
	}
	// A connection that never sends is closed at the header timeout,
	// which began after the first connection's idle wait.
	silent := ts.dial(t)
	if !silent.closed() {
		t.Error("a silent new connection outlived the header timeout")
	}
	// Past the header timeout, within the idle one.
	c.send(plainReq)
	if r := c.response("GET"); r.StatusCode != 200 {
		t.Fatalf("second request: status %d", r.StatusCode)
	}
}

// capClient sends plainReq to addr on a new connection (and shuts down its
// writing side after it, with halfClose) and reads the answer, then (with
// halfClose) the server's EOF. When the server closes the connection
// before a byte of answer, unanswered, it tries again, up to 20 times in
// all. It returns the number of tries, and the error of the last.
func capClient(addr string, halfClose bool) (int, error) {
	for try := 1; ; try++ {
		c, err := net.DialTimeout("tcp", addr, patience)
		if err != nil {
			return try, err
		}
		c.SetDeadline(time.Now().Add(patience))
		io.WriteString(c, plainReq)
		if halfClose {
			c.(*net.TCPConn).CloseWrite()
		}
		br := bufio.NewReader(c)
		if _, err := br.Peek(1); err != nil {
			c.Close()
			if (err == io.EOF || isReset(err)) && try < 20 {
				continue // closed unanswered: send it again
			}
			return try, fmt.Errorf("try %d: %w", try, err)
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
		if err == nil {
			var b []byte
			b, err = io.ReadAll(resp.Body)
			if err == nil && (resp.StatusCode != 200 || string(b) != "Hello, World!") {
				err = fmt.Errorf("answer %d %q", resp.StatusCode, b)
			}
		}
		if err == nil && halfClose {
			if b, rerr := br.ReadByte(); rerr != io.EOF {
				err = fmt.Errorf("after the answer: %q, %v; want EOF", b, rerr)
			}
		}
		c.Close()
		if err != nil {
			return try, fmt.Errorf("try %d: %w", try, err)
		}
		return try, nil
	}
}

// newcomers returns how many newcomers the cap's episode has seen (see
// capacity.note): it changes when the acceptor has looked for an idle
// connection to close for one.
func (ts *testServer) newcomers() int {
	ts.cap.mu.Lock()
	defer ts.cap.mu.Unlock()
	return ts.cap.newcomer
}

// idleConns counts the server's idle connections.
func (ts *testServer) idleConns() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	n := 0
	for c := range ts.conns {
		if c.slot.state.Load() > 0 {
			n++
		}
	}
	return n
}
