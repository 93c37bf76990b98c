package httpserver

import (
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gatewayhttp"
)

// helloHandler is the trivial net/http handler of the adapter benchmark:
// helloApp's /hello.py, written for net/http.
var helloHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "Hello, World!")
})

// BenchmarkAdapterHello compares, on a warm keep-alive connection without
// the kernel, the hello request answered by a gateway application on our
// server (the baseline), by helloHandler through gatewayhttp.FromHandler on our
// server, and by helloHandler on net/http's own server.
func BenchmarkAdapterHello(b *testing.B) {
	for _, bb := range []struct {
		name string
		app  gateway.App
	}{
		{"miniweb_gateway_app", helloApp()},
		{"miniweb_fromhandler", gatewayhttp.FromHandler(helloHandler)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			s := &Server{App: bb.app, Suffix: ".py", ServerHeader: "miniweb"}
			s.init()
			rc := &replayConn{req: []byte(helloReq)}
			c := s.newConn(rc)
			c.serveOne()
			if rc.written == 0 {
				b.Fatal("nothing written")
			}
			b.ReportAllocs()
			for b.Loop() {
				c.serveOne()
			}
			b.SetBytes(rc.written / int64(b.N+1))
		})
	}
	b.Run("nethttp_server", func(b *testing.B) {
		b.ReportAllocs()
		benchNetHTTP(b, helloHandler, helloReq)
	})
}

// benchNetHTTP serves b.N requests req on one in-memory keep-alive
// connection with net/http's server and handler h.
func benchNetHTTP(b *testing.B, h http.Handler, req string) {
	conn := &countConn{req: []byte(req), left: int64(b.N+1) * int64(len(req)), responses: make(chan struct{}, 1), closed: make(chan struct{})}
	conn.want = int64(b.N + 1)
	srv := &http.Server{Handler: h}
	ln := &oneConnListener{conn: conn, done: make(chan struct{})}
	served := make(chan struct{})
	b.ResetTimer()
	go func() { srv.Serve(ln); close(served) }()
	<-conn.responses
	b.StopTimer()
	conn.Close()
	srv.Close()
	<-served
	b.SetBytes(conn.written / int64(b.N+1))
}

// countConn is an in-memory connection whose client sends req until left
// bytes are sent, then waits; it signals responses when want responses
// (one write each: net/http flushes once per small response) have come.
type countConn struct {
	req       []byte
	off       int
	left      int64
	want      int64
	writes    int64
	written   int64
	responses chan struct{}
	closeOnce sync.Once
	closed    chan struct{}
}

func (c *countConn) Read(p []byte) (int, error) {
	if c.left == 0 {
		<-c.closed
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n := copy(p, c.req[c.off:])
	c.off = (c.off + n) % len(c.req)
	c.left -= int64(n)
	return n, nil
}

func (c *countConn) Write(p []byte) (int, error) {
	c.written += int64(len(p))
	c.writes++
	if c.writes == c.want {
		c.responses <- struct{}{}
	}
	return len(p), nil
}

func (c *countConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

func (c *countConn) LocalAddr() net.Addr              { return replayAddr }
func (c *countConn) RemoteAddr() net.Addr             { return replayAddr }
func (c *countConn) SetDeadline(time.Time) error      { return nil }
func (c *countConn) SetReadDeadline(time.Time) error  { return nil }
func (c *countConn) SetWriteDeadline(time.Time) error { return nil }

// oneConnListener accepts conn once, then blocks until closed.
type oneConnListener struct {
	conn     net.Conn
	accepted bool
	done     chan struct{}
	once     sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	if !l.accepted {
		l.accepted = true
		return l.conn, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return replayAddr }
