package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Slow clients (issue 6): a thousand connections that trickle their head or
// body one byte at a time, or that never read their response, must not
// slow a normal client, and each is closed by its timeout.
//
// The bound on the normal client's p99 is latencyBound: twice the idle p99,
// or the idle p99 plus 50ms, whichever is larger (a loaded 2-core CI
// machine under -race).

// slowAttack is what one slow connection does once connected. It sends its
// first bytes, calls started, goes on until the server ends the
// connection, and returns the status the server answered with (0 for
// none).
type slowAttack func(c net.Conn, br *bufio.Reader, started func()) (status int, err error)

// slowOutcome is the fate of one slow connection.
type slowOutcome struct {
	status int           // the response status, 0 for none
	lasted time.Duration // from the first byte to the server's close
	err    error         // anything unexpected
}

// attackFigures runs n connections of attack against ts while a normal
// client times sequential keep-alive GETs of /hello.py, after the same
// measure with no attack, and returns both sorted latency samples and the
// outcome of each slow connection. Every slow connection is bounded by
// limit.
func attackFigures(t *testing.T, ts *testServer, n int, limit time.Duration, attack slowAttack) (idle, during []time.Duration, out []slowOutcome) {
	t.Helper()
	const samples = 400
	latencies(t, ts.addr, "/hello.py", 50) // warm up
	idle = latencies(t, ts.addr, "/hello.py", samples)

	out = make([]slowOutcome, n)
	var startedWG, doneWG sync.WaitGroup
	startedWG.Add(n)
	var dialFailed atomic.Int64
	for i := range n {
		doneWG.Go(func() {
			var once sync.Once
			started := func() { once.Do(startedWG.Done) }
			defer started()
			c, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
			if err != nil {
				dialFailed.Add(1)
				out[i].err = err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(limit))
			begin := time.Now()
			out[i].status, out[i].err = attack(c, bufio.NewReader(c), started)
			out[i].lasted = time.Since(begin)
		})
	}
	startedWG.Wait()
	if f := dialFailed.Load(); f > 0 {
		t.Fatalf("%d of %d slow connections could not connect", f, n)
	}
	during = latencies(t, ts.addr, "/hello.py", samples)
	doneWG.Wait()
	return idle, during, out
}

// checkLatency reports the figures and fails when the p99 during the
// attack passes latencyBound.
func checkLatency(t *testing.T, what string, idle, during []time.Duration) {
	t.Helper()
	t.Logf("%s: normal client p50/p99/max idle %v/%v/%v, during %v/%v/%v (bound on p99 %v)", what,
		pct(idle, 50), pct(idle, 99), idle[len(idle)-1], pct(during, 50), pct(during, 99), during[len(during)-1],
		latencyBound(pct(idle, 99)))
	if p := pct(during, 99); p > latencyBound(pct(idle, 99)) {
		t.Errorf("%s: p99 %v during the attack; idle p99 %v, bound %v", what, p, pct(idle, 99), latencyBound(pct(idle, 99)))
	}
}

// trickle writes msg one byte per interval until the server answers or
// closes, and returns the status it answered with. It calls started after
// the first byte.
func trickle(c net.Conn, br *bufio.Reader, msg string, interval time.Duration, started func()) (int, error) {
	giveUp := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		if time.Now().After(giveUp) {
			return 0, errors.New("the server never answered nor closed")
		}
		if i < len(msg) {
			if _, err := c.Write([]byte{msg[i]}); err != nil {
				return readAnswer(br, err)
			}
		}
		if i == 0 {
			started()
		}
		c.SetReadDeadline(time.Now().Add(interval))
		if _, err := br.Peek(1); err == nil {
			break // the server answered
		} else if !errors.Is(err, os.ErrDeadlineExceeded) {
			return readAnswer(br, err)
		}
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return readAnswer(br, nil)
}

// readAnswer reads the response the server sent before closing, then
// checks the connection is closed. werr is the write error that stopped
// the client, if any.
func readAnswer(br *bufio.Reader, werr error) (int, error) {
	status := 0
	if resp, err := http.ReadResponse(br, &http.Request{Method: "GET"}); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	}
	if _, err := br.ReadByte(); err != io.EOF && !isReset(err) {
		return status, errors.Join(errors.New("the connection is still open after the answer"), err)
	}
	return status, nil
}

// TestSlowHeaders opens 1,000 connections that send their request head one
// byte every 100ms: each gets 408 and is closed at the read-header timeout,
// and a normal client is served meanwhile.
func TestSlowHeaders(t *testing.T) {
	const n = 1000
	raiseNoFile(t, 2*n+512)
	const timeout = time.Second
	ts := startServer(t, newHardApp(), nil, func(s *Server) { s.ReadHeaderTimeout = timeout })
	head := "GET /hello.py HTTP/1.1\r\nHost: x\r\nUser-Agent: " + strings.Repeat("s", 100) + "\r\n\r\n"
	idle, during, out := attackFigures(t, ts, n, 10*time.Second, func(c net.Conn, br *bufio.Reader, started func()) (int, error) {
		return trickle(c, br, head, 100*time.Millisecond, started)
	})
	checkLatency(t, "1000 slow heads", idle, during)
	checkOutcomes(t, out, 408, timeout)
}

