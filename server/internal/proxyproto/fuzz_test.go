package proxyproto

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
)

// checkPrefixes checks what the connection reader relies on: every proper
// prefix of a valid header asks for more bytes, and never fails.
func checkPrefixes(t *testing.T, b []byte, n int) {
	t.Helper()
	for k := range n {
		if _, _, err := Parse(b[:k]); err != ErrNeedMore {
			t.Fatalf("Parse of the first %d bytes of the %d-byte header %q = %v; want ErrNeedMore", k, n, b[:n], err)
		}
	}
}

// FuzzParse feeds Parse arbitrary bytes. Its oracles: an error is one of
// the three kinds; a header Parse accepts is re-encoded by the tests'
// encoder, apart from the parser, and parses back to the same header (with
// the same length for the canonical forms); every proper prefix of an
// accepted header asks for more; the bytes after a header change nothing.
func FuzzParse(f *testing.F) {
	f.Add([]byte("PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\nGET / HTTP/1.1\r\n"))
	f.Add([]byte("PROXY TCP6 2001:db8::7 2001:db8::1 56324 443\r\n"))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Add([]byte("PROXY UNKNOWN ffff:f 65535\r\n"))
	f.Add([]byte(v2(0x21, 0x11, -1, inetBlock...) + "GET"))
	f.Add([]byte(v2(0x20, 0x00, -1)))
	f.Add([]byte(v2(0x21, 0x21, -1, make([]byte, 36)...)))
	f.Add([]byte(v2(0x21, 0x11, -1, append(append([]byte{}, inetBlock...), 0x04, 0, 2, 'h', 'i')...)))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := Parse(b)
		if err != nil {
			if err != ErrNeedMore && err != ErrNotProxy && !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q): unexpected error %v", b, err)
			}
			if err == ErrNeedMore && len(b) >= MaxLen {
				t.Fatalf("Parse(%q) wants more after %d bytes", b, len(b))
			}
			return
		}
		if n <= 0 || n > len(b) || n > MaxLen || (h.Version != 1 && h.Version != 2) {
			t.Fatalf("Parse(%q) = %+v, %d", b, h, n)
		}
		if h.Source.IsValid() != h.Destination.IsValid() || (h.Local && h.Source.IsValid()) {
			t.Fatalf("Parse(%q) = %+v: inconsistent", b, h)
		}
		checkPrefixes(t, b, n)
		if h2, n2, err := Parse(append(b[:n:n], "junk after the header"...)); err != nil || h2 != h || n2 != n {
			t.Fatalf("with other bytes after it, Parse(%q) = %+v, %d, %v; want %+v, %d", b[:n], h2, n2, err, h, n)
		}
		var enc []byte
		if h.Version == 1 {
			enc = encodeV1(h, "")
		} else {
			enc = encodeV2(h, nil)
		}
		h2, n2, err := Parse(enc)
		if err != nil || h2 != h || n2 != len(enc) {
			t.Fatalf("Parse(encode(%+v)) = %+v, %d, %v; want it back (from %q)", h, h2, n2, err, b)
		}
	})
}

// FuzzRoundTrip builds headers with the encoder from fuzzed addresses,
// ports and TLVs and checks Parse(encode(h)) == h, taking the whole
// header, whatever follows it.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint8(1), []byte{192, 0, 2, 7}, []byte{198, 51, 100, 1}, uint16(56324), uint16(443), []byte("junk"), []byte("GET"))
	f.Add(uint8(2), make([]byte, 16), make([]byte, 16), uint16(0), uint16(65535), []byte{4, 'a', 'b'}, []byte{})
	f.Add(uint8(3), []byte{}, []byte{}, uint16(0), uint16(0), []byte{}, []byte("\r\n\r\n"))
	f.Add(uint8(4), []byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}, uint16(1), uint16(2), []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, kind uint8, src, dst []byte, sport, dport uint16, extra, after []byte) {
		var h Header
		switch {
		case len(src) == 4 && len(dst) == 4:
			h.Source = netip.AddrPortFrom(netip.AddrFrom4([4]byte(src)), sport)
			h.Destination = netip.AddrPortFrom(netip.AddrFrom4([4]byte(dst)), dport)
		case len(src) == 16 && len(dst) == 16:
			h.Source = netip.AddrPortFrom(netip.AddrFrom16([16]byte(src)), sport)
			h.Destination = netip.AddrPortFrom(netip.AddrFrom16([16]byte(dst)), dport)
		}
		var enc []byte
		switch kind % 3 {
		case 0: // version 1; extra is junk after UNKNOWN when there is no address
			h.Version = 1
			junk := string(bytes.Map(func(r rune) rune {
				if r == '\r' || r == '\n' {
					return -1
				}
				return r
			}, extra))
			if h.Source.IsValid() || len("PROXY UNKNOWN ")+len(junk)+2 > v1MaxLen {
				junk = ""
			}
			enc = encodeV1(h, junk)
		case 1, 2: // version 2, PROXY or LOCAL; extra is split into TLVs
			h.Version = 2
			if kind%3 == 2 {
				h = Header{Version: 2, Local: true}
			}
			var tlvs []tlv
			for len(extra) > 0 {
				n := min(int(extra[0]), len(extra)-1)
				tlvs = append(tlvs, tlv{typ: extra[0], value: extra[1 : 1+n]})
				extra = extra[1+n:]
			}
			enc = encodeV2(h, tlvs)
		}
		in := append(bytes.Clone(enc), after...)
		if len(enc) > MaxLen {
			// TLVs took the header past the bound Parse keeps: refused.
			if _, _, err := Parse(in); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse of a %d-byte header = %v; want ErrInvalid (longer than MaxLen)", len(enc), err)
			}
			return
		}
		got, n, err := Parse(in)
		if err != nil || got != h || n != len(enc) {
			t.Fatalf("Parse(%q) = %+v, %d, %v; want %+v, %d", in, got, n, err, h, len(enc))
		}
		checkPrefixes(t, enc, len(enc))
	})
}

func BenchmarkParse(b *testing.B) {
	for _, bb := range []struct{ name, in string }{
		{"v1_tcp4", "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\nGET / HTTP/1.1\r\n"},
		{"v1_tcp6", "PROXY TCP6 2001:db8::7 2001:db8::1 56324 443\r\nGET / HTTP/1.1\r\n"},
		{"v2_inet", v2(0x21, 0x11, -1, inetBlock...) + "GET / HTTP/1.1\r\n"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			in := []byte(bb.in)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Parse(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
