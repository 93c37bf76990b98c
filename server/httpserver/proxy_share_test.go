package httpserver

import (
	"fmt"
	"net/netip"
	"testing"
)

// TestProxyShare: behind a trusted proxy speaking the PROXY protocol, the
// share of the cap per address (MaxConnsPerAddr) is counted by the
// forwarded client's address, not the proxy's: at a cap of 64 (a share of
// 16), one client holding 16 connections through the proxy has its 17th
// closed, while another client through the same proxy address is served
// beside them; the proxy itself, holding 17 and more, is never refused;
// once one of the first client's connections closes, it is seated again.
// An IPv6 client counts by its /64, another /64 being another client.
func TestProxyShare(t *testing.T) {
	t.Parallel()
	const maxConns, share = 64, 16
	for _, tt := range []struct {
		name string
		// header returns the PROXY header of a connection of client.
		header         func(client netip.Addr) string
		full, same     netip.Addr // a client that fills its share, and another address within it
		other          netip.Addr // another client
		wantFull, want string     // the remote addresses the application sees
	}{
		{
			name: "v1_tcp4",
			header: func(client netip.Addr) string {
				return fmt.Sprintf("PROXY TCP4 %s 198.51.100.1 56324 443\r\n", client)
			},
			full: netip.MustParseAddr("203.0.113.9"), same: netip.MustParseAddr("203.0.113.9"),
			other:    netip.MustParseAddr("203.0.113.10"),
			wantFull: "203.0.113.9:56324", want: "203.0.113.10:56324",
		},
		{
			name: "v2_inet6_per_64",
			header: func(client netip.Addr) string {
				return proxyV2(netip.AddrPortFrom(client, 4000), netip.MustParseAddrPort("[2001:db8:ffff::1]:443"))
			},
			full: netip.MustParseAddr("2001:db8:1:2::9"), same: netip.MustParseAddr("2001:db8:1:2:abcd::1"),
			other:    netip.MustParseAddr("2001:db8:1:3::9"),
			wantFull: "[2001:db8:1:2::9]:4000", want: "[2001:db8:1:3::9]:4000",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raiseNoFile(t, 4*maxConns+256)
			ts := startServer(t, whoApp{}, nil, withProxyProtocol, func(s *Server) {
				s.MaxConns = maxConns // the share: a quarter, 16
				s.ReadHeaderTimeout, s.IdleTimeout = 3*patience, 3*patience
			})
			// request opens a connection through the proxy (127.0.0.1)
			// for client and sends a request on it.
			request := func(client netip.Addr) *rawConn {
				c := ts.dial(t)
				c.send(tt.header(client) + "GET /who.py HTTP/1.1\r\nHost: backend\r\n\r\n")
				return c
			}
			// served fails the test unless c's request is answered as
			// from remote.
			served := func(c *rawConn, remote string) {
				t.Helper()
				if got := who(t, bodyOf(t, c.response("GET")))["remote"]; got != remote {
					t.Fatalf("remote %q; want %q", got, remote)
				}
			}
			held := make([]*rawConn, share)
			for i := range held {
				held[i] = request(tt.full)
				served(held[i], tt.wantFull)
			}
			// Over the share, as this address or another of its /64: closed
			// without an answer.
			for _, a := range []netip.Addr{tt.full, tt.same} {
				if c := request(a); !c.closed() {
					t.Errorf("connection %d of %s through the proxy: not closed", share+1, a)
				}
			}
			// Another client, through the same proxy address: served, on
			// the proxy's 17th connection.
			served(request(tt.other), tt.want)
			// One of the first client's closed: it is seated again.
			held[0].Close()
			if !waitFor(patience, func() bool { return ts.openConns() == share }) {
				t.Fatalf("%d open after one closed; want %d", ts.openConns(), share)
			}
			served(request(tt.full), tt.wantFull)
		})
	}
}
