// Package proxyproto parses the header of HAProxy's PROXY protocol, versions
// 1 and 2 (https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt), by
// which a load balancer that relays TCP connections tells the server behind
// it the addresses of the connection it relayed:
//
//	PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n
//	GET / HTTP/1.1\r\n
//	...
//
// It parses a byte slice and knows nothing of sockets: Parse returns what
// the header says and how many bytes it took, or ErrNeedMore while the
// slice holds only the start of one, so that a connection reads into its
// own buffer and keeps what follows the header (the first request, often
// in the same packet) where its request reader finds it:
//
//	h, n, err := proxyproto.Parse(buf[:have])
//	switch {
//	case err == proxyproto.ErrNeedMore:
//		// read more into buf, then parse again from the start
//	case err != nil:
//		// close the connection: the spec says abort on anything else
//	default:
//		// buf[n:have] is the start of the first request
//	}
//
// Which peers may send a header, and how long they may take, is the
// caller's business: the spec says a receiver must accept the protocol only
// from trusted proxies and never guess whether a header is present.
//
// # Strictness
//
// Version 1 is one line of at most 107 bytes ending in CRLF, with exactly
// one space between its parts, addresses of the family named (no IPv6
// zone), and ports in 0-65535 without leading zeros; "PROXY UNKNOWN" takes
// anything up to the CRLF. Version 2 is the 12-byte signature, version 2
// with command LOCAL or PROXY, a known family and transport, and an
// address block at least as long as the family needs; after the addresses
// of AF_INET and AF_INET6, the TLVs must tile the rest of the block
// exactly, and are skipped. The whole version 2 header is bounded by
// MaxLen.
package proxyproto
