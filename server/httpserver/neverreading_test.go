package httpserver

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestNeverReadingClients opens 100 connections that ask for a 64 MiB file
// (static, sent with sendfile) or a 64 MiB streamed body and never read: at
// the write timeout the server gives up and closes each, its goroutines
// end, and a normal client is served meanwhile, its p99 within twice the
// idle p99 from the requests until the first write timeout, the filling
// of the clients' socket buffers (some MiB each) included.
//
// It runs in this process, unlike the trickling attacks: once its request
// is out, a client that never reads does nothing, so it has no goroutine
// to compete with the normal client; and the streamed body is hardApp's
// /big.py, which the program's sites do not have.
func TestNeverReadingClients(t *testing.T) {
	const n = 100
	const size = 64 << 20
	const timeout = time.Second
	app := newHardApp()
	ts := startServer(t, app, nil, func(s *Server) { s.WriteTimeout = timeout })
	sparseFile(t, ts.root, "big.bin", size)

	for _, path := range []string{"/big.bin", "/big.py?64"} {
		t.Run(path, func(t *testing.T) {
			var conns []net.Conn
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			lc := dialLatency(t, ts.addr, "/hello.py")
			defer lc.Close()
			lc.Measure(200, time.Time{}, nil) // warm up
			idle := lc.Measure(0, time.Now().Add(600*time.Millisecond), nil)
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
			// Each write timeout counts from its request's first byte,
			// after begin.
			during := lc.Measure(0, begin.Add(timeout-50*time.Millisecond), nil)
			checkLatency(t, "100 clients not reading "+path, idle, during)
			lc.Close()

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
