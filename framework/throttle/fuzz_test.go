package throttle

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzClient: whatever the address, Client returns an IPv4 address or an
// IPv6 /64 as written (the same with any port), or '?' and at most 63
// more bytes: text that no address's key can be.
func FuzzClient(f *testing.F) {
	for _, s := range []string{"192.0.2.7:4321", "[2001:db8::1]:80", "[::ffff:1.2.3.4]:5", "fe80::1%eth0", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		got := Client(addr)
		if strings.HasPrefix(got, "?") {
			if len(got) > maxClient {
				t.Fatalf("Client(%q) = %d bytes; want at most %d", addr, len(got), maxClient)
			}
			return
		}
		if p, err := netip.ParsePrefix(got); err == nil {
			if p.Bits() != 64 || !p.Addr().Is6() || p.Masked() != p || p.String() != got {
				t.Fatalf("Client(%q) = %q: not an IPv6 /64 as written", addr, got)
			}
			return
		}
		if a, err := netip.ParseAddr(got); err == nil {
			if !a.Is4() || a.String() != got {
				t.Fatalf("Client(%q) = %q: not an IPv4 address as written", addr, got)
			}
			if again := Client(got + ":9"); again != got {
				t.Fatalf("Client(%q) = %q; want %q, the same host", got+":9", again, got)
			}
			return
		}
		t.Fatalf("Client(%q) = %q: neither an address nor marked with '?'", addr, got)
	})
}
