package httpserver

import (
	"net/netip"
	"sync"
)

// One address's share of the cap
//
// With MaxConns, the server counts the open connections of each client
// address: an IPv4 address, or an IPv6 /64, which one host usually holds
// whole and can draw addresses from at will. A connection that would give
// its address more than MaxConnsPerAddr is closed at accept, before it
// takes a slot, without a byte: a plain close, as HAProxy's
// "tcp-request connection reject if { src_conn_cur ge N }", not a 503 as
// nginx's limit_conn (which counts requests, after reading their heads). A
// 503 would have to read the request first, or the client would most
// likely lose it to the reset of our close over its unread request; that
// is a goroutine, a buffer and a header timeout for a connection the
// limit exists to shed. A browser opens at most six connections to a
// host, far below any share of the cap; the clients that reach the limit
// are the ones it is for.
//
// A trusted proxy's connections carry many clients: without the PROXY
// protocol they are counted (for the order of reclaiming at the cap) but
// never refused; with it, the connection is counted again under the
// header's source once the header is read (readProxyHeader), and refused
// then if that client is over its share.
//
// The counts also order the reclaiming at the cap: slots are taken first
// from the address holding the most (capacity.go).

// peerCounts counts the open connections per client address.
type peerCounts struct {
	mu    sync.Mutex
	n     map[netip.Addr]int32
	limit int32 // MaxConnsPerAddr in force; 0: none
}

func (p *peerCounts) init(maxConns, perAddr int) {
	p.n = make(map[netip.Addr]int32)
	switch {
	case perAddr == 0:
		p.limit = int32(max(1, (maxConns+3)/4))
	case perAddr > 0:
		p.limit = int32(min(perAddr, maxConns))
	}
}

// peerKey is the key a client address is counted under: the address, or
// for IPv6 its /64.
func peerKey(a netip.Addr) netip.Addr {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// admit counts a connection from key and reports true, or reports false,
// counting nothing, if limited and key holds its share already. Without
// MaxConns it counts nothing.
func (s *Server) admit(key netip.Addr, limited bool) bool {
	p := &s.peers
	if p.n == nil || !key.IsValid() {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.n[key]
	if limited && p.limit > 0 && n >= p.limit {
		return false
	}
	p.n[key] = n + 1
	return true
}

// leave uncounts a connection from key.
func (s *Server) leave(key netip.Addr) {
	p := &s.peers
	if p.n == nil || !key.IsValid() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.n[key]; n > 1 {
		p.n[key] = n - 1
	} else {
		delete(p.n, key)
	}
}

// held returns how many connections key holds, with p.mu held.
func (p *peerCounts) held(key netip.Addr) int32 { return p.n[key] }

// acceptKey returns the key a connection from peer is counted under, and
// whether MaxConnsPerAddr applies to it now: not to a trusted proxy, which
// speaks for many clients (with the PROXY protocol, its client is counted
// once the header is read).
func (s *Server) acceptKey(peer netip.Addr) (netip.Addr, bool) {
	return peerKey(peer), !s.trust.nets.contains(peer)
}

// recount moves the connection's count to the client its PROXY header
// names, and reports false if that client holds its share already: the
// connection is then closed.
func (c *conn) recount(client netip.Addr) bool {
	s := c.srv
	if s.peers.n == nil {
		return true
	}
	key := peerKey(client)
	if key == c.slot.addr {
		return true
	}
	s.leave(c.slot.addr)
	c.slot.addr = netip.Addr{}
	if !s.admit(key, !s.trust.nets.contains(client)) {
		c.srv.Log.Debug("over the connections allowed per address: closed", keyRemote, c.remote)
		return false
	}
	c.slot.addr = key
	return true
}
