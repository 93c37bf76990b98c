package httpserver

import (
	"strconv"
	"strings"
	"testing"
)

// The HTTP version of the request line over real sockets (issue 12): a
// higher minor version of HTTP/1 is processed as HTTP/1.1, the highest we
// support (RFC 9110 §2.5), with every HTTP/1.1 default, and answered with
// an HTTP/1.1 status line; any other major version is answered 505 and
// the connection closes.
func TestProtocolVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		req    string // one request, sent with a plain request pipelined behind it
		method string // the method of req, for the response parser
		status int    // the status of the first response
		body   string // a substring of its body; "" to skip
		// chunked: the response is sent chunked, which only an
		// HTTP/1.1 response may be.
		chunked bool
		// keep: the connection stays open and the pipelined request is
		// answered; otherwise the server closes after the first
		// response and the pipelined request never runs.
		keep bool
	}{
		{name: "http12_static", req: "GET /x HTTP/1.2\r\nHost: x\r\n\r\n", method: "GET", status: 200, body: "static x", keep: true},
		{name: "http19_static", req: "GET /x HTTP/1.9\r\nHost: x\r\n\r\n", method: "GET", status: 200, body: "static x", keep: true},
		{name: "http12_server_protocol", req: "GET /env.py HTTP/1.2\r\nHost: x\r\n\r\n", method: "GET", status: 200, body: "proto=HTTP/1.1 ", keep: true},
		{name: "http12_chunked_request", req: "POST /echo.py HTTP/1.2\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
			method: "POST", status: 200, body: "POST /echo.py  abc", keep: true},
		{name: "http12_chunked_response", req: "GET /stream.py HTTP/1.2\r\nHost: x\r\n\r\n", method: "GET", status: 200, body: "chunk2", chunked: true, keep: true},
		{name: "http12_connection_close", req: "GET /x HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n", method: "GET", status: 200, body: "static x"},
		{name: "http12_missing_host", req: "GET /x HTTP/1.2\r\n\r\n", method: "GET", status: 400}, // Host is required, as in 1.1
		{name: "http20_505", req: "GET /x HTTP/2.0\r\nHost: x\r\n\r\n", method: "GET", status: 505},
		{name: "http30_505", req: "GET /x HTTP/3.0\r\nHost: x\r\n\r\n", method: "GET", status: 505},
		{name: "http09_505", req: "GET /x HTTP/0.9\r\nHost: x\r\n\r\n", method: "GET", status: 505},
		{name: "malformed_minor_400", req: "GET /x HTTP/1.x\r\nHost: x\r\n\r\n", method: "GET", status: 400},
		{name: "two_digit_minor_400", req: "GET /x HTTP/1.10\r\nHost: x\r\n\r\n", method: "GET", status: 400},
	}
	app := newHardApp()
	ts := startServer(t, app, map[string]string{"x": "static x"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.dial(t)
			if tt.keep {
				c.send(tt.req + plainReq)
			} else {
				c.send(tt.req + smuggledReq)
			}
			want := "HTTP/1.1 " + strconv.Itoa(tt.status) + " "
			line, err := c.br.Peek(len(want))
			if err != nil {
				t.Fatalf("reading the status line: %v", err)
			}
			if string(line) != want {
				t.Fatalf("status line starts %q; want %q", line, want)
			}
			r := c.response(tt.method)
			if got := bodyOf(t, r); !strings.Contains(got, tt.body) {
				t.Errorf("body %q; want it to contain %q", got, tt.body)
			}
			if chunked := len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked"; chunked != tt.chunked {
				t.Errorf("chunked response = %v; want %v", chunked, tt.chunked)
			}
			if tt.keep {
				if r.Close {
					t.Fatal("Connection: close; want the connection kept open as in HTTP/1.1")
				}
				if r2 := c.response("GET"); r2.StatusCode != 200 || bodyOf(t, r2) != "Hello, World!" {
					t.Fatalf("the pipelined request got %d", r2.StatusCode)
				}
				return
			}
			if !r.Close {
				t.Error("no Connection: close on a response after which the server closes")
			}
			if rest := c.rest(); rest != "" {
				t.Fatalf("bytes after the response: %q", rest)
			}
			if n := app.smuggled.Load(); n != 0 {
				t.Fatalf("the request pipelined after it ran %d times", n)
			}
		})
	}
}
