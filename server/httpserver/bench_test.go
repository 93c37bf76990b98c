package httpserver

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/static"
)

// replayConn is an in-memory net.Conn whose client sends the same request
// over and over and reads nothing back: the server's side of a keep-alive
// benchmark without the kernel.
type replayConn struct {
	req     []byte
	off     int
	written int64
}

func (c *replayConn) Read(p []byte) (int, error) {
	n := copy(p, c.req[c.off:])
	c.off = (c.off + n) % len(c.req)
	return n, nil
}

func (c *replayConn) Write(p []byte) (int, error) {
	c.written += int64(len(p))
	return len(p), nil
}

var replayAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}

func (c *replayConn) Close() error                     { return nil }
func (c *replayConn) LocalAddr() net.Addr              { return replayAddr }
func (c *replayConn) RemoteAddr() net.Addr             { return replayAddr }
func (c *replayConn) SetDeadline(time.Time) error      { return nil }
func (c *replayConn) SetReadDeadline(time.Time) error  { return nil }
func (c *replayConn) SetWriteDeadline(time.Time) error { return nil }

// benchConn returns a connection of a server with helloApp and a static
// folder holding a 1 KiB file, fed the request req over and over.
func benchConn(tb testing.TB, req string) (*conn, *replayConn) {
	tb.Helper()
	root := tb.TempDir()
	if err := os.WriteFile(filepath.Join(root, "1k.txt"), []byte(strings.Repeat("x", 1024)), 0o644); err != nil {
		tb.Fatal(err)
	}
	st, err := static.New(root)
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{App: helloApp(), Static: st, Suffix: ".py", ServerHeader: "miniweb"}
	s.init()
	rc := &replayConn{req: []byte(req)}
	return s.newConn(rc), rc
}

const (
	helloReq   = "GET /hello.py HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"
	staticReq  = "GET /1k.txt HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"
	browserReq = "GET /hello.py HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
		"Accept-Encoding: gzip, deflate, br\r\nAccept-Language: en-US,en;q=0.9\r\n" +
		"Cache-Control: no-cache\r\nPragma: no-cache\r\nSec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n\r\n"
)

// TestKeepAliveAllocs is the allocation guard of the hot path: a keep-alive
// request for a small static file or for the hello application allocates
// nothing in the server once the connection is warm.
func TestKeepAliveAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	for _, tt := range []struct{ name, req string }{
		{"hello", helloReq},
		{"static_1k", staticReq},
		{"hello_browser_headers", browserReq},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, rc := benchConn(t, tt.req)
			for range 10 { // warm up: interned strings, caches, pools
				if !c.serveOne() {
					t.Fatal("connection closed")
				}
			}
			if n := testing.AllocsPerRun(1000, func() { c.serveOne() }); n != 0 {
				t.Errorf("%v allocations per request; want 0", n)
			}
			if rc.written == 0 {
				t.Fatal("nothing written")
			}
		})
	}
}

// BenchmarkKeepAlive measures the server's whole request path (parse,
// dispatch, respond) on a warm keep-alive connection without the kernel.
func BenchmarkKeepAlive(b *testing.B) {
	for _, bb := range []struct{ name, req string }{
		{"hello", helloReq},
		{"hello_browser_headers", browserReq},
		{"static_1k", staticReq},
	} {
		b.Run(bb.name, func(b *testing.B) {
			c, rc := benchConn(b, bb.req)
			c.serveOne()
			b.ReportAllocs()
			for b.Loop() {
				c.serveOne()
			}
			b.SetBytes(rc.written / int64(b.N+1))
		})
	}
}
