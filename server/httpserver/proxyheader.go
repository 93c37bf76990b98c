package httpserver

import (
	"io"
	"net"
	"net/netip"

	"github.com/miniweb/miniweb/server/internal/proxyproto"
)

// The PROXY protocol header
//
// With ProxyTrust.Protocol, a connection starts with a PROXY protocol
// header (miniweb/server/internal/proxyproto) before its first request;
// readProxyHeader reads it before the connection's loop begins. The wait
// for it is the wait for a new connection's first request (goIdle): the
// same deadline, and Shutdown or a newcomer at the cap may close it.
//
// The header is read into a small buffer of its own, and what came behind
// it in the same reads, the start of the first request, goes to the
// request reader as if the connection had just delivered it (feed): the
// request reader keeps its one buffer, and the first request is answered
// from the bytes already read, inline as any other.

// proxyHeaderBuf is the size of the buffer the header is read into: room
// for a version 1 line, or a version 2 header with the TLVs balancers send,
// and the start of the first request. A version 2 header that says it is
// longer gets proxyproto.MaxLen. What is left past the header is thus under
// 4 KiB, and fits in the request reader's fresh buffer.
const proxyHeaderBuf = 1 << 10

// readProxyHeader reads the connection's PROXY protocol header, makes its
// source the connection's client address, and reports whether the
// connection goes on; it closes (false) a connection from an untrusted
// peer, or whose header is malformed or late.
func (c *conn) readProxyHeader() bool {
	if !c.fwd.trusted { // the peer's, from trustPeer
		c.srv.Log.Debug("PROXY protocol from an untrusted peer: connection closed", keyRemote, c.remote)
		return false
	}
	c.goIdle()
	buf := make([]byte, proxyHeaderBuf)
	have := 0
	var h proxyproto.Header
	var n int
	for {
		m, rerr := c.rwc.Read(buf[have:])
		have += m
		var perr error
		h, n, perr = proxyproto.Parse(buf[:have])
		if perr == nil {
			break
		}
		if perr != proxyproto.ErrNeedMore {
			c.srv.Log.Debug("PROXY protocol header refused: connection closed", keyRemote, c.remote, keyErr, perr)
			return false
		}
		if rerr != nil {
			if rerr != io.EOF && c.wake() {
				c.srv.Log.Debug("no PROXY protocol header in time: connection closed", keyRemote, c.remote, keyErr, rerr)
			}
			return false
		}
		if have == len(buf) {
			if len(buf) >= proxyproto.MaxLen {
				return false // unreachable: Parse decides within MaxLen bytes
			}
			buf = append(buf, make([]byte, proxyproto.MaxLen-len(buf))...)
		}
	}
	if !c.wake() {
		return false // Shutdown or a newcomer at the cap closed it meanwhile
	}
	if h.Source.IsValid() {
		c.remote = netip.AddrPortFrom(h.Source.Addr().Unmap(), h.Source.Port()).String()
		c.local = netip.AddrPortFrom(h.Destination.Addr().Unmap(), h.Destination.Port()).String()
		c.fwd.trusted = c.srv.trust.nets.contains(h.Source.Addr())
		if !c.recount(h.Source.Addr()) {
			return false // the client is over its share of MaxConns (peers.go)
		}
	}
	if n < have {
		c.feed(buf[n:have])
	}
	return true
}

// feed gives the request reader bytes read from the connection past the
// PROXY header, as if the connection had just delivered them.
func (c *conn) feed(p []byte) {
	pc := &prefixConn{Conn: c.rwc, pre: p}
	c.in.rd.rwc = pc
	c.r.Fill()
	if len(pc.pre) == 0 {
		c.in.rd.rwc = c.rwc
		return
	}
	// Not with http1's 4 KiB buffers: the rest must be read through pc,
	// which the inline runs, reading the descriptor, would skip.
	c.inl.off = true
}

// prefixConn is a connection whose next reads return pre first.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}
