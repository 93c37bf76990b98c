package throttle

import (
	"net"
	"net/netip"
)

// maxClient bounds the text Client returns for an address it cannot read.
const maxClient = 64

// Client returns the client a throttle counts for remoteAddr, the
// request's client "ip:port" or bare "ip" (gateway.Environ.RemoteAddr,
// the forwarded client's behind a trusted proxy): an IPv4 address as it
// is, an IPv6 address as its /64, the block one host is commonly given,
// so that a host cannot start afresh by changing its address within it
// ("2001:db8:1:2::/64"). An IPv4 address mapped into IPv6 is the IPv4
// one. Anything else (a Unix socket's name, say) is returned after a '?',
// cut to 64 bytes in all, so that no text can pass for an address and
// share its counts ("?::/0", "?2001:db8:1:2::/64").
func Client(remoteAddr string) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "?" + host[:min(len(host), maxClient-1)]
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
