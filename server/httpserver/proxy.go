package httpserver

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/miniweb/miniweb/server/gateway"
)

// ProxyTrust says which peers are reverse proxies or load balancers that
// the server trusts, and what it takes from them: the client's address, the
// scheme and the host from their forwarding fields (forwarded.go), and with
// Protocol a PROXY protocol header in front of each connection
// (proxyheader.go). The zero value trusts no one, and the server behaves
// exactly as without it.
//
// What is learnt reaches the environ (RemoteAddr, Scheme, Host, ServerName,
// ServerPort; PeerAddr keeps the connection's own peer) and the access log.
// Behind a local nginx that sets X-Forwarded-For and X-Forwarded-Proto:
//
//	srv.Proxies = httpserver.ProxyTrust{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
//
// Trust only what can reach the server's port solely through the proxies:
// anyone in a trusted network can name any client address.
type ProxyTrust struct {
	// Trusted lists the networks of the trusted proxies, such as
	// 10.0.0.0/8 or 127.0.0.1/32 (an IPv4-mapped IPv6 prefix counts as its
	// IPv4 one). Empty, the default, trusts none: forwarding fields are
	// ignored, and with Protocol every connection is refused.
	Trusted []netip.Prefix
	// Header names the forwarding fields the trusted proxies set:
	// "X-Forwarded-For" (with X-Forwarded-Proto and X-Forwarded-Host, as
	// nginx, HAProxy's "option forwardfor" and most balancers send them)
	// or "Forwarded" (RFC 7239; HAProxy's "option forwarded"). The other
	// kind is ignored: a proxy passes on unchanged the fields it does not
	// set, so a server that read both would let a client name its own
	// address in the kind its proxy leaves alone. "" means
	// "X-Forwarded-For".
	Header string
	// ForwardedHost makes the Host of a request from a trusted proxy the
	// one in X-Forwarded-Host (or Forwarded's host=), when it is a plain
	// host[:port]. False, the default, keeps the request's Host field: set
	// it only when the proxy rewrites Host and says the original there.
	ForwardedHost bool
	// Protocol makes every connection start with a PROXY protocol header,
	// version 1 or 2, whose source address becomes the connection's client
	// address (then the first hop of the forwarding fields). It is read
	// under ReadHeaderTimeout, or IdleTimeout if shorter; a connection from
	// a peer outside Trusted, or with a malformed header, is closed
	// without a byte. Version 2's LOCAL command and version 1's UNKNOWN
	// keep the connection's own addresses. False, the default, reads none.
	Protocol bool
}

// proxyState is what a Server makes of its ProxyTrust.
type proxyState struct {
	nets    proxySet // ProxyTrust.Trusted, unmapped and masked
	rfc7239 bool     // read Forwarded, not X-Forwarded-*
}

// proxySet is a list of trusted networks.
type proxySet []netip.Prefix

// contains reports whether a, unmapped from IPv4-in-IPv6 and without its
// zone, is in one of the networks.
func (p proxySet) contains(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, n := range p {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// initProxies checks s.Proxies and fills s.trust from it.
func (s *Server) initProxies() error {
	p := &s.Proxies
	for _, n := range p.Trusted {
		if !n.IsValid() {
			return fmt.Errorf("httpserver: trusted proxy network %q: not a valid prefix such as 10.0.0.0/8", n.String())
		}
		if n.Addr().Is4In6() && n.Bits() >= 96 {
			n = netip.PrefixFrom(n.Addr().Unmap(), n.Bits()-96)
		}
		s.trust.nets = append(s.trust.nets, n.Masked())
	}
	switch {
	case p.Header == "" || gateway.EqualFold(p.Header, "X-Forwarded-For"):
	case gateway.EqualFold(p.Header, "Forwarded"):
		s.trust.rfc7239 = true
	default:
		return fmt.Errorf("httpserver: forwarding header %q: want \"X-Forwarded-For\" or \"Forwarded\"", p.Header)
	}
	if p.Protocol && len(p.Trusted) == 0 {
		return fmt.Errorf("httpserver: the PROXY protocol is on and no proxy is trusted: every connection would be refused")
	}
	return nil
}

// forwardState is what a connection knows of the proxies in front of it.
type forwardState struct {
	// trusted says the connection's client address (its peer, or the
	// source of its PROXY header) is a trusted proxy's: its requests'
	// forwarding fields are read. Always false without trusted proxies.
	trusted bool
	req     forwarded // what the current request's fields said
}

// trustPeer notes whether the connection's peer is a trusted proxy; only
// with some trusted, so that the zero ProxyTrust costs nothing.
func (c *conn) trustPeer() {
	if len(c.srv.trust.nets) > 0 {
		c.fwd.trusted = c.srv.trust.nets.contains(addrOf(c.rwc.RemoteAddr()))
	}
}

// forward reads the current request's forwarding fields, the connection's
// client being a trusted proxy.
func (x *exchange) forward() {
	f, ok := forwardedFields(x.req.Header, x.srv.trust.nets, x.srv.trust.rfc7239, x.srv.Proxies.ForwardedHost)
	if !ok {
		f = forwarded{}
	}
	x.fwd.req = f
}

// clientAddr returns the current request's client address: what trusted
// proxies said, else the connection's.
func (x *exchange) clientAddr() string {
	if x.fwd.req.client != "" {
		return x.fwd.req.client
	}
	return x.remote
}

// apply puts into e what trusted proxies said of its request.
func (f *forwarded) apply(e *gateway.Environ) {
	if f.client != "" {
		e.RemoteAddr = f.client
	}
	if f.scheme != "" {
		e.Scheme = f.scheme
	}
	if f.host != "" {
		e.Host = f.host
	}
}

// addrOf returns the IP address of a connection's endpoint, without its
// zone; the zero Addr when it has none (an in-memory connection).
func addrOf(a net.Addr) netip.Addr {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort().Addr().Unmap().WithZone("")
	}
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap().WithZone("")
}

// addrHost returns the host of an address as the access log writes it:
// "192.0.2.7" of "192.0.2.7:4711", "2001:db8::2" of "[2001:db8::2]:4711"
// and of the bare "2001:db8::2" a proxy may give without a port.
func addrHost(addr string) string {
	if addr != "" && addr[0] != '[' && countByte(addr, ':') > 1 {
		return addr
	}
	host, _ := splitHostPort(addr)
	return host
}
