package httpserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Faults in applications (issue 6): each costs its own request alone, is
// logged, and leaves the server serving.

// TestApplicationFaultsCostOneRequest sends each faulty request on a fresh
// connection and checks what the client sees, the error log, the access
// log (one line per request), and that the server then answers a plain
// request, on the same connection when the fault leaves it open. The
// application that sleeps past the write timeout runs on a server whose
// write timeout is 100ms (it sleeps 300ms); the others on one with the
// default, which no response of theirs comes near on a busy machine.
func TestApplicationFaultsCostOneRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		status     int    // the status the client sees; 0 when no response comes
		body       string // the body the client gets, for a response cut short
		log        string // in the error log; "" when the fault is the client's
		keep       bool   // the connection stays usable
		leave      bool   // the client leaves after sending (for /block.py)
	}{
		{name: "panic", path: "/panic.py", status: 500, log: "handler exploded", keep: true},
		{name: "panic_mid_stream", path: "/panicstream.py", status: 200, body: "partial", log: "stream exploded"},
		{name: "start_response_twice", path: "/twice.py", status: 500, log: "start_response called twice", keep: true},
		{name: "no_start_response", path: "/nostart.py", status: 500, log: "did not call start_response", keep: true},
		{name: "body_shorter_than_content_length", path: "/short.py", status: 200, body: "12345", log: "shorter than its Content-Length"},
		{name: "body_longer_than_content_length", path: "/long.py", status: 200, body: "123", log: "longer than its Content-Length"},
		{name: "bytes_body_mismatch", path: "/mismatch.py", status: 500, log: "Content-Length 3 set for a body of 5 bytes", keep: true},
		// Past the write timeout nothing can be sent: the connection
		// closes without a byte. A timeout is the client's slowness or
		// the application's, not a server error: no error line.
		{name: "sleep_past_write_timeout", path: "/sleep.py?300", status: 0},
		// The context is cancelled when the client leaves; the application
		// returns, and its late answer goes nowhere.
		{name: "never_returns_until_client_leaves", path: "/block.py", leave: true},
	}
	app := newHardApp()
	ts := startServer(t, app, nil)
	timing := startServer(t, app, nil, func(s *Server) { s.WriteTimeout = 100 * time.Millisecond })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ts // the server of the fault; the plain request after goes to ts
			if tt.status == 0 && !tt.leave {
				srv = timing
			}
			accessLines := func() int { return ts.accessLines() + timing.accessLines() }
			lines := accessLines()
			calls := app.all.Load()
			c := srv.dial(t)
			c.send("GET " + tt.path + " HTTP/1.1\r\nHost: x\r\n\r\n")
			switch {
			case tt.leave:
				waitFor(patience, func() bool { return app.all.Load() > calls })
				c.Close()
				select {
				case got := <-app.blocked:
					if got != "context canceled" {
						t.Fatalf("the context ended with %q", got)
					}
				case <-time.After(patience):
					t.Fatal("the context was not cancelled when the client left")
				}
			case tt.status == 0:
				if raw := c.rest(); raw != "" {
					t.Fatalf("got %q; want nothing", raw)
				}
			default:
				resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(resp.Body)
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d; want %d", resp.StatusCode, tt.status)
				}
				if tt.body != "" && string(b) != tt.body {
					t.Fatalf("body %q (%v); want %q", b, err, tt.body)
				}
				if tt.keep {
					c.send(plainReq)
					if got := bodyOf(t, c.response("GET")); got != "Hello, World!" {
						t.Fatalf("after the fault, on the same connection: %q", got)
					}
				} else if !c.closed() {
					t.Fatal("the connection stayed open after a response cut short")
				}
			}
			if tt.log != "" && !strings.Contains(srv.log.String(), tt.log) {
				t.Errorf("the error log lacks %q", tt.log)
			}
			// The server goes on, on a new connection.
			c2 := ts.dial(t)
			c2.send(plainReq)
			if got := bodyOf(t, c2.response("GET")); got != "Hello, World!" {
				t.Fatalf("after the fault: %q", got)
			}
			want := lines + 2 // the fault and the request on c2
			if tt.keep {
				want++ // the request after the fault on the same connection
			}
			if !waitFor(patience, func() bool { return accessLines() >= want }) || accessLines() != want {
				t.Errorf("%d access lines for the fault; want one", accessLines()-want+1)
			}
		})
	}
	for _, ts := range []*testServer{ts, timing} {
		if t.Failed() {
			t.Logf("access log:\n%s", ts.access)
		}
		if strings.Contains(ts.log.String(), "/sleep.py") || strings.Contains(ts.log.String(), "/block.py") {
			t.Errorf("a slow client or one that left made an error line:\n%s", ts.log)
		}
	}
}

