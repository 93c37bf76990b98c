package httpserver

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/internal/http1"
)

// testProxies trusts loopback and 10.0.0.0/8, as a server behind a local
// nginx and a private balancer would.
var testProxies = proxySet{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:f::/48")}

// fields builds a header from "Name: value" lines.
func fields(lines ...string) []http1.Field {
	var h []http1.Field
	for _, l := range lines {
		name, value, _ := strings.Cut(l, ": ")
		h = append(h, http1.Field{Name: name, Value: value})
	}
	return h
}

func TestForwardedFields(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		header   []string  // "Name: value" lines
		rfc7239  bool      // read Forwarded rather than X-Forwarded-*
		withHost bool      // ProxyTrust.ForwardedHost
		want     forwarded // when ok
		ok       bool      // false: malformed, the peer's values stand
	}{
		// X-Forwarded-For: the rightmost untrusted entry.
		{"none", nil, false, false, forwarded{}, true},
		{"one", []string{"X-Forwarded-For: 203.0.113.9"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"through_trusted", []string{"X-Forwarded-For: 203.0.113.9, 10.0.0.2, 10.0.0.3"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"spoofed_left", []string{"X-Forwarded-For: 6.6.6.6, 203.0.113.9"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"spoofed_trusted_left", []string{"X-Forwarded-For: 10.0.0.1, 203.0.113.9, 10.0.0.2"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"spoofed_garbage_left", []string{"X-Forwarded-For: <script>, \"x, 203.0.113.9"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"spoofed_field_line", []string{"X-Forwarded-For: 6.6.6.6", "X-Forwarded-For: 203.0.113.9"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"fields_joined_in_order", []string{"X-Forwarded-For: 203.0.113.9", "X-Forwarded-For: 10.0.0.2"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"all_trusted_leftmost", []string{"X-Forwarded-For: 10.0.0.1, 10.0.0.2"}, false, false, forwarded{client: "10.0.0.1"}, true},
		{"name_any_case", []string{"x-forwarded-for: 203.0.113.9"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"underscore_name_ignored", []string{"X_Forwarded_For: 203.0.113.9"}, false, false, forwarded{}, true},
		{"empty_elements", []string{"X-Forwarded-For: ,203.0.113.9 ,, 10.0.0.2,"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"empty_value", []string{"X-Forwarded-For: "}, false, false, forwarded{}, true},
		{"tabs", []string{"X-Forwarded-For: \t203.0.113.9\t"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"ipv6_bare", []string{"X-Forwarded-For: 2001:db8::9"}, false, false, forwarded{client: "2001:db8::9"}, true},
		{"ipv6_canonical", []string{"X-Forwarded-For: 2001:DB8:0:0::9"}, false, false, forwarded{client: "2001:db8::9"}, true},
		{"ipv6_trusted_net", []string{"X-Forwarded-For: 2001:db8::9, 2001:db8:f::1"}, false, false, forwarded{client: "2001:db8::9"}, true},
		{"v4_mapped", []string{"X-Forwarded-For: ::ffff:203.0.113.9, ::ffff:10.0.0.2"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"v4_port", []string{"X-Forwarded-For: 203.0.113.9:4711"}, false, false, forwarded{client: "203.0.113.9:4711"}, true},
		{"v6_brackets_port", []string{"X-Forwarded-For: [2001:db8::9]:4711"}, false, false, forwarded{client: "[2001:db8::9]:4711"}, true},
		{"v6_brackets", []string{"X-Forwarded-For: [2001:db8::9]"}, false, false, forwarded{client: "2001:db8::9"}, true},
		{"unknown_stops", []string{"X-Forwarded-For: 203.0.113.9, unknown, 10.0.0.2"}, false, false, forwarded{client: "10.0.0.2"}, true},
		{"unknown_first", []string{"X-Forwarded-For: unknown"}, false, false, forwarded{}, true},
		{"obfuscated_stops", []string{"X-Forwarded-For: 203.0.113.9, _hidden"}, false, false, forwarded{}, true},

		// Malformed where the walk reaches: the peer's values stand.
		{"garbage", []string{"X-Forwarded-For: not-an-ip"}, false, false, forwarded{}, false},
		{"hostname", []string{"X-Forwarded-For: localhost"}, false, false, forwarded{}, false},
		{"garbage_behind_trusted", []string{"X-Forwarded-For: <script>, 10.0.0.2"}, false, false, forwarded{}, false},
		{"zone", []string{"X-Forwarded-For: fe80::1%eth0"}, false, false, forwarded{}, false},
		{"zone_bracketed", []string{"X-Forwarded-For: [fe80::1%25eth0]:80"}, false, false, forwarded{}, false},
		{"leading_zero", []string{"X-Forwarded-For: 010.0.0.1"}, false, false, forwarded{}, false},
		{"port_too_big", []string{"X-Forwarded-For: 203.0.113.9:65536"}, false, false, forwarded{}, false},
		{"port_empty", []string{"X-Forwarded-For: 203.0.113.9:"}, false, false, forwarded{}, false},
		{"port_sign", []string{"X-Forwarded-For: 203.0.113.9:+80"}, false, false, forwarded{}, false},
		{"v4_in_brackets", []string{"X-Forwarded-For: [203.0.113.9]"}, false, false, forwarded{}, false},
		{"unclosed_bracket", []string{"X-Forwarded-For: [2001:db8::9"}, false, false, forwarded{}, false},
		{"after_bracket", []string{"X-Forwarded-For: [2001:db8::9]x"}, false, false, forwarded{}, false},
		{"space_inside", []string{"X-Forwarded-For: 203.0.113.9 10.0.0.2"}, false, false, forwarded{}, false},
		{"cidr", []string{"X-Forwarded-For: 203.0.113.0/24"}, false, false, forwarded{}, false},
		{"obfuscated_bad_chars", []string{"X-Forwarded-For: _a b"}, false, false, forwarded{}, false},

		// Too many entries: the walk stops after maxHops, as if the list
		// ended there.
		{"many_trusted", []string{"X-Forwarded-For: 203.0.113.9" + strings.Repeat(", 10.0.0.1", 100) + ", 10.0.0.7"}, false, false, forwarded{client: "10.0.0.1"}, true},
		{"many_spoofed", []string{"X-Forwarded-For: " + strings.Repeat("1.1.1.1, ", 10000) + "203.0.113.9"}, false, false, forwarded{client: "203.0.113.9"}, true},

		// X-Forwarded-Proto and -Host, from the client's hop.
		{"proto", []string{"X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https"}, false, false, forwarded{client: "203.0.113.9", scheme: "https"}, true},
		{"proto_without_for", []string{"X-Forwarded-Proto: HTTPS"}, false, false, forwarded{scheme: "https"}, true},
		{"proto_other", []string{"X-Forwarded-Proto: ftp"}, false, false, forwarded{}, true},
		{"proto_aligned", []string{"X-Forwarded-For: 203.0.113.9, 10.0.0.2", "X-Forwarded-Proto: https, http"}, false, false, forwarded{client: "203.0.113.9", scheme: "https"}, true},
		{"proto_spoofed", []string{"X-Forwarded-For: 6.6.6.6, 203.0.113.9", "X-Forwarded-Proto: https, http"}, false, false, forwarded{client: "203.0.113.9", scheme: "http"}, true},
		{"proto_set_once", []string{"X-Forwarded-For: 203.0.113.9, 10.0.0.2", "X-Forwarded-Proto: https"}, false, false, forwarded{client: "203.0.113.9", scheme: "https"}, true},
		{"host_off", []string{"X-Forwarded-For: 203.0.113.9", "X-Forwarded-Host: example.com"}, false, false, forwarded{client: "203.0.113.9"}, true},
		{"host_on", []string{"X-Forwarded-For: 203.0.113.9", "X-Forwarded-Host: example.com:8443"}, false, true, forwarded{client: "203.0.113.9", host: "example.com:8443"}, true},
		{"host_bad", []string{"X-Forwarded-Host: evil.com/path"}, false, true, forwarded{}, true},
		{"host_crlf_like", []string{"X-Forwarded-Host: a b"}, false, true, forwarded{}, true},
		{"forwarded_ignored", []string{"Forwarded: for=6.6.6.6;proto=https", "X-Forwarded-For: 203.0.113.9"}, false, false, forwarded{client: "203.0.113.9"}, true},

		// Forwarded (RFC 7239).
		{"rfc_one", []string{"Forwarded: for=203.0.113.9"}, true, false, forwarded{client: "203.0.113.9"}, true},
		{"rfc_example", []string{`Forwarded: for="_gazonk"`}, true, false, forwarded{}, true},
		{"rfc_quoted_v6_port", []string{`Forwarded: For="[2001:db8:cafe::17]:4711"`}, true, false, forwarded{client: "[2001:db8:cafe::17]:4711"}, true},
		{"rfc_quoted_v4_port", []string{`Forwarded: for="203.0.113.9:4711"`}, true, false, forwarded{client: "203.0.113.9:4711"}, true},
		{"rfc_unquoted_v6", []string{`Forwarded: for=[2001:db8::9]`}, true, false, forwarded{client: "2001:db8::9"}, true},
		{"rfc_proto_host", []string{`Forwarded: for=192.0.2.60;proto=https;by=203.0.113.43;host=example.com`}, true, true, forwarded{client: "192.0.2.60", scheme: "https", host: "example.com"}, true},
		{"rfc_spaces_semicolon", []string{`Forwarded: for=192.0.2.60; proto=https`}, true, false, forwarded{client: "192.0.2.60", scheme: "https"}, true},
		{"rfc_chain", []string{`Forwarded: for=192.0.2.43;proto=https, for=10.0.0.2;proto=http`}, true, false, forwarded{client: "192.0.2.43", scheme: "https"}, true},
		{"rfc_spoofed", []string{`Forwarded: for=6.6.6.6;proto=https, for=192.0.2.43;proto=http`}, true, false, forwarded{client: "192.0.2.43", scheme: "http"}, true},
		{"rfc_spoofed_unclosed_quote", []string{`Forwarded: for="6.6.6.6, for=192.0.2.43`}, true, false, forwarded{client: "192.0.2.43"}, true},
		{"rfc_spoofed_escape", []string{`Forwarded: for="\", for=192.0.2.43`}, true, false, forwarded{client: "192.0.2.43"}, true},
		{"rfc_quoted_comma", []string{`Forwarded: for=192.0.2.43;ext="a, b", for=10.0.0.2`}, true, false, forwarded{client: "192.0.2.43"}, true},
		{"rfc_escaped_quote", []string{`Forwarded: for=192.0.2.43;ext="a\", for=6.6.6.6", for=10.0.0.2`}, true, false, forwarded{client: "192.0.2.43"}, true},
		{"rfc_escaped_backslash", []string{`Forwarded: for=192.0.2.43;ext="a\\", for=10.0.0.2`}, true, false, forwarded{client: "192.0.2.43"}, true},
		{"rfc_unknown_stops", []string{`Forwarded: for=192.0.2.43, for=unknown;proto=https, for=10.0.0.2`}, true, false, forwarded{client: "10.0.0.2", scheme: "https"}, true},
		{"rfc_obfuscated_port", []string{`Forwarded: for="192.0.2.43:_p1"`}, true, false, forwarded{client: "192.0.2.43"}, true},
		{"rfc_no_for_stops", []string{`Forwarded: proto=https;by=10.0.0.9`}, true, false, forwarded{scheme: "https"}, true},
		{"rfc_fields_joined", []string{`Forwarded: for=192.0.2.43`, `Forwarded: for=10.0.0.2`}, true, false, forwarded{client: "192.0.2.43"}, true},
		{"rfc_xff_ignored", []string{`X-Forwarded-For: 6.6.6.6`, `Forwarded: for=192.0.2.43`}, true, false, forwarded{client: "192.0.2.43"}, true},
		{"rfc_host_off", []string{`Forwarded: for=192.0.2.43;host=example.com`}, true, false, forwarded{client: "192.0.2.43"}, true},

		{"rfc_duplicate_for", []string{`Forwarded: for=192.0.2.43;for=6.6.6.6`}, true, false, forwarded{}, false},
		{"rfc_no_equals", []string{`Forwarded: for`}, true, false, forwarded{}, false},
		{"rfc_empty_value", []string{`Forwarded: for=`}, true, false, forwarded{}, false},
		{"rfc_space_around_equals", []string{`Forwarded: for = 192.0.2.43`}, true, false, forwarded{}, false},
		{"rfc_unclosed_quote", []string{`Forwarded: for="192.0.2.43`}, true, false, forwarded{}, false},
		{"rfc_junk_after_quote", []string{`Forwarded: for="192.0.2.43"x`}, true, false, forwarded{}, false},
		{"rfc_ctl_in_quote", []string{"Forwarded: for=\"192.0.2.43\x01\""}, true, false, forwarded{}, false},
		{"rfc_escape_outside", []string{`Forwarded: for=192.0.2.43\"`}, true, false, forwarded{}, false},
		{"rfc_v6_unbracketed_port", []string{`Forwarded: for="2001:db8::9:4711x"`}, true, false, forwarded{}, false},
		{"rfc_zone", []string{`Forwarded: for="[fe80::1%eth0]"`}, true, false, forwarded{}, false},
		{"rfc_garbage_behind_trusted", []string{`Forwarded: for=<x>, for=10.0.0.2`}, true, false, forwarded{}, false},
		{"rfc_many_trusted", []string{"Forwarded: for=203.0.113.9" + strings.Repeat(", for=10.0.0.1", 100)}, true, false, forwarded{client: "10.0.0.1"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := forwardedFields(fields(tt.header...), testProxies, tt.rfc7239, tt.withHost)
			if ok != tt.ok || ok && got != tt.want {
				t.Errorf("forwardedFields(%q) = %+v, %v; want %+v, %v", tt.header, got, ok, tt.want, tt.ok)
			}
			if !ok && got != (forwarded{}) {
				t.Errorf("forwardedFields(%q) = %+v on failure; want nothing", tt.header, got)
			}
		})
	}
}

// TestForwardedAllocs checks that reading the usual forwarding fields
// allocates nothing: the client address is a slice of the field when it is
// already canonical.
func TestForwardedAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	h := fields("Host: example.com", "X-Forwarded-For: 203.0.113.9, 10.0.0.2", "X-Forwarded-Proto: https", "X-Forwarded-Host: example.com")
	if n := testing.AllocsPerRun(100, func() { forwardedFields(h, testProxies, false, true) }); n != 0 {
		t.Errorf("%v allocations; want 0", n)
	}
	h = fields(`Forwarded: for="[2001:db8::9]:4711";proto=https, for=10.0.0.2`)
	if n := testing.AllocsPerRun(100, func() { forwardedFields(h, testProxies, true, true) }); n != 0 {
		t.Errorf("Forwarded: %v allocations; want 0", n)
	}
}

func BenchmarkForwardedFields(b *testing.B) {
	for _, bb := range []struct {
		name    string
		header  []http1.Field
		rfc7239 bool
	}{
		{"x_forwarded_for", fields("Host: example.com", "User-Agent: wrk", "X-Forwarded-For: 203.0.113.9, 10.0.0.2", "X-Forwarded-Proto: https"), false},
		{"forwarded", fields("Host: example.com", "User-Agent: wrk", `Forwarded: for="[2001:db8::9]:4711";proto=https, for=10.0.0.2`), true},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				forwardedFields(bb.header, testProxies, bb.rfc7239, true)
			}
		})
	}
}

// forwardedConn returns a connection from 127.0.0.1 (the replayed peer),
// a trusted proxy or not, fed the hello request with forwarding fields,
// warm.
func forwardedConn(tb testing.TB, trusted bool) (*conn, *replayConn) {
	tb.Helper()
	const req = "GET /hello.py HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n" +
		"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n"
	nets := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	if trusted {
		nets = append(nets, netip.MustParsePrefix("127.0.0.0/8"))
	}
	s := &Server{App: helloApp(), Suffix: ".py", ServerHeader: "miniweb", Proxies: ProxyTrust{Trusted: nets}}
	s.init()
	rc := &replayConn{req: []byte(req)}
	c := s.newConn(rc)
	for range 10 {
		c.serveOne()
	}
	if trusted != (c.fwd.trusted && c.fwd.req.client == "203.0.113.9" && c.fwd.req.scheme == "https") {
		tb.Fatalf("not read as forwarded: %+v", c.fwd)
	}
	return c, rc
}

// TestKeepAliveForwardedAllocs extends the hot path's allocation guard
// (TestKeepAliveAllocs) to requests from a trusted proxy.
func TestKeepAliveForwardedAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	c, _ := forwardedConn(t, true)
	if n := testing.AllocsPerRun(1000, func() { c.serveOne() }); n != 0 {
		t.Errorf("%v allocations per request; want 0", n)
	}
}

// BenchmarkKeepAliveForwarded is BenchmarkKeepAlive's hello with
// forwarding fields, from a peer that is a trusted proxy (the fields are
// read) and from one that is not (they are not): the difference is what
// reading them costs.
func BenchmarkKeepAliveForwarded(b *testing.B) {
	for _, trusted := range []bool{true, false} {
		name := "untrusted_peer"
		if trusted {
			name = "trusted_peer"
		}
		b.Run(name, func(b *testing.B) {
			c, rc := forwardedConn(b, trusted)
			b.ReportAllocs()
			for b.Loop() {
				c.serveOne()
			}
			b.SetBytes(rc.written / int64(b.N+1))
		})
	}
}
