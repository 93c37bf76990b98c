package httpserver

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// TestNeverReadingClients opens 100 connections that ask for a 64 MiB file
// (static, sent with sendfile) or a 64 MiB streamed body and never read: a
// normal client is answered while they hold their connections, and at the
// write timeout, not before, the server gives up and closes each, and its
// goroutines end.
//
// The normal client's latency beside them (its p99 within twice the idle
// p99, from the requests until the first write timeout, the filling of the
// clients' socket buffers included) is logged, and held to that bound
// with MINIWEB_LATENCY=1 on a quiet machine:
//
//	MINIWEB_LATENCY=1 go test -run 'TestNeverReading' -v ./server/httpserver/
//
// The normal client's requests must be answered before the write timeout
// to prove anything: on a machine too busy for that, the test tries again
// with a timeout twice as long.
//
// It runs in this process, unlike the trickling attacks: once its request
// is out, a client that never reads does nothing, so it has no goroutine
// to compete with the normal client; and the streamed body is hardApp's
// /big.py, which the program's sites do not have.
func TestNeverReadingClients(t *testing.T) {
	for _, path := range []string{"/big.bin", "/big.py?64"} {
		t.Run(path, func(t *testing.T) {
			for timeout := time.Second; ; timeout *= 2 {
				if neverReading(t, path, timeout) {
					return
				}
				if timeout >= 16*time.Second {
					t.Fatalf("the normal client was never answered within a write timeout of up to %v", timeout)
				}
				t.Logf("the normal client's answers came after the %v write timeout, which proves nothing: again with %v", timeout, 2*timeout)
			}
		})
	}
}

// neverReading is one try of TestNeverReadingClients on a server of its own
// with the write timeout given; it reports false when the normal client's
// answers came too late to prove anything, without failing the test.
func neverReading(t *testing.T, path string, timeout time.Duration) bool {
	t.Helper()
	const n = 100
	const size = 64 << 20
	var proved bool
	t.Run(timeout.String(), func(t *testing.T) {
		app := newHardApp()
		ts := startServer(t, app, nil, func(s *Server) { s.WriteTimeout = timeout })
		sparseFile(t, ts.root, "big.bin", size)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		lc := dialLatency(t, ts.addr, "/hello.py")
		defer lc.Close()
		lc.Measure(200, time.Time{}, nil) // warm up
		var idle []time.Duration
		if testnet.StrictLatency() {
			idle = lc.Measure(0, time.Now().Add(600*time.Millisecond), nil)
		}
		begin := time.Now() // before each request, so before each write timeout's clock starts
		for range n {
			c, err := net.DialTimeout("tcp", ts.addr, patience)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
		}
		// The normal client is answered while they hold their
		// connections, each until its write timeout (counted from its
		// request's first byte, after begin).
		during := lc.Measure(20, time.Time{}, nil)
		if testnet.StrictLatency() {
			during = append(during, lc.Measure(0, begin.Add(timeout-50*time.Millisecond), nil)...)
		}
		if time.Since(begin) >= timeout {
			t.Logf("inconclusive: the normal client's %d answers took %v, past the %v write timeout", len(during), time.Since(begin), timeout)
			return
		}
		proved = true
		if testnet.StrictLatency() {
			checkLatency(t, "100 clients not reading "+path, idle, during)
		} else {
			t.Logf("normal client beside 100 clients not reading %s: p50 %v, max %v (%d answers)", path, pct(during, 50), during[len(during)-1], len(during))
		}
		lc.Close()

		// The server closes them all at the write timeout; the latency
		// client has closed its own.
		if !waitFor(timeout+patience, func() bool { return ts.openConns() == 0 }) {
			t.Fatalf("%d connections still open %v after the requests; write timeout %v", ts.openConns(), time.Since(begin), timeout)
		}
		closedAfter := time.Since(begin)
		if closedAfter < timeout {
			t.Errorf("all %d connections closed %v after the requests began; the write timeout is %v", n, closedAfter, timeout)
		}
		// Each client finds its response cut short: what the kernel
		// buffered, then the end of the connection.
		var most int64
		for i, c := range conns {
			c.SetReadDeadline(time.Now().Add(patience))
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
	return proved
}