// TestSlowBody opens 1,000 connections that send a complete head, then
// their body one byte every 100ms, to an application that reads the body:
// the application's read fails at the body timeout, and the connection
// closes after its answer.
func TestSlowBody(t *testing.T) {
	const n = 1000
	raiseNoFile(t, 2*n+512)
	const timeout = time.Second
	ts := startServer(t, newHardApp(), nil, func(s *Server) { s.ReadBodyTimeout = timeout })
	idle, during, out := attackFigures(t, ts, n, 10*time.Second, func(c net.Conn, br *bufio.Reader, started func()) (int, error) {
		if _, err := io.WriteString(c, "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"); err != nil {
			return 0, err
		}
		return trickle(c, br, strings.Repeat("b", 1000), 100*time.Millisecond, started)
	})
	checkLatency(t, "1000 slow bodies", idle, during)
	// The application answers its failed read with its own 400 (testApp's
	// /echo.py does); the server then closes the connection, since the
	// rest of the body cannot be found.
	checkOutcomes(t, out, 400, timeout)
}

// TestSlowUnreadBody: the same for a body the application does not read.
// The server drains it under the body timeout, fails, and closes.
func TestSlowUnreadBody(t *testing.T) {
	const n = 100
	const timeout = time.Second
	ts := startServer(t, newHardApp(), nil, func(s *Server) { s.ReadBodyTimeout = timeout })
	_, _, out := attackFigures(t, ts, n, 10*time.Second, func(c net.Conn, br *bufio.Reader, started func()) (int, error) {
		if _, err := io.WriteString(c, "POST /ignore.py HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"); err != nil {
			return 0, err
		}
		return trickle(c, br, strings.Repeat("b", 1000), 100*time.Millisecond, started)
	})
	checkOutcomes(t, out, 200, timeout)
}

// checkOutcomes checks every slow connection got status and was closed
// about timeout after it began: not after it plus 1.5s of slack for a
// loaded machine, and not before half of it (the client notes its start
// after its dial returns, which on a loaded machine can be well after the
// server accepted).
func checkOutcomes(t *testing.T, out []slowOutcome, status int, timeout time.Duration) {
	t.Helper()
	var bad int
	var lo, hi time.Duration = time.Hour, 0
	for i, o := range out {
		lo, hi = min(lo, o.lasted), max(hi, o.lasted)
		switch {
		case o.err != nil:
			t.Errorf("slow connection %d: %v", i, o.err)
		case o.status != status:
			t.Errorf("slow connection %d: status %d; want %d", i, o.status, status)
		case o.lasted < timeout/2 || o.lasted > timeout+1500*time.Millisecond:
			t.Errorf("slow connection %d closed after %v; want about %v", i, o.lasted, timeout)
		default:
			continue
		}
		if bad++; bad == 5 {
			t.Fatal("and more")
		}
	}
	t.Logf("%d slow connections: each answered %d and closed after %v to %v (timeout %v)", len(out), status, lo.Round(time.Millisecond), hi.Round(time.Millisecond), timeout)
}

// TestNeverReadingClients opens 100 connections that ask for a 64 MiB file
// (static, sent with sendfile) or a 64 MiB streamed body and never read: at
// the write timeout the server gives up and closes each, its goroutines
// end, and a normal client is served meanwhile.
func TestNeverReadingClients(t *testing.T) {
	const n = 100
	const size = 64 << 20
	const timeout = time.Second
	app := newHardApp()
	ts := startServer(t, app, nil, func(s *Server) { s.WriteTimeout = timeout })
	f, err := os.Create(filepath.Join(ts.root, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()

	for _, path := range []string{"/big.bin", "/big.py?64"} {
		t.Run(path, func(t *testing.T) {
			var conns []net.Conn
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			idle := latencies(t, ts.addr, "/hello.py", 400)
			begin := time.Now()
			for range n {
				c, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
				if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
			}
			during := latencies(t, ts.addr, "/hello.py", 400)
			checkLatency(t, "100 clients not reading "+path, idle, during)

			// The server closes them all at the write timeout; the latency
			// client has closed its own.
			if !waitFor(timeout+5*time.Second, func() bool { return ts.openConns() == 0 }) {
				t.Fatalf("%d connections still open %v after the requests; write timeout %v", ts.openConns(), time.Since(begin), timeout)
			}
			closedAfter := time.Since(begin)
			// Each client finds its response cut short: what the kernel
			// buffered, then the end of the connection.
			var most int64
			for i, c := range conns {
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				got, err := io.Copy(io.Discard, c)
				if err != nil && !isReset(err) {
					t.Fatalf("client %d: %v after %d bytes", i, err, got)
				}
				if got >= size {
					t.Fatalf("client %d got the whole response", i)
				}
				most = max(most, got)
			}
			t.Logf("%s: all %d connections closed within %v (write timeout %v); a client had at most %d KiB buffered",
				path, n, closedAfter.Round(time.Millisecond), timeout, most>>10)
		})
	}
}

// TestSilentConnections opens 1,000 connections that send nothing at all:
// each is closed, without a byte, at the read-header timeout, not held
// for the idle timeout (60s by default): a client that connects and says
// nothing must not hold a connection slot longer than one that trickles.
func TestSilentConnections(t *testing.T) {
	const n = 1000
	raiseNoFile(t, 2*n+512)
	const timeout = time.Second
	ts := startServer(t, newHardApp(), nil, func(s *Server) { s.ReadHeaderTimeout = timeout })
	idle, during, out := attackFigures(t, ts, n, 5*time.Second, func(c net.Conn, br *bufio.Reader, started func()) (int, error) {
		started()
		if _, err := br.ReadByte(); err != io.EOF && !isReset(err) {
			return 0, errors.Join(errors.New("not closed quietly"), err)
		}
		return 0, nil
	})
	checkLatency(t, "1000 silent connections", idle, during)
	checkOutcomes(t, out, 0, timeout)
}
