package proxyproto

import (
	"bytes"
	"net/netip"
)

// Version 1 is one line of US-ASCII text (spec §2.1):
//
//	"PROXY" SP ( "TCP4" / "TCP6" ) SP srcaddr SP dstaddr SP srcport SP dstport CRLF
//	"PROXY" SP "UNKNOWN" [ SP <anything but CRLF> ] CRLF
//
// at most 107 bytes, CRLF included.
const (
	v1Prefix = "PROXY "
	v1MaxLen = 107
)

// parseV1 parses a version 1 line at the start of b, whose first byte is
// 'P'.
func parseV1(b []byte) (Header, int, error) {
	if n := min(len(b), len(v1Prefix)); string(b[:n]) != v1Prefix[:n] {
		return Header{}, 0, ErrNotProxy
	}
	lf := bytes.IndexByte(b[:min(len(b), v1MaxLen)], '\n')
	if lf < 0 {
		if len(b) >= v1MaxLen {
			return Header{}, 0, invalid("v1: no CRLF within 107 bytes", b)
		}
		return Header{}, 0, ErrNeedMore
	}
	line := b[:lf+1]
	// The spec: "The receiver must not tolerate a single CR or LF
	// character to end the line".
	if lf < len(v1Prefix)+1 || b[lf-1] != '\r' || bytes.IndexByte(b[:lf-1], '\r') >= 0 {
		return Header{}, 0, invalid("v1: line not ended by one CRLF", line)
	}
	rest := b[len(v1Prefix) : lf-1]
	proto, rest, _ := bytes.Cut(rest, []byte{' '})
	h := Header{Version: 1}
	switch string(proto) {
	case "UNKNOWN":
		// "the receiver must ignore anything presented before the CRLF".
		return h, lf + 1, nil
	case "TCP4", "TCP6":
	default:
		return Header{}, 0, invalid("v1: protocol not TCP4, TCP6 or UNKNOWN", line)
	}
	var f [4][]byte
	for i := range f {
		var ok bool
		if i < len(f)-1 {
			f[i], rest, ok = bytes.Cut(rest, []byte{' '})
		} else {
			f[i], ok = rest, bytes.IndexByte(rest, ' ') < 0
		}
		if !ok || len(f[i]) == 0 {
			return Header{}, 0, invalid("v1: not four fields after the protocol, one space apart", line)
		}
	}
	v6 := proto[3] == '6'
	src, ok1 := v1Addr(f[0], v6)
	dst, ok2 := v1Addr(f[1], v6)
	if !ok1 || !ok2 {
		return Header{}, 0, invalid("v1: address not of the family "+string(proto), line)
	}
	sport, ok1 := v1Port(f[2])
	dport, ok2 := v1Port(f[3])
	if !ok1 || !ok2 {
		return Header{}, 0, invalid("v1: port not 0-65535 without leading zeros", line)
	}
	h.Source = netip.AddrPortFrom(src, sport)
	h.Destination = netip.AddrPortFrom(dst, dport)
	return h, lf + 1, nil
}

// v1Addr parses an IPv4 address ("192.0.2.7", no leading zeros) or, with
// v6, an IPv6 address ("2001:db8::1", "::ffff:192.0.2.7") without a zone.
func v1Addr(b []byte, v6 bool) (netip.Addr, bool) {
	a, err := netip.ParseAddr(string(b))
	if err != nil || a.Zone() != "" || a.Is6() != v6 {
		return netip.Addr{}, false
	}
	return a, true
}

// v1Port parses a port: 1*5DIGIT in 0-65535, without leading zeros.
func v1Port(b []byte) (uint16, bool) {
	if len(b) == 0 || len(b) > 5 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if n > 65535 {
		return 0, false
	}
	return uint16(n), true
}
