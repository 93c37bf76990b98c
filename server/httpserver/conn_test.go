package httpserver

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestKeepAliveHTTP11(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil)
	c := ts.dial(t)
	for i := 0; i < 3; i++ {
		c.send("GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
		r := c.response("GET")
		if r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" || r.Close {
			t.Fatalf("request %d: %d close=%v", i, r.StatusCode, r.Close)
		}
		if r.Header.Get("Date") == "" || r.Header.Get("Server") != "miniweb-test" || r.Header.Get("Content-Length") != "13" {
			t.Fatalf("missing Date, Server or Content-Length: %v", r.Header)
		}
	}
}

func TestConnectionClose(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil)
	t.Run("client_asks", func(t *testing.T) {
		c := ts.dial(t)
		c.send("GET /hello.py HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		r := c.response("GET")
		if !r.Close { // net/http's reader takes "Connection: close" out of the header into Close
			t.Fatalf("response to Connection: close lacks it: %v", r.Header)
		}
		if !c.closed() {
			t.Fatal("connection still open after Connection: close")
		}
	})
	t.Run("http10_default_closes", func(t *testing.T) {
		c := ts.dial(t)
		c.send("GET /hello.py HTTP/1.0\r\n\r\n")
		r := c.response("GET")
		if r.ProtoMinor != 0 || bodyOf(t, r) != "Hello, World!" || !c.closed() {
			t.Fatalf("HTTP/1.0: proto %s, connection not closed", r.Proto)
		}
	})
	t.Run("http10_keep_alive", func(t *testing.T) {
		c := ts.dial(t)
		for i := 0; i < 2; i++ {
			c.send("GET /hello.py HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
			r := c.response("GET")
			if r.Header.Get("Connection") != "keep-alive" || bodyOf(t, r) != "Hello, World!" {
				t.Fatalf("HTTP/1.0 keep-alive: %v", r.Header)
			}
		}
	})
}

func TestPipelining(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), map[string]string{"a.txt": "AAA"})
	c := ts.dial(t)
	c.send("GET /echo.py?1 HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /echo.py?2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /echo.py?4 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
	want := []string{"GET /echo.py 1 ", "POST /echo.py 2 hello", "AAA", "GET /echo.py 4 abc"}
	for i, w := range want {
		if got := bodyOf(t, c.response("GET")); got != w {
			t.Fatalf("response %d = %q; want %q", i, got, w)
		}
	}
}

// An unread body is drained so its bytes are never read as a request
// (CVE-2022-29361).
func TestUnreadBodyIsNotARequest(t *testing.T) {
	t.Parallel()
	app := newTestApp()
	ts := startServer(t, app, nil)
	c := ts.dial(t)
	smuggled := "GET /panic.py HTTP/1.1\r\nHost: x\r\n\r\n"
	c.send("POST /ignore.py HTTP/1.1\r\nHost: x\r\nContent-Length: " + itoa(len(smuggled)) + "\r\n\r\n" + smuggled +
		"GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := bodyOf(t, c.response("POST")); got != "ignored" {
		t.Fatalf("first response %q", got)
	}
	if got := bodyOf(t, c.response("GET")); got != "Hello, World!" {
		t.Fatalf("second response %q", got)
	}
	if n := app.calls.Load(); n != 2 {
		t.Fatalf("application ran %d times; want 2 (the body ran as a request)", n)
	}
}

func TestLargeUnreadBodyCloses(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil)
	c := ts.dial(t)
	n := maxDrain + 1<<20
	c.send("POST /ignore.py HTTP/1.1\r\nHost: x\r\nContent-Length: " + itoa(n) + "\r\n\r\n")
	go io.Copy(c.Conn, io.LimitReader(zeros{}, int64(n)))
	r := c.response("POST")
	if bodyOf(t, r) != "ignored" {
		t.Fatal("no answer")
	}
	if !c.closed() {
		t.Fatal("connection kept open with a large unread body")
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestChunkedRequestBody(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil)
	c := ts.dial(t)
	c.send("POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n")
	if got := bodyOf(t, c.response("POST")); got != "POST /echo.py  hello world" {
		t.Fatalf("got %q", got)
	}
}

