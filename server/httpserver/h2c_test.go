package httpserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"
)

// readsConn is a connection that tells each read it did, with its count.
type readsConn struct {
	net.Conn
	reads chan int
}

func (c *readsConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	select {
	case c.reads <- n:
	default:
	}
	return n, err
}

type readsListener struct {
	net.Listener
	reads chan int
}

func (l *readsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &readsConn{Conn: c, reads: l.reads}, nil
}

// TestH2CPrefaceInPieces: a client's h2c preface that comes in two reads
// (the server has read the first piece, a whole HTTP/1.1-like request
// line, before the rest is sent) is still HTTP/2's: the server answers
// with its SETTINGS frame, not HTTP/1.1's 505.
func TestH2CPrefaceInPieces(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reads := make(chan int, 16)
	srv := &Server{App: environApp, Suffix: ".py", H2C: true, Log: slog.New(slog.DiscardHandler)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(&readsListener{Listener: ln, reads: reads}) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		srv.Shutdown(ctx)
		<-served
	})

	c, err := net.DialTimeout("tcp", ln.Addr().String(), patience)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(patience))
	first, rest := h2Preface[:16], "\r\nSM\r\n\r\n" // "PRI * HTTP/2.0\r\n", then the rest of RFC 9113's preface
	if _, err := c.Write(first); err != nil {
		t.Fatal(err)
	}
	for got := 0; got < len(first); {
		select {
		case n := <-reads:
			got += n
		case <-time.After(patience):
			t.Fatal("the server did not read the preface's first piece")
		}
	}
	settings := []byte{0, 0, 0, 4, 0, 0, 0, 0, 0} // an empty SETTINGS frame
	if _, err := c.Write(append([]byte(rest), settings...)); err != nil {
		t.Fatal(err)
	}
	var head [9]byte
	if _, err := io.ReadFull(c, head[:]); err != nil {
		t.Fatal(err)
	}
	if head[3] != 4 || head[4]&1 != 0 { // type SETTINGS, not an ACK
		t.Fatalf("the server's first bytes: %q; want an HTTP/2 SETTINGS frame", head[:])
	}
}
