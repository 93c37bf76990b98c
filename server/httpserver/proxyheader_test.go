package httpserver

import (
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// proxyV2 builds a version 2 PROXY header of TCP from src to dst, with
// tlvs (raw bytes) after the addresses; LOCAL when src is not valid.
func proxyV2(src, dst netip.AddrPort, tlvs ...byte) string {
	b := []byte("\r\n\r\n\x00\r\nQUIT\n")
	var block []byte
	switch {
	case !src.IsValid():
		b = append(b, 0x20, 0x00)
	case src.Addr().Is4():
		b = append(b, 0x21, 0x11)
		s, d := src.Addr().As4(), dst.Addr().As4()
		block = append(append(block, s[:]...), d[:]...)
	default:
		b = append(b, 0x21, 0x21)
		s, d := src.Addr().As16(), dst.Addr().As16()
		block = append(append(block, s[:]...), d[:]...)
	}
	if src.IsValid() {
		block = binary.BigEndian.AppendUint16(block, src.Port())
		block = binary.BigEndian.AppendUint16(block, dst.Port())
	}
	block = append(block, tlvs...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(block)))
	return string(append(b, block...))
}

// withProxyProtocol trusts loopback and 10.0.0.0/8 and turns on the PROXY
// protocol.
func withProxyProtocol(s *Server) {
	trusting("127.0.0.0/8", "10.0.0.0/8")(s)
	s.Proxies.Protocol = true
}

// TestProxyProtocol sends PROXY headers from a trusted peer with the first
// request in the same write, and checks the addresses the application sees,
// on that request and the next on the connection.
func TestProxyProtocol(t *testing.T) {
	t.Parallel()
	const req = "GET /who.py HTTP/1.1\r\nHost: backend\r\n"
	src, dst := netip.MustParseAddrPort("203.0.113.9:56324"), netip.MustParseAddrPort("198.51.100.1:443")
	for _, tt := range []struct {
		name   string
		header string // the PROXY header
		fields string // forwarding fields of the requests
		remote string // RemoteAddr the application sees; "" means the peer's
		local  string // ServerName:ServerPort of a request without Host; "" means the listener's
	}{
		{"v1_tcp4", "PROXY TCP4 203.0.113.9 198.51.100.1 56324 443\r\n", "", "203.0.113.9:56324", "198.51.100.1:443"},
		{"v1_tcp6", "PROXY TCP6 2001:db8::9 2001:db8::1 56324 443\r\n", "", "[2001:db8::9]:56324", "2001:db8::1:443"},
		{"v1_tcp6_mapped", "PROXY TCP6 ::ffff:203.0.113.9 ::ffff:198.51.100.1 56324 443\r\n", "", "203.0.113.9:56324", "198.51.100.1:443"},
		{"v1_unknown", "PROXY UNKNOWN\r\n", "", "", ""},
		{"v2_inet", proxyV2(src, dst), "", "203.0.113.9:56324", "198.51.100.1:443"},
		{"v2_inet6", proxyV2(netip.MustParseAddrPort("[2001:db8::9]:80"), netip.MustParseAddrPort("[2001:db8::1]:8080")), "", "[2001:db8::9]:80", "2001:db8::1:8080"},
		{"v2_tlvs", proxyV2(src, dst, 0x04, 0, 3, 'a', 'b', 'c', 0x20, 0, 1, 0x01), "", "203.0.113.9:56324", "198.51.100.1:443"},
		{"v2_long_tlv", proxyV2(src, dst, append([]byte{0x04, 0x07, 0xd0}, make([]byte, 2000)...)...), "", "203.0.113.9:56324", "198.51.100.1:443"},
		{"v2_local", proxyV2(netip.AddrPort{}, netip.AddrPort{}), "", "", ""},
		// The PROXY source is the first hop of the forwarding fields: a
		// trusted one's are read, an untrusted one's are not.
		{"v1_trusted_source_forwards", "PROXY TCP4 10.0.0.5 10.0.0.1 4000 80\r\n", "X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\n", "203.0.113.7", "10.0.0.1:80"},
		{"v1_untrusted_source", "PROXY TCP4 203.0.113.9 198.51.100.1 56324 443\r\n", "X-Forwarded-For: 6.6.6.6\r\n", "203.0.113.9:56324", "198.51.100.1:443"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, whoApp{}, nil, withProxyProtocol)
			c := ts.dial(t)
			peer := c.LocalAddr().String()
			remote := tt.remote
			if remote == "" {
				remote = peer
			}
			local := tt.local
			if local == "" {
				local = ts.addr
			}
			c.send(tt.header + req + tt.fields + "\r\n")
			got := who(t, bodyOf(t, c.response("GET")))
			if got["remote"] != remote || got["peer"] != peer {
				t.Errorf("remote %q, peer %q; want %q, %q", got["remote"], got["peer"], remote, peer)
			}
			// The next request on the connection, without Host: the
			// connection's addresses still hold.
			c.send("GET /who.py HTTP/1.0\r\n" + tt.fields + "\r\n")
			got = who(t, bodyOf(t, c.response("GET")))
			if got["remote"] != remote || got["server"] != local {
				t.Errorf("second request: remote %q, server %q; want %q, %q", got["remote"], got["server"], remote, local)
			}
			host, _ := splitHostPort(remote)
			if line := accessLines(t, ts.access, 2)[1]; !strings.HasPrefix(line, host+" ") {
				t.Errorf("access line %q; want it from %s", line, host)
			}
		})
	}
}

