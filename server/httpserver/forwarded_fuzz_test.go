package httpserver

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/internal/http1"
)

// splitForward splits a list field value left to right, the plain way: at
// the commas outside quoted strings, with quoted-pairs inside them; false
// for an unbalanced quote or a backslash outside quotes. It is the oracle
// of backList, which reads the other way.
func splitForward(v string, quoted bool) ([]string, bool) {
	var out []string
	start, inQuote := 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted && inQuote && c == '\\':
			i++
			if i == len(v) {
				return nil, false
			}
		case quoted && c == '\\':
			return nil, false
		case quoted && c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	if inQuote {
		return nil, false
	}
	out = append(out, v[start:])
	var kept []string
	for _, e := range out {
		if e = strings.Trim(e, " \t"); e != "" {
			kept = append(kept, e)
		}
	}
	return kept, true
}

// FuzzBackList checks backList, reading a list from the right, against
// splitForward: over every field, the same elements, and a failure where it
// fails.
func FuzzBackList(f *testing.F) {
	f.Add(`for=1.2.3.4, for="[::1]:80";proto=https`, `for="a\"b, c"`, true)
	f.Add(`"\", for=1.2.3.4`, ``, true)
	f.Add(`a\\"b"`, `"x\\"`, true)
	f.Add(`1.2.3.4, ,5.6.7.8,`, `::1`, false)
	f.Fuzz(func(t *testing.T, v1, v2 string, quoted bool) {
		h := []http1.Field{{Name: "L", Value: v1}, {Name: "Other", Value: "x, y"}, {Name: "l", Value: v2}}
		var want []string
		ok := true
		for _, v := range []string{v1, v2} {
			els, good := splitForward(v, quoted)
			ok = ok && good
			want = append(want, els...)
		}
		l := backList{header: h, name: "L", i: len(h), quoted: quoted}
		var got []string
		for {
			e, more, bad := l.next()
			if bad {
				if ok {
					t.Fatalf("backList(%q, %q) failed after %q; the forward split gives %q", v1, v2, got, want)
				}
				return
			}
			if !more {
				break
			}
			got = append(got, e)
		}
		slices.Reverse(got)
		if !ok {
			t.Fatalf("backList(%q, %q) = %q; the forward split fails", v1, v2, got)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("backList(%q, %q) = %q; the forward split gives %q", v1, v2, got, want)
		}
	})
}

// FuzzForwardedFields feeds the reading of forwarding fields arbitrary
// values, and checks: what it returns is safe to use (a canonical address,
// "http" or "https", a plain host); and a client cannot change the result
// by what it writes left of what the trusted proxies appended: when the
// walk stopped at an untrusted client, any bytes put before the fields, in
// an earlier field line or in front of the first one's value, change
// nothing.
func FuzzForwardedFields(f *testing.F) {
	f.Add("203.0.113.9, 10.0.0.2", "https", "example.com", "6.6.6.6", false)
	f.Add(`for=192.0.2.43;proto=https;host=a.example, for="[2001:db8::1]:80"`, "", "", `for="x`, true)
	f.Add(`for=unknown, for=10.0.0.1`, "", "", `"`, true)
	f.Add("::ffff:10.0.0.1, 2001:db8::9", "http, https", "b.example", "\\", false)
	f.Fuzz(func(t *testing.T, fwd, proto, host, spoof string, rfc7239 bool) {
		name := "X-Forwarded-For"
		if rfc7239 {
			name = "Forwarded"
		}
		h := []http1.Field{
			{Name: "Host", Value: "x"},
			{Name: name, Value: fwd},
			{Name: "X-Forwarded-Proto", Value: proto},
			{Name: "X-Forwarded-Host", Value: host},
		}
		got, ok := forwardedFields(h, testProxies, rfc7239, true)
		if !ok {
			if got != (forwarded{}) {
				t.Fatalf("failure with %+v", got)
			}
			return
		}
		if got.scheme != "" && got.scheme != "http" && got.scheme != "https" {
			t.Fatalf("scheme %q", got.scheme)
		}
		if got.host != "" && !validHost(got.host) {
			t.Fatalf("host %q", got.host)
		}
		untrusted := false
		if got.client != "" {
			a, err := netip.ParseAddr(got.client)
			if err != nil {
				ap, err2 := netip.ParseAddrPort(got.client)
				if err2 != nil {
					t.Fatalf("client %q is no address: %v, %v", got.client, err, err2)
				}
				if ap.String() != got.client {
					t.Fatalf("client %q is not canonical (%q)", got.client, ap)
				}
				a = ap.Addr()
			} else if a.String() != got.client {
				t.Fatalf("client %q is not canonical (%q)", got.client, a)
			}
			if a.Is4In6() || a.Zone() != "" {
				t.Fatalf("client %q is mapped or zoned", got.client)
			}
			untrusted = !testProxies.contains(a)
		}
		if !untrusted {
			return
		}
		for _, spoofed := range [][]http1.Field{
			append([]http1.Field{{Name: name, Value: spoof}}, h...),
			{h[0], {Name: name, Value: spoof + "," + fwd}, h[2], h[3]},
		} {
			again, ok := forwardedFields(spoofed, testProxies, rfc7239, true)
			if !ok || again.client != got.client {
				t.Fatalf("%q before %q changed the client: %+v, %v; was %+v", spoof, fwd, again, ok, got)
			}
			if rfc7239 && again != got {
				t.Fatalf("%q before %q changed the result: %+v; was %+v", spoof, fwd, again, got)
			}
		}
	})
}
