package proxyproto

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// v2 builds a version 2 header by hand: ver_cmd, fam, then the block
// after a length that says len(block) unless length is >= 0.
func v2(verCmd, fam byte, length int, block ...byte) string {
	if length < 0 {
		length = len(block)
	}
	return v2Sig + string([]byte{verCmd, fam, byte(length >> 8), byte(length)}) + string(block)
}

var inetBlock = []byte{192, 0, 2, 7, 198, 51, 100, 1, 0xdc, 0x04, 0x01, 0xbb} // 192.0.2.7:56324 -> 198.51.100.1:443

func TestParse(t *testing.T) {
	t.Parallel()
	const req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tt := range []struct {
		name string
		in   string
		want Header // when err is nil
		n    int    // bytes the header takes, when err is nil
		err  error  // ErrNeedMore, ErrNotProxy, ErrInvalid or nil
	}{
		// Version 1.
		{"v1_tcp4", "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n" + req,
			Header{1, false, ap("192.0.2.7:56324"), ap("198.51.100.1:443")}, 45, nil},
		{"v1_tcp6", "PROXY TCP6 2001:db8::7 2001:db8::1 56324 443\r\n",
			Header{1, false, ap("[2001:db8::7]:56324"), ap("[2001:db8::1]:443")}, 46, nil},
		{"v1_tcp6_mapped", "PROXY TCP6 ::ffff:192.0.2.7 ::1 1 2\r\n",
			Header{1, false, ap("[::ffff:192.0.2.7]:1"), ap("[::1]:2")}, 37, nil},
		{"v1_ports_0_65535", "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n",
			Header{1, false, ap("0.0.0.0:0"), ap("255.255.255.255:65535")}, 44, nil},
		{"v1_unknown_short", "PROXY UNKNOWN\r\n" + req, Header{Version: 1}, 15, nil},
		{"v1_unknown_anything", "PROXY UNKNOWN whatever: \x00 is ignored\r\n", Header{Version: 1}, 38, nil},
		{"v1_longest", "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
			Header{Version: 1}, 107, nil},

		{"v1_prefix_empty", "", Header{}, 0, ErrNeedMore},
		{"v1_prefix_P", "P", Header{}, 0, ErrNeedMore},
		{"v1_prefix_no_crlf", "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443", Header{}, 0, ErrNeedMore},
		{"v1_prefix_cr", "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r", Header{}, 0, ErrNeedMore},

		{"http_request", req, Header{}, 0, ErrNotProxy},
		{"post_request", "POST / HTTP/1.1\r\n", Header{}, 0, ErrNotProxy},
		{"lowercase", "proxy TCP4 192.0.2.7 198.51.100.1 1 2\r\n", Header{}, 0, ErrNotProxy},
		{"tls_hello", "\x16\x03\x01\x02\x00", Header{}, 0, ErrNotProxy},
		{"v1_no_space", "PROXYTCP4 1.2.3.4 1.2.3.4 1 2\r\n", Header{}, 0, ErrNotProxy},

		{"v1_no_crlf_in_107", "PROXY UNKNOWN " + strings.Repeat("x", 200), Header{}, 0, ErrInvalid},
		{"v1_crlf_at_108", "PROXY UNKNOWN " + strings.Repeat("x", 92) + "\r\n", Header{}, 0, ErrInvalid},
		{"v1_bare_lf", "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\n", Header{}, 0, ErrInvalid},
		{"v1_cr_inside", "PROXY UNKNOWN a\rb\r\n", Header{}, 0, ErrInvalid},
		{"v1_empty_proto", "PROXY \r\n", Header{}, 0, ErrInvalid},
		{"v1_bad_proto", "PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_unknown_glued", "PROXY UNKNOWNX\r\n", Header{}, 0, ErrInvalid},
		{"v1_two_spaces", "PROXY TCP4  192.0.2.7 198.51.100.1 1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_trailing_space", "PROXY TCP4 192.0.2.7 198.51.100.1 1 2 \r\n", Header{}, 0, ErrInvalid},
		{"v1_five_fields", "PROXY TCP4 192.0.2.7 198.51.100.1 1 2 3\r\n", Header{}, 0, ErrInvalid},
		{"v1_three_fields", "PROXY TCP4 192.0.2.7 198.51.100.1 1\r\n", Header{}, 0, ErrInvalid},
		{"v1_tab", "PROXY TCP4 192.0.2.7\t198.51.100.1 1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_v6_in_tcp4", "PROXY TCP4 2001:db8::7 198.51.100.1 1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_v4_in_tcp6", "PROXY TCP6 192.0.2.7 2001:db8::1 1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_mixed_families", "PROXY TCP6 2001:db8::7 192.0.2.1 1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_octal_looking", "PROXY TCP4 192.0.2.07 198.51.100.1 1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_zone", "PROXY TCP6 fe80::1%eth0 fe80::2 1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_bracketed", "PROXY TCP6 [2001:db8::7] [2001:db8::1] 1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_hostname", "PROXY TCP4 localhost 198.51.100.1 1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_port_leading_zero", "PROXY TCP4 192.0.2.7 198.51.100.1 080 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_port_too_big", "PROXY TCP4 192.0.2.7 198.51.100.1 65536 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_port_sign", "PROXY TCP4 192.0.2.7 198.51.100.1 +1 2\r\n", Header{}, 0, ErrInvalid},
		{"v1_port_huge", "PROXY TCP4 192.0.2.7 198.51.100.1 99999999999999999999 2\r\n", Header{}, 0, ErrInvalid},

		// Version 2.
		{"v2_inet", v2(0x21, 0x11, -1, inetBlock...) + req,
			Header{2, false, ap("192.0.2.7:56324"), ap("198.51.100.1:443")}, 28, nil},
		{"v2_inet6", v2(0x21, 0x21, -1,
			0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7,
			0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
			0, 80, 1, 187),
			Header{2, false, ap("[2001:db8::7]:80"), ap("[2001:db8::1]:443")}, 52, nil},
		{"v2_local", v2(0x20, 0x00, -1) + req, Header{Version: 2, Local: true}, 16, nil},
		{"v2_local_with_addresses", v2(0x20, 0x11, -1, inetBlock...), Header{Version: 2, Local: true}, 28, nil},
		{"v2_local_ignores_family", v2(0x20, 0xff, -1, 1, 2, 3), Header{Version: 2, Local: true}, 19, nil},
		{"v2_unspec", v2(0x21, 0x00, -1, 1, 2, 3), Header{Version: 2}, 19, nil},
		{"v2_udp4", v2(0x21, 0x12, -1, inetBlock...), Header{Version: 2}, 28, nil},
		{"v2_unix", v2(0x21, 0x31, -1, make([]byte, 216)...), Header{Version: 2}, 232, nil},
		{"v2_tlvs", v2(0x21, 0x11, -1, append(append([]byte{}, inetBlock...), 0x04, 0, 2, 'h', 'i', 0x05, 0, 0)...),
			Header{2, false, ap("192.0.2.7:56324"), ap("198.51.100.1:443")}, 36, nil},
		{"v2_max_len", v2(0x21, 0x11, -1, append(append([]byte{}, inetBlock...), append([]byte{0x04, (MaxLen - 16 - 12 - 3) >> 8, (MaxLen - 16 - 12 - 3) & 0xff}, make([]byte, MaxLen-16-12-3)...)...)...),
			Header{2, false, ap("192.0.2.7:56324"), ap("198.51.100.1:443")}, MaxLen, nil},

		{"v2_prefix_sig", v2Sig[:5], Header{}, 0, ErrNeedMore},
		{"v2_prefix_fixed", v2(0x21, 0x11, -1, inetBlock...)[:15], Header{}, 0, ErrNeedMore},
		{"v2_prefix_block", v2(0x21, 0x11, -1, inetBlock...)[:27], Header{}, 0, ErrNeedMore},
		{"v2_prefix_local", v2(0x20, 0x00, 300), Header{}, 0, ErrNeedMore},

		{"v2_bad_sig", "\r\n\r\n\x00\r\nQUIT\r", Header{}, 0, ErrNotProxy},
		{"v2_crlf_request", "\r\nGET / HTTP/1.1\r\n", Header{}, 0, ErrNotProxy},
		{"v2_version_1", v2(0x11, 0x11, -1, inetBlock...), Header{}, 0, ErrInvalid},
		{"v2_version_3", v2(0x31, 0x11, -1, inetBlock...), Header{}, 0, ErrInvalid},
		{"v2_command_2", v2(0x22, 0x11, -1, inetBlock...), Header{}, 0, ErrInvalid},
		{"v2_family_4", v2(0x21, 0x41, -1, inetBlock...), Header{}, 0, ErrInvalid},
		{"v2_transport_3", v2(0x21, 0x13, -1, inetBlock...), Header{}, 0, ErrInvalid},
		{"v2_inet_short", v2(0x21, 0x11, -1, inetBlock[:11]...), Header{}, 0, ErrInvalid},
		{"v2_inet6_short", v2(0x21, 0x21, -1, make([]byte, 35)...), Header{}, 0, ErrInvalid},
		{"v2_unix_short", v2(0x21, 0x31, -1, make([]byte, 215)...), Header{}, 0, ErrInvalid},
		{"v2_tlv_cut", v2(0x21, 0x11, -1, append(append([]byte{}, inetBlock...), 0x04, 0, 5, 'h')...), Header{}, 0, ErrInvalid},
		{"v2_tlv_stub", v2(0x21, 0x11, -1, append(append([]byte{}, inetBlock...), 0x04, 0)...), Header{}, 0, ErrInvalid},
		{"v2_too_long", v2(0x21, 0x11, MaxLen-16+1), Header{}, 0, ErrInvalid},
		{"v2_64k", v2(0x21, 0x11, 0xffff), Header{}, 0, ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, n, err := Parse([]byte(tt.in))
			if len(tt.in) > 80 {
				tt.in = tt.in[:80] + "..." // for the messages
			}
			switch {
			case tt.err == nil && err != nil:
				t.Fatalf("Parse(%q) = %v; want %+v", tt.in, err, tt.want)
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Fatalf("Parse(%q) = %+v, %d, %v; want %v", tt.in, h, n, err, tt.err)
			case tt.err == nil && (h != tt.want || n != tt.n):
				t.Fatalf("Parse(%q) = %+v, %d; want %+v, %d", tt.in, h, n, tt.want, tt.n)
			}
			if err != nil && len(err.Error()) > 150 {
				t.Errorf("error text of %d bytes: %v", len(err.Error()), err)
			}
		})
	}
}
