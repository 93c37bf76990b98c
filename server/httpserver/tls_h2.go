package httpserver

import (
	"context"
	"sync"
	"time"

	"github.com/miniweb/miniweb/server/internal/http2"
)

// HTTP/2 on the engine's connections
//
// A connection whose TLS handshake chose "h2" is served by
// server/internal/http2 on the connection's own goroutine (serveH2): the
// package speaks the protocol (frames, streams, flow control, limits), and
// each stream comes back to the engine as an h2Stream (stream.go), which
// the one dispatcher answers as it answers an HTTP/1.1 request: the health
// check, the static folder, the application, trusted proxies, the Server
// field, compression, the body limit and the access log.
//
// The connection stays the engine's, as an HTTP/1.1 one: tracked for
// Shutdown (which sends each GOAWAY and lets their streams finish: stop,
// closeIdle), counted under its client's address, holding its slot of
// MaxConns until it ends, and, while no stream is open (http2.Conn's
// IdleSince), idle for the cap: a newcomer at the cap may take its slot
// (capacity.go), by a GOAWAY that tells the client which streams were not
// served, so that it retries them on a new connection (RFC 9113 §6.8).

// An HTTP/2 stream is served as it is.
var _ h2Stream = (*http2.Stream)(nil)

// h2Side is a Server's HTTP/2: the protocol's server, and the engine's
// conn of each HTTP/2 connection it serves.
type h2Side struct {
	srv   *http2.Server
	conns sync.Map // *http2.Conn -> *conn
}

// newH2 makes the HTTP/2 side, with the engine's timeouts and header
// limit.
func (s *Server) newH2() *h2Side {
	lim := http2.Limits{
		HandshakeTimeout: s.ReadHeaderTimeout,
		IdleTimeout:      s.IdleTimeout,
		WriteTimeout:     s.WriteTimeout,
		MinRate:          s.MinRate,
		MinRateGrace:     s.MinRateGrace,
	}
	if s.MaxHeaderBytes > 0 {
		lim.MaxHeaderListSize = uint32(s.MaxHeaderBytes)
	}
	h := &h2Side{}
	h.srv = &http2.Server{Handler: http2.HandlerFunc(h.serveStream(s)), Limits: lim, Logger: s.Log,
		// A connection whose last stream closed waits as an HTTP/1.1 one
		// between requests: CrowdedIdleTimeout near the cap, and a
		// newcomer waiting for a slot looks again (capacity.go).
		WentIdle: func() time.Duration {
			s.wentIdle()
			return s.idleTimeout()
		}}
	return h
}

// reclaimableH2 returns the HTTP/2 connection hc of c as a connection a
// newcomer at the cap may take (capacity.go's reclaim): idle while no
// stream is open, slow while the server has waited on its requests
// slowAtCap longer than its bytes pay for at MinRate (http2.Conn.Behind),
// as an HTTP/1.1 connection in a read under MinRate. soon is told when one
// not yet behind enough will be.
func reclaimableH2(c *conn, hc *http2.Conn, now int64, soon func(int64)) (idleConn, bool) {
	if t, ok := hc.IdleSince(); ok {
		return idleConn{c: c, since: t.UnixNano(), h2: hc}, true
	}
	t, ok := hc.Behind()
	if !ok {
		return idleConn{}, false
	}
	if owed := t.UnixNano(); owed > now-int64(slowAtCap) {
		soon(owed + int64(slowAtCap))
		return idleConn{}, false
	}
	return idleConn{c: c, since: -t.UnixNano(), h2: hc, slow: true}, true
}

// reclaimH2 takes the slot of an HTTP/2 connection reclaimableH2 chose,
// and reports whether it did: an idle one gets GOAWAY NO_ERROR (goAway), a
// slow one still behind is cut with GOAWAY ENHANCE_YOUR_CALM, its
// handlers' reads failing.
func reclaimH2(ic idleConn) bool {
	if ic.slow {
		return ic.h2.CutBehind(slowAtCap)
	}
	return ic.c.goAway(ic.h2)
}

// serveStream returns the HTTP/2 handler: each stream to the dispatcher,
// with the engine's conn it came on.
func (h *h2Side) serveStream(s *Server) func(*http2.Stream) {
	return func(st *http2.Stream) {
		c, ok := h.conns.Load(st.Conn())
		if !ok {
			st.Abort() // not one of ours: cannot happen
			return
		}
		s.serveStream(c.(*conn), st)
	}
}

// serveH2 serves HTTP/2 on the connection until it ends, its handlers
// returned. buffered holds what was read of it already.
func (c *conn) serveH2(buffered []byte) {
	h := c.srv.h2
	c.setReadDeadline(time.Time{})
	c.setWriteDeadline(time.Time{})
	hc := h.srv.NewConn(c.rwc, buffered)
	h.conns.Store(hc, c)
	defer h.conns.Delete(hc)
	c.h2.Store(hc)
	if err := hc.Serve(); err != nil {
		c.srv.Log.Debug("HTTP/2 connection ended", keyRemote, c.remote, keyErr, err)
	}
}

// h2Preface is how an HTTP/2 connection with prior knowledge begins (RFC
// 9113 §3.4), as much of it as a complete HTTP/1.1 head: the rest is
// http2's to read.
var h2Preface = []byte("PRI * HTTP/2.0\r\n\r\n")

// goAway ends an HTTP/2 connection gracefully, once: GOAWAY, its open
// streams served, then closed. It reports whether this call began it.
func (c *conn) goAway(hc *http2.Conn) bool {
	if !c.slot.state.CompareAndSwap(stateActive, stateClosing) {
		return false
	}
	go hc.Shutdown(context.Background()) // ends with the connection; Shutdown's ctx closes it at worst
	return true
}