func TestExpectContinue(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil)
	t.Run("sent_when_read", func(t *testing.T) {
		c := ts.dial(t)
		c.send("POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
		line, err := c.br.ReadString('\n')
		if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
			t.Fatalf("first line %q, %v; want 100 Continue", line, err)
		}
		if blank, _ := c.br.ReadString('\n'); blank != "\r\n" {
			t.Fatalf("100 Continue not followed by a blank line: %q", blank)
		}
		c.send("body")
		if got := bodyOf(t, c.response("POST")); got != "POST /echo.py  body" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("not_sent_when_unread", func(t *testing.T) {
		c := ts.dial(t)
		c.send("POST /ignore.py HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
		r := c.response("POST")
		if r.StatusCode != 200 || bodyOf(t, r) != "ignored" {
			t.Fatalf("got %d", r.StatusCode)
		}
		if !c.closed() {
			t.Fatal("connection left open with the body still unsent")
		}
	})
}

// Each framing error is answered with its status, the connection closes,
// and a request pipelined after it never runs (CVE-2024-49768).
func TestFramingErrorsOverSocket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		req    string
		status int
		runs   int64 // times the application runs: 1 when the head is good and only the body breaks
	}{
		{"cl_and_te", "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, 0},
		{"two_cl", "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, 0},
		{"cl_not_digits", "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400, 0},
		{"te_unknown", "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, 0},
		{"te_chunked_not_last", "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, 0},
		{"te_http10", "POST /echo.py HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, 0},
		{"bare_lf", "GET /hello.py HTTP/1.1\nHost: x\n\n", 400, 0},
		{"obs_fold", "GET /hello.py HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400, 0},
		{"space_before_colon", "GET /hello.py HTTP/1.1\r\nHost : x\r\n\r\n", 400, 0},
		{"empty_name", "GET /hello.py HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 400, 0},
		{"nul_in_value", "GET /hello.py HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400, 0},
		{"missing_host", "GET /hello.py HTTP/1.1\r\n\r\n", 400, 0},
		{"two_hosts", "GET /hello.py HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, 0},
		{"http2_version", "GET /hello.py HTTP/2.0\r\nHost: x\r\n\r\n", 505, 0},
		{"method_lowercase", "get /hello.py HTTP/1.1\r\nHost: x\r\n\r\n", 501, 0},
		{"method_bad", "G(T /hello.py HTTP/1.1\r\nHost: x\r\n\r\n", 400, 0},
		{"bad_chunk_size", "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n", 400, 1},
		{"request_line_too_long", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, 0},
		{"header_too_large", "GET /hello.py HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 40000) + "\r\n\r\n", 431, 0},
		{"too_many_headers", "GET /hello.py HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: 1\r\n", 101) + "\r\n", 431, 0},
		{"body_declared_too_large", "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", 413, 0},
	}
	app := newTestApp()
	ts := startServer(t, app, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := app.calls.Load()
			c := ts.dial(t)
			c.send(tt.req + "GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
			r := c.response("GET")
			if r.StatusCode != tt.status || r.Proto != "HTTP/1.1" {
				t.Fatalf("status %s %d; want HTTP/1.1 %d", r.Proto, r.StatusCode, tt.status)
			}
			if got := bodyOf(t, r); strings.Contains(got, "hello.py") || strings.Contains(got, "x") && len(got) > 64 {
				t.Fatalf("error body echoes the request: %q", got)
			}
			if !r.Close {
				t.Fatal("no Connection: close on a framing error")
			}
			if rest := c.rest(); rest != "" {
				t.Fatalf("bytes after the error response: %q", rest)
			}
			if n := app.calls.Load() - before; n != tt.runs {
				t.Fatalf("the application ran %d times; want %d", n, tt.runs)
			}
		})
	}
}

func TestChunkedBodyOverLimit(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil, func(s *Server) { s.MaxBodyBytes = 10 })
	c := ts.dial(t)
	c.send("POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n")
	if r := c.response("POST"); r.StatusCode != 413 {
		t.Fatalf("status %d; want 413", r.StatusCode)
	}
}

// TestReadHeaderTimeout: a head that does not end is answered 408 and
// the connection closed, not before the timeout: the client's clock starts
// before it connects, so before the server's can.
func TestReadHeaderTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	ts := startServer(t, newTestApp(), nil, func(s *Server) { s.ReadHeaderTimeout = timeout })
	start := time.Now()
	c := ts.dial(t)
	c.send("GET /hello.py HTTP/1.1\r\nHo")
	r := c.response("GET")
	if r.StatusCode != 408 || !r.Close {
		t.Fatalf("status %d close=%v; want 408 and close", r.StatusCode, r.Close)
	}
	if d := time.Since(start); d < timeout {
		t.Fatalf("cut off after %v; the header timeout is %v", d, timeout)
	}
	if !c.closed() {
		t.Fatal("connection open after 408")
	}
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil, func(s *Server) { s.IdleTimeout = 200 * time.Millisecond })
	c := ts.dial(t)
	c.send("GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
	c.response("GET")
	if !c.closed() {
		t.Fatal("idle connection not closed")
	}
	// A connection that never sends anything is closed quietly too.
	c2 := ts.dial(t)
	if rest := c2.rest(); rest != "" {
		t.Fatalf("idle connection got %q", rest)
	}
}

func TestResponseFraming(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil)
	t.Run("stream_chunked_http11", func(t *testing.T) {
		c := ts.dial(t)
		c.send("GET /stream.py HTTP/1.1\r\nHost: x\r\n\r\n")
		r := c.response("GET")
		if len(r.TransferEncoding) != 1 || r.TransferEncoding[0] != "chunked" || bodyOf(t, r) != "chunk0\nchunk1\nchunk2\n" {
			t.Fatalf("TE %v", r.TransferEncoding)
		}
	})
	t.Run("stream_close_delimited_http10", func(t *testing.T) {
		c := ts.dial(t)
		c.send("GET /stream.py HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		got := c.rest()
		if !strings.Contains(got, "Connection: close\r\n") || !strings.HasSuffix(got, "\r\n\r\nchunk0\nchunk1\nchunk2\n") || strings.Contains(got, "Transfer-Encoding") {
			t.Fatalf("HTTP/1.0 stream: %q", got)
		}
	})
	t.Run("head_no_body", func(t *testing.T) {
		c := ts.dial(t)
		c.send("HEAD /hello.py HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
		r := c.response("HEAD")
		if r.Header.Get("Content-Length") != "13" {
			t.Fatalf("HEAD Content-Length %q", r.Header.Get("Content-Length"))
		}
		if got := bodyOf(t, c.response("GET")); got != "Hello, World!" {
			t.Fatalf("after HEAD: %q (a body was sent for HEAD?)", got)
		}
	})
	for _, code := range []string{"204", "304"} {
		t.Run("no_body_"+code, func(t *testing.T) {
			c := ts.dial(t)
			c.send("GET /status.py?" + code + " HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
			r := c.response("GET")
			if itoa(r.StatusCode) != code || r.Header.Get("Content-Length") != "" && code == "204" {
				t.Fatalf("status %d headers %v", r.StatusCode, r.Header)
			}
			if got := bodyOf(t, c.response("GET")); got != "Hello, World!" {
				t.Fatalf("after %s: %q", code, got)
			}
		})
	}
}

func TestApplicationFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path   string
		status int
		log    string // wanted in the error log
	}{
		{"/panic.py", 500, "handler exploded"},
		{"/twice.py", 500, "start_response called twice"},
		{"/nostart.py", 500, "did not call start_response"},
		{"/badheader.py", 500, "invalid header value"},
		{"/hopbyhop.py", 500, "hop-by-hop"},
		{"/mismatch.py", 500, "Content-Length 3 set for a body of 5 bytes"},
		{"/status.py?99", 500, "malformed status"},
	}
	ts := startServer(t, newTestApp(), nil)
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c := ts.dial(t)
			c.send("GET " + tt.path + " HTTP/1.1\r\nHost: x\r\n\r\n")
			r := c.response("GET")
			if r.StatusCode != tt.status {
				t.Fatalf("status %d; want %d", r.StatusCode, tt.status)
			}
			if r.Header.Get("X-Evil") != "" || r.Header.Get("Set-Cookie") != "" {
				t.Fatal("a refused header was written")
			}
			if !strings.Contains(ts.log.String(), tt.log) {
				t.Fatalf("log lacks %q:\n%s", tt.log, ts.log)
			}
			// The server keeps serving, on the same connection.
			c.send("GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
			if got := bodyOf(t, c.response("GET")); got != "Hello, World!" {
				t.Fatalf("after the fault: %q", got)
			}
		})
	}
	if !strings.Contains(ts.log.String(), "goroutine") {
		t.Error("the panic was logged without its stack")
	}
}

func TestStreamFaults(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil)
	for _, path := range []string{"/panicstream.py", "/short.py", "/long.py"} {
		t.Run(path, func(t *testing.T) {
			resp, err := http.Get("http://" + ts.addr + path)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if path != "/long.py" && err == nil {
				t.Fatal("a broken stream looked complete to the client")
			}
		})
	}
	if !strings.Contains(ts.log.String(), "stream exploded") || !strings.Contains(ts.log.String(), "shorter than its Content-Length") ||
		!strings.Contains(ts.log.String(), "longer than its Content-Length") {
		t.Fatalf("faults not logged:\n%s", ts.log)
	}
}

func TestContextCancelledWhenClientLeaves(t *testing.T) {
	t.Parallel()
	app := newTestApp()
	ts := startServer(t, app, nil)
	c := ts.dial(t)
	c.send("GET /wait.py HTTP/1.1\r\nHost: x\r\n\r\n")
	app.waitWaiting(t)
	c.Close()
	select {
	case got := <-app.cancelled:
		if got != "context canceled" {
			t.Fatalf("context ended with %q", got)
		}
	case <-time.After(patience):
		t.Fatal("context not cancelled")
	}
}

func TestEnviron(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil)
	c := ts.dial(t)
	c.send("GET /env%2epy HTTP/1.1\r\nHost: example.com:81\r\nUser-Agent: t/1\r\n\r\n")
	got := bodyOf(t, c.response("GET"))
	want := "name=example.com port=81 proto=HTTP/1.1 remote=127.0.0.1 ua=t/1 cl=0 raw=/env%2epy"
	if got != want {
		t.Fatalf("environ:\n got %s\nwant %s", got, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