// lineCounter counts the lines written to it and keeps none.
type lineCounter struct{ n atomic.Int64 }

func (l *lineCounter) Write(p []byte) (int, error) {
	l.n.Add(int64(bytes.Count(p, []byte{'\n'})))
	return len(p), nil
}

// TestTenThousandPanics sends 10,000 requests to a handler that panics, on
// 4 keep-alive connections: every one is a 500 on a connection that stays
// open, every panic is logged, and afterwards the goroutine count is back
// at its baseline and the heap in use has not grown by more than 8 MiB.
func TestTenThousandPanics(t *testing.T) {
	const conns, perConn = 4, 2500
	logger, counts := newQuietLog()
	access := &lineCounter{}
	app := newHardApp()
	ts := startServer(t, app, nil, func(s *Server) {
		s.Log = logger
		s.AccessLog = access
	})
	panics := func(n int) {
		var wg sync.WaitGroup
		for range conns {
			wg.Go(func() {
				if err := repeat(ts.addr, "GET /panic.py HTTP/1.1\r\nHost: x\r\n\r\n", n, 500); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	panics(100) // warm up: pools, the log handler, the scheduler
	if !waitFor(patience, func() bool { return ts.openConns() == 0 }) {
		t.Fatal("warm-up connections not closed")
	}
	goroutines := runtime.NumGoroutine()
	heap := heapInUse()
	start := time.Now()
	panics(perConn)
	elapsed := time.Since(start)
	if !waitFor(patience, func() bool { return ts.openConns() == 0 }) {
		t.Fatal("connections not closed")
	}
	checkGoroutines(t, goroutines)
	heapAfter := heapInUse()
	t.Logf("%d panics in %v; goroutines %d before, %d after; HeapInuse %.1f MiB before, %.1f MiB after",
		conns*perConn, elapsed.Round(time.Millisecond), goroutines, runtime.NumGoroutine(), mib(heap), mib(heapAfter))
	if heapAfter > heap+8<<20 {
		t.Errorf("HeapInuse grew by %.1f MiB over 10,000 panics", mib(heapAfter-heap))
	}
	if n := counts.of("application panicked"); n != conns*(perConn+100) {
		t.Errorf("%d panics logged; want %d", n, conns*(perConn+100))
	}
	ts.alog.Load().flush()
	if n := access.n.Load(); n != conns*(perConn+100) {
		t.Errorf("%d access lines; want %d", n, conns*(perConn+100))
	}
}

// repeat sends req n times on one keep-alive connection to addr, one at a
// time, and checks each response has status and keeps the connection open.
func repeat(addr, req string, n, status int) error {
	c, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		return err
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range n {
		c.SetDeadline(time.Now().Add(patience))
		if _, err := io.WriteString(c, req); err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status || resp.Close {
			return fmt.Errorf("request %d: status %d close=%v; want %d and keep-alive", i, resp.StatusCode, resp.Close, status)
		}
	}
	return nil
}

// heapInUse returns HeapInuse after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func mib[T int64 | uint64](n T) float64 { return float64(n) / (1 << 20) }
