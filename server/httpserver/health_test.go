package httpserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// withHealth answers health checks on /healthz.
func withHealth(s *Server) { s.Health.Path = "/healthz" }

// TestHealth checks the health check's answers while serving, that it
// never reaches the application nor the static folder (whichever the
// server would route the path to), and that it stays out of the access
// log unless asked.
func TestHealth(t *testing.T) {
	t.Parallel()
	routes := map[string]func(*Server){
		"to_app":    func(s *Server) { s.AppPath = func(string) bool { return true } },
		"to_static": func(s *Server) {}, // where a file "healthz" is
	}
	for _, tt := range []struct {
		name   string
		req    string
		status int
		body   string
		allow  string
	}{
		// name, request, status, body, Allow
		{"get", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200, "ok\n", ""},
		{"head", "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200, "", ""},
		{"http10", "GET /healthz HTTP/1.0\r\n\r\n", 200, "ok\n", ""},
		{"query", "GET /healthz?verbose=1 HTTP/1.1\r\nHost: x\r\n\r\n", 200, "ok\n", ""},
		{"absolute_form", "GET http://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200, "ok\n", ""},
		{"post", "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", 405, "Method Not Allowed\n", "GET, HEAD"},
	} {
		for route, opt := range routes {
			for _, logHealth := range []bool{false, true} {
				t.Run(tt.name+"/"+route, func(t *testing.T) {
					t.Parallel()
					app := newTestApp()
					ts := startServer(t, app, map[string]string{"healthz": "a file"}, withHealth, opt,
						func(s *Server) { s.Health.Log = logHealth })
					c := ts.dial(t)
					c.send(tt.req)
					method, _, _ := strings.Cut(tt.req, " ")
					r := c.response(method)
					if r.StatusCode != tt.status || bodyOf(t, r) != tt.body || r.Header.Get("Allow") != tt.allow {
						t.Fatalf("%d %v; want %d %q with Allow %q", r.StatusCode, r.Header, tt.status, tt.body, tt.allow)
					}
					if r.Header.Get("Cache-Control") != "no-store" {
						t.Errorf("Cache-Control %q; want no-store", r.Header.Get("Cache-Control"))
					}
					if got := app.calls.Load(); got != 0 {
						t.Errorf("the application got %d requests; want none", got)
					}
					// A request that is always logged, after: the health
					// check's line, if any, is before it, as the connection
					// logs a request before it reads the next, or closes.
					if r.Close {
						c.closed()
						c = ts.dial(t)
					}
					c.send("GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
					c.response("GET")
					lines := accessLines(t, ts.access, 1)
					want := 1
					if logHealth {
						want = 2
					}
					if len(lines) != want || !strings.Contains(lines[len(lines)-1], "/hello.py") {
						t.Errorf("Log %v: access lines\n%s\nwant %d, the last for /hello.py", logHealth, strings.Join(lines, "\n"), want)
					}
				})
			}
		}
	}
}

// TestHealthOtherPaths checks that paths near the health check's are
// routed as usual.
func TestHealthOtherPaths(t *testing.T) {
	t.Parallel()
	app := newTestApp()
	ts := startServer(t, app, nil, withHealth, func(s *Server) { s.AppPath = func(string) bool { return true } })
	for i, path := range []string{"/healthz/", "/HEALTHZ", "/health%7A", "/healthz.py", "//healthz"} {
		c := ts.dial(t)
		c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := c.response("GET"); r.StatusCode != 404 || bodyOf(t, r) != "no such page" {
			t.Errorf("%s: %d; want the application's 404", path, r.StatusCode)
		}
		if got := app.calls.Load(); got != int64(i+1) {
			t.Errorf("%s: the application got %d requests; want %d", path, got, i+1)
		}
	}
}

// TestHealthDrain checks the drain: once Shutdown has begun, the health
// check answers 503 while a normal request, on a keep-alive connection
// and on a new one, still succeeds; the listener closes after DrainDelay,
// not before, and Shutdown then returns as usual. The checks must be done
// within the drain to prove anything: on a machine too busy for that,
// the test tries again with a drain twice as long.
func TestHealthDrain(t *testing.T) {
	t.Parallel()
	for drain := 500 * time.Millisecond; ; drain *= 2 {
		if healthDrain(t, drain) {
			return
		}
		if drain >= 16*time.Second {
			t.Fatalf("the checks never fitted in a drain of up to %v", drain)
		}
		t.Logf("the checks took longer than a %v drain, which proves nothing: again with %v", drain, 2*drain)
	}
}

// healthDrain is one try of TestHealthDrain with a drain of d, on a
// server of its own; it reports false when the checks took longer than
// the drain, without failing the test.
func healthDrain(t *testing.T, drain time.Duration) bool {
	t.Helper()
	var proved bool
	t.Run(drain.String(), func(t *testing.T) {
		ts := startServer(t, newTestApp(), nil, withHealth, func(s *Server) { s.Health.DrainDelay = drain })
		kept := ts.dial(t)
		var failures []string
		check := func(c *rawConn, path string, want int) {
			t.Helper()
			if _, err := io.WriteString(c.Conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				failures = append(failures, fmt.Sprintf("%s: %v", path, err))
				return
			}
			r, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
			if err == nil {
				_, err = io.Copy(io.Discard, r.Body)
			}
			if err != nil {
				failures = append(failures, fmt.Sprintf("%s: %v", path, err))
			} else if r.StatusCode != want || r.Close {
				failures = append(failures, fmt.Sprintf("%s: %d (close %v); want %d on a connection kept open", path, r.StatusCode, r.Close, want))
			}
		}
		check(kept, "/healthz", 200)
		if len(failures) > 0 {
			t.Fatalf("before the drain: %s", failures[0])
		}

		start := time.Now() // before Shutdown's clock starts
		shut := make(chan error, 1)
		go func() { shut <- ts.Shutdown(context.Background()) }()
		if !waitFor(patience, ts.draining.Load) {
			t.Fatal("Shutdown did not begin")
		}
		check(kept, "/healthz", 503)
		check(kept, "/hello.py", 200)
		if fresh, err := net.DialTimeout("tcp", ts.addr, patience); err != nil {
			failures = append(failures, fmt.Sprintf("a new connection during the drain: %v", err))
		} else {
			t.Cleanup(func() { fresh.Close() })
			fresh.SetDeadline(time.Now().Add(patience))
			fc := &rawConn{t: t, Conn: fresh, br: bufio.NewReader(fresh)}
			check(fc, "/healthz", 503)
			check(fc, "/hello.py", 200)
		}
		inTime := time.Since(start) < drain
		switch {
		case inTime && len(failures) > 0:
			t.Errorf("during the drain: %s", strings.Join(failures, "; "))
		case !inTime:
			t.Logf("inconclusive: the checks ended %v after Shutdown began, past the %v drain (%d failed)", time.Since(start), drain, len(failures))
		}

		select {
		case err := <-shut:
			if err != nil {
				t.Fatalf("Shutdown = %v", err)
			}
		case <-time.After(drain + patience):
			t.Fatal("Shutdown did not return")
		}
		if d := time.Since(start); d < drain {
			t.Errorf("Shutdown returned after %v; want at least the drain, %v", d, drain)
		}
		if c, err := net.DialTimeout("tcp", ts.addr, patience); err == nil {
			c.Close()
			t.Error("the listener still accepts after the drain")
		}
		if !kept.closed() {
			t.Error("a keep-alive connection stayed open after Shutdown")
		}
		proved = inTime
	})
	return proved
}

// TestHealthDrainBounded checks that Shutdown's context bounds the drain
// too: a context that ends first cuts it short (the drain is an hour),
// and Shutdown closes everything and returns the context's error.
func TestHealthDrainBounded(t *testing.T) {
	t.Parallel()
	app := newTestApp()
	ts := startServer(t, app, nil, withHealth, func(s *Server) { s.Health.DrainDelay = time.Hour })
	busy := ts.dial(t)
	busy.send("GET /wait.py HTTP/1.1\r\nHost: x\r\n\r\n") // runs until its context ends
	app.waitWaiting(t)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(ctx) }()
	var err error
	select {
	case err = <-shut:
	case <-time.After(patience):
		t.Fatalf("Shutdown has not returned %v after its context ended: the drain was not cut", patience)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v; want context.DeadlineExceeded", err)
	}
	if c, err := net.DialTimeout("tcp", ts.addr, patience); err == nil {
		c.Close()
		t.Error("the listener still accepts")
	}
	if got := <-app.cancelled; got != context.Canceled.Error() {
		t.Errorf("the request's context ended with %q; want cancelled", got)
	}
}
