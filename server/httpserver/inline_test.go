package httpserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// inlineApp answers /hello.py, echoes the body of /echo.py, and asks for
// the request's context on /ctx.py (which ends the connection's inline runs)
// and on /wait.py (which says it waits on waiting, if not nil, then waits
// until the context ends and reports it on cancelled).
type inlineApp struct {
	waiting   chan struct{}
	cancelled chan error
}

func (a *inlineApp) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	plain := []gateway.Field{{Name: "Content-Type", Value: "text/plain"}}
	switch env.Path {
	case "/hello.py":
		start("200 OK", plain)
		return gateway.Bytes([]byte("hi"))
	case "/echo.py":
		b, _ := io.ReadAll(env.Body)
		start("200 OK", plain)
		return gateway.Bytes(b)
	case "/ctx.py":
		if env.Context().Err() != nil {
			start("500 Internal Server Error", plain)
			return gateway.Bytes([]byte("context ended early"))
		}
		start("200 OK", plain)
		return gateway.Bytes([]byte("ctx"))
	case "/wait.py":
		ctx := env.Context()
		if a.waiting != nil {
			a.waiting <- struct{}{}
		}
		select {
		case <-ctx.Done():
			a.cancelled <- ctx.Err()
		case <-time.After(patience):
			a.cancelled <- nil
		}
		start("200 OK", plain)
		return gateway.Bytes([]byte("waited"))
	}
	start("404 Not Found", plain)
	return gateway.Bytes([]byte("no"))
}

func get(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"
}

func post(path, body string) string {
	return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// TestInlineRuns sends what a keep-alive client may over a real socket, in
// the pieces and with the pauses given, and checks every answer: the
// paths an inline run takes (a request answered inside it, a head not yet
// whole, a body, a context asked for) and the ordinary path after each.
func TestInlineRuns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		pieces []string // sent one after another, 30 ms apart
		want   []string // the bodies of the answers, in order
	}{
		{"one at a time", []string{get("/hello.py"), get("/hello.py"), get("/hello.py")}, []string{"hi", "hi", "hi"}},
		{"pipelined in one write", []string{get("/hello.py") + get("/hello.py") + get("/hello.py")}, []string{"hi", "hi", "hi"}},
		{"pipelined, the second head split", []string{get("/hello.py") + "GET /hel", "lo.py HTTP/1.1\r\nHost: x\r\n\r\n"}, []string{"hi", "hi"}},
		{"head split across writes", []string{"GET /hello.py HT", "TP/1.1\r\nHost: x\r\n", "\r\n", get("/hello.py")}, []string{"hi", "hi"}},
		{"a body, then requests", []string{post("/echo.py", "abc"), get("/hello.py"), post("/echo.py", "de") + get("/hello.py")}, []string{"abc", "hi", "de", "hi"}},
		{"a body in pieces", []string{"POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab", "cde", get("/hello.py")}, []string{"abcde", "hi"}},
		{"a context asked for", []string{get("/ctx.py"), get("/hello.py"), get("/ctx.py") + get("/hello.py")}, []string{"ctx", "hi", "ctx", "hi"}},
		{"a context asked for, pipelined", []string{get("/ctx.py") + get("/ctx.py") + get("/hello.py")}, []string{"ctx", "ctx", "hi"}},
	}
	ts := startServer(t, &inlineApp{}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := net.DialTimeout("tcp", ts.addr, patience)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(patience))
			go func() {
				for i, p := range tt.pieces {
					if i > 0 {
						time.Sleep(30 * time.Millisecond)
					}
					if _, err := io.WriteString(c, p); err != nil {
						return
					}
				}
			}()
			br := bufio.NewReader(c)
			for i, want := range tt.want {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("answer %d: %v", i, err)
				}
				b, err := io.ReadAll(resp.Body)
				if err != nil || resp.StatusCode != 200 || string(b) != want {
					t.Fatalf("answer %d: %d %q, %v; want 200 %q", i, resp.StatusCode, b, err, want)
				}
			}
		})
	}
}

// TestInlineWatch: an application waiting on its context inside a
// inline run sees it cancelled when the client leaves (the watch reads a
// duplicate of the descriptor), and the duplicate is closed after.
func TestInlineWatch(t *testing.T) {
	app := &inlineApp{waiting: make(chan struct{}, 1), cancelled: make(chan error, 1)}
	ts := startServer(t, app, nil)
	// A first connection, answered and left idle: the server opens its
	// parking poller when a connection first parks (park.go), a
	// descriptor it keeps until Shutdown.
	first := ts.dial(t)
	first.send(get("/hello.py"))
	first.response("GET")
	if !waitFor(patience, func() bool { return ts.parked() > 0 || !parkSupported }) {
		t.Fatal("the first connection did not park")
	}
	fds := openFDs(t)
	c, err := net.DialTimeout("tcp", ts.addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, get("/hello.py")) // the first request: the connection is in an inline run
	br := bufio.NewReader(c)
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /hello.py: %v", err)
	}
	io.WriteString(c, get("/wait.py"))
	select {
	case <-app.waiting:
	case <-time.After(patience):
		t.Fatal("/wait.py did not begin")
	}
	c.Close()
	select {
	case err := <-app.cancelled:
		if err == nil {
			t.Fatal("the context was not cancelled when the client left")
		}
	case <-time.After(patience):
		t.Fatal("the application did not return")
	}
	for deadline := time.Now().Add(patience); ; {
		if n := openFDs(t); n <= fds {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open after the connection ended; %d before it", n, fds)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestInlineAllocs is the allocation guard of the path a keep-alive
// request takes over a real socket: answered inside an inline run, a request
// for a small static file or helloApp's hello allocates nothing,
// client included, once the connection is warm.
func TestInlineAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	ts := startServer(t, helloApp(), map[string]string{"1k.txt": strings.Repeat("x", 1024)})
	for _, path := range []string{"/hello.py", "/1k.txt"} {
		t.Run(path, func(t *testing.T) {
			c, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			req := []byte(get(path))
			c.Write(req)
			first := make([]byte, 4096)
			n, err := c.Read(first)
			if err != nil || !bytes.HasPrefix(first[:n], []byte("HTTP/1.1 200")) {
				t.Fatalf("first answer %q, %v", first[:n], err)
			}
			resp := make([]byte, n) // every answer has the same length
			roundTrip := func() {
				c.Write(req)
				if _, err := io.ReadFull(c, resp); err != nil {
					panic(fmt.Sprint("reading an answer: ", err))
				}
			}
			for range 20 {
				roundTrip()
			}
			if n := testing.AllocsPerRun(500, roundTrip); n != 0 {
				t.Errorf("%v allocations per request; want 0", n)
			}
		})
	}
}