// TestProxyProtocolReads sends a PROXY header and the first request in the
// ways a network may cut them: the header in pieces, and a first request
// longer than what is read with the header.
func TestProxyProtocolReads(t *testing.T) {
	t.Parallel()
	ts := startServer(t, whoApp{}, nil, withProxyProtocol)
	t.Run("header_in_pieces", func(t *testing.T) {
		c := ts.dial(t)
		// Apart (20 ms, with Nagle's algorithm off), so that the server
		// most likely reads them apart; together they must work too.
		c.Conn.(*net.TCPConn).SetNoDelay(true)
		for _, piece := range []string{"PROX", "Y TCP4 203.0.113.9 198.51.100.1", " 56324 443\r", "\nGET /who.py HTTP/1.1\r\nHost: x\r\n\r\n"} {
			c.send(piece)
			time.Sleep(20 * time.Millisecond)
		}
		if got := who(t, bodyOf(t, c.response("GET")))["remote"]; got != "203.0.113.9:56324" {
			t.Errorf("remote %q", got)
		}
	})
	t.Run("long_first_request", func(t *testing.T) {
		c := ts.dial(t)
		c.send("PROXY TCP4 203.0.113.9 198.51.100.1 56324 443\r\nGET /who.py HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("p", 6000) + "\r\n\r\n")
		if got := who(t, bodyOf(t, c.response("GET")))["remote"]; got != "203.0.113.9:56324" {
			t.Errorf("remote %q", got)
		}
	})
	t.Run("pipelined_requests", func(t *testing.T) {
		c := ts.dial(t)
		c.send("PROXY TCP4 203.0.113.9 198.51.100.1 56324 443\r\n" + strings.Repeat("GET /who.py HTTP/1.1\r\nHost: x\r\n\r\n", 3))
		for i := range 3 {
			if got := who(t, bodyOf(t, c.response("GET")))["remote"]; got != "203.0.113.9:56324" {
				t.Errorf("request %d: remote %q", i, got)
			}
		}
	})
}

// TestProxyProtocolRefused checks the connections closed without a byte:
// from a peer not trusted, and with a header that is not one.
func TestProxyProtocolRefused(t *testing.T) {
	t.Parallel()
	const good = "PROXY TCP4 203.0.113.9 198.51.100.1 56324 443\r\nGET /who.py HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tt := range []struct {
		name string
		opt  func(*Server)
		send string
	}{
		{"untrusted_peer", func(s *Server) { trusting("10.0.0.0/8")(s); s.Proxies.Protocol = true }, good},
		{"no_header", withProxyProtocol, "GET /who.py HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"v1_malformed", withProxyProtocol, "PROXY TCP4 203.0.113.9 198.51.100.1 56324\r\nGET /who.py HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"v1_bare_lf", withProxyProtocol, "PROXY TCP4 203.0.113.9 198.51.100.1 56324 443\nGET /who.py HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"v2_bad_version", withProxyProtocol, "\r\n\r\n\x00\r\nQUIT\n\x31\x11\x00\x0c" + strings.Repeat("\x01", 12) + "GET /who.py HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"v2_too_long", withProxyProtocol, "\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff" + strings.Repeat("\x01", 5000)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			app := newTestApp()
			ts := startServer(t, app, nil, tt.opt)
			c := ts.dial(t)
			c.send(tt.send)
			c.SetReadDeadline(time.Now().Add(patience))
			b, err := io.ReadAll(c.br)
			if len(b) != 0 || (err != nil && !isReset(err)) {
				t.Errorf("got %q, %v; want the connection closed without a byte", b, err)
			}
			if app.calls.Load() != 0 {
				t.Errorf("the application got %d requests", app.calls.Load())
			}
		})
	}
}

// TestProxyProtocolTimeout checks that a peer that sends no PROXY header,
// or part of one, is closed at the header timeout, not before: the
// client's clock starts before it connects, so before the server's can.
func TestProxyProtocolTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	ts := startServer(t, whoApp{}, nil, withProxyProtocol, func(s *Server) { s.ReadHeaderTimeout = timeout })
	for _, send := range []string{"", "PROXY TCP4 203.0.113.9", "\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\x01"} {
		start := time.Now()
		c := ts.dial(t)
		if send != "" {
			c.send(send)
		}
		if !c.closed() {
			t.Fatalf("after %q: the connection is still open", send)
		}
		if d := time.Since(start); d < timeout {
			t.Errorf("after %q: closed after %v, before the header timeout %v", send, d, timeout)
		}
	}
}

// TestProxyProtocolShutdown checks that a connection waiting for its PROXY
// header is idle: Shutdown closes it at once, not at the header timeout
// (an hour).
func TestProxyProtocolShutdown(t *testing.T) {
	t.Parallel()
	ts := startServer(t, whoApp{}, nil, withProxyProtocol, func(s *Server) { s.ReadHeaderTimeout = time.Hour })
	c := ts.dial(t)
	c.send("PROXY TCP4 203.0")
	go ts.Shutdown(t.Context())
	if !c.closed() {
		t.Fatal("the connection waiting for its header is still open")
	}
}
