package e2e

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/httpserver"
	"github.com/miniweb/miniweb/server/internal/testnet"
	"github.com/miniweb/miniweb/sites"
)

// BenchmarkKeepAlivePage measures a demo page (/about.py, rendered by the
// framework from the repository's templates) through the engine's whole
// request path (parse, dispatch, the site, respond) on one keep-alive
// connection without the kernel: an in-memory connection whose client
// sends b.N requests, pipelined, and reads nothing back. It first checks
// that one request is answered with the page.
func BenchmarkKeepAlivePage(b *testing.B) {
	app := buildSite(b, "demo", sites.Options{Templates: repoDir("templates"), Session: sites.SessionOptions{Secret: testSessionSecret}})
	const req = "GET /about.py HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"
	ln := serveMem(b, app)

	first := ln.dial(b, 1, req)
	if head := first.head.String(); !bytes.HasPrefix(first.head.Bytes(), []byte("HTTP/1.1 200 ")) || !bytes.Contains(first.head.Bytes(), []byte("<h1")) {
		b.Fatalf("GET /about.py: not the page:\n%.600s", head)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := testnet.CPUTime(b)
	c := ln.dial(b, b.N, req)
	b.StopTimer()
	testnet.ReportCPU(b, start)
	b.SetBytes(c.written / int64(b.N))
}

// memListener is a net.Listener of in-memory connections.
type memListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newMemListener() *memListener {
	return &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr }

var memAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}

// dial hands the server a connection whose client sends req n times and
// then ends its side, and returns it once the server has closed it.
func (l *memListener) dial(tb testing.TB, n int, req string) *memConn {
	tb.Helper()
	c := &memConn{req: []byte(req), left: int64(n) * int64(len(req)), done: make(chan struct{})}
	select {
	case l.conns <- c:
	case <-time.After(patience):
		tb.Fatal("the server accepts no connection")
	}
	select {
	case <-c.done:
	case <-time.After(10 * patience):
		tb.Fatalf("the server did not close the connection after %d requests", n)
	}
	return c
}

// memConn is the server's side of an in-memory connection: reads get the
// request over and over until left bytes have been read, then EOF;
// writes are counted, the first 64 KiB kept.
type memConn struct {
	req     []byte
	off     int
	left    int64
	written int64
	head    bytes.Buffer
	done    chan struct{}
	once    sync.Once
}

func (c *memConn) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), c.left)]
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.req[c.off:])
		c.off = (c.off + k) % len(c.req)
		n += k
	}
	c.left -= int64(n)
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) {
	if c.head.Len() < 64<<10 {
		c.head.Write(p[:min(len(p), 64<<10-c.head.Len())])
	}
	c.written += int64(len(p))
	return len(p), nil
}

func (c *memConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}

func (c *memConn) LocalAddr() net.Addr              { return memAddr }
func (c *memConn) RemoteAddr() net.Addr             { return memAddr }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// serveMem serves app with the engine, as the command does, on an
// in-memory listener until the benchmark ends, and returns the listener.
func serveMem(b *testing.B, app gateway.App) *memListener {
	srv := &httpserver.Server{App: app, Suffix: ".py", ServerHeader: "miniweb", Log: slog.New(slog.DiscardHandler)}
	ln := newMemListener()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		srv.Shutdown(ctx)
		<-served
	})
	return ln
}
