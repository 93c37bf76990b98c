package httpserver

import (
	"runtime"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
)

// deepApp answers /deep.py from 12 KiB down its stack, as a template
// render does, and anything else from the top.
var deepApp = gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	if env.Path == "/deep.py" {
		start("200 OK", plain)
		return gateway.Bytes([]byte(descend(24)))
	}
	start("200 OK", plain)
	return gateway.Bytes([]byte("Hello, World!"))
})

// descend uses about 512 bytes of stack per level.
//
//go:noinline
func descend(n int) string {
	var frame [512]byte
	frame[n%len(frame)] = byte('a' + n%26)
	if n == 0 {
		return "deep"
	}
	s := descend(n - 1)
	if frame[n%len(frame)] != byte('a'+n%26) {
		return "stack corrupted"
	}
	return s
}

// TestDeepStackKept: a connection whose requests need a deep stack, with a
// garbage collection between them (which halves the stack of a waiting
// goroutine that uses under a quarter of it), moves to serveDeep once: the
// debug log says so, and requests go on being answered there, to the last,
// which closes the connection.
func TestDeepStackKept(t *testing.T) {
	t.Parallel()
	ts := startServer(t, deepApp, nil)
	c := ts.dial(t)
	for i := range 12 {
		c.send("GET /deep.py HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := c.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "deep" {
			t.Fatalf("request %d: status %d", i, r.StatusCode)
		}
		runtime.GC()
	}
	if got := strings.Count(ts.log.String(), "connection keeps a deep stack"); got != 1 {
		t.Errorf("the connection moved to serveDeep %d times; want 1", got)
	}
	c.send("GET /hello.py HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if r := c.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" {
		t.Fatalf("last request: status %d", r.StatusCode)
	}
	if !c.closed() {
		t.Error("the connection is open after Connection: close")
	}
}
