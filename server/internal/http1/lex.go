package http1

import (
	"encoding/binary"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// Character classes of RFC 9110 §5.5 and RFC 3986 §3.2.2, as 256-entry
// tables so that each byte costs one load. The token class (tchar, RFC 9110
// §5.6.2) is gateway.IsTokenChar: one table for the whole project, which
// the compiler inlines to the same single load.

// fieldVChar reports whether c may appear in a field value (RFC 9110 §5.5):
//
//	field-value = *field-content
//	field-vchar = VCHAR / obs-text          ; %x21-7E / %x80-FF
//	plus SP and HTAB between field-vchars
//
// Every other control, including NUL, CR, LF, VT, FF and DEL, is refused.
var fieldVChar = func() (t [256]bool) {
	for c := 0x21; c <= 0x7e; c++ {
		t[c] = true
	}
	for c := 0x80; c <= 0xff; c++ {
		t[c] = true
	}
	t[' '], t['\t'] = true, true
	return t
}()

// targetChar reports whether c may appear in a request-target: visible ASCII
// except '#', which starts a fragment and is never sent (RFC 9112 §3.2,
// RFC 3986 §3.5). Bytes >= 0x80 must be percent-encoded by the client.
var targetChar = func() (t [256]bool) {
	for c := 0x21; c <= 0x7e; c++ {
		t[c] = c != '#'
	}
	return t
}()

// regNameChar reports whether c may appear in a reg-name (RFC 3986 §3.2.2):
//
//	reg-name   = *( unreserved / pct-encoded / sub-delims )
//	unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
//	sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="
//
// '%' is allowed here; validHost checks that two HEXDIGs follow it.
var regNameChar = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~%!$&'()*+,;=" {
		t[c] = true
	}
	return t
}()

// isToken reports whether b is a non-empty token (RFC 9110 §5.6.2): the
// parser's form of gateway.IsToken, for the bytes of a request as well as
// strings.
func isToken[T string | []byte](b T) bool {
	if len(b) == 0 {
		return false
	}
	for i := 0; i < len(b); i++ {
		if !gateway.IsTokenChar(b[i]) {
			return false
		}
	}
	return true
}

// isOWS reports whether c is optional whitespace, SP or HTAB (RFC 9110 §5.6.3).
func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// trimOWS returns b without leading and trailing SP and HTAB.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// trimOWSString is trimOWS for a string.
func trimOWSString(s string) string {
	for len(s) > 0 && isOWS(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isOWS(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// unhex returns the value of the hex digit c and whether c is one.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// lower returns the ASCII lower-case form of c.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// equalFold reports whether s and t are equal under ASCII case folding.
// Names are compared this way (RFC 9110 §5.1); Unicode folding would let
// "K" (U+212A, Kelvin) match "k", which no HTTP peer does.
func equalFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != lower(t[i]) {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether b starts with the lower-case ASCII prefix,
// ignoring case.
func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(b[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// validHost reports whether h is a valid Host field value or authority
// (RFC 9112 §3.2, RFC 3986 §3.2.2, §3.2.3):
//
//	Host       = uri-host [ ":" port ]
//	uri-host   = IP-literal / IPv4address / reg-name
//	IP-literal = "[" ( IPv6address / IPvFuture ) "]"
//	port       = *DIGIT
//
// IPv4address is a special case of reg-name. Inside brackets only hex
// digits, ':', '.', and for IPvFuture 'v' plus unreserved and sub-delims are
// allowed; the address itself is not parsed further. userinfo ("@") is never
// allowed (RFC 9110 §4.2.4). An empty uri-host is accepted here; callers
// that need a host check for it.
func validHost(h string) bool {
	i := 0
	for i < len(h) && regNameChar[h[i]] && h[i] != '%' {
		i++ // the common case: a plain name
	}
	if i == len(h) {
		return true
	}
	if i == 0 && h[0] == '[' {
		end := strings.IndexByte(h, ']')
		if end < 2 {
			return false
		}
		for j := 1; j < end; j++ {
			if c := h[j]; c == '%' || !(regNameChar[c] || c == ':') {
				return false
			}
		}
		return end+1 == len(h) || h[end+1] == ':' && allDigits(h[end+2:])
	}
	for ; i < len(h); i++ {
		c := h[i]
		switch {
		case c == ':':
			return allDigits(h[i+1:])
		case c == '%':
			if i+2 >= len(h) {
				return false
			}
			if _, ok := unhex(h[i+1]); !ok {
				return false
			}
			if _, ok := unhex(h[i+2]); !ok {
				return false
			}
			i += 2
		case !regNameChar[c]:
			return false
		}
	}
	return true
}

// allDigits reports whether every byte of b is an ASCII digit; true for an
// empty b.
func allDigits(b string) bool {
	for i := 0; i < len(b); i++ {
		if c := b[i]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// snippet quotes at most 32 bytes of b for an error detail, so that an error
// never carries an unbounded amount of request bytes.
func snippet(b []byte) string {
	const max = 32
	if len(b) > max {
		return quote(b[:max]) + "..."
	}
	return quote(b)
}

// validFieldValue reports whether every byte of v is a field-vchar, SP or
// HTAB (see fieldVChar). It tests eight bytes at a time for a byte below
// 0x20 or equal to 0x7F, the only bytes fieldVChar refuses, and looks at a
// word byte by byte only when the test fires (HTAB fires it too).
func validFieldValue(v []byte) bool {
	const (
		lo = 0x0101010101010101
		hi = 0x8080808080808080
	)
	for len(v) >= 8 {
		x := binary.LittleEndian.Uint64(v)
		y := x ^ 0x7f*lo
		// (x - 0x20*lo) &^ x & hi is non-zero iff some byte of x is
		// below 0x20; the same on y finds a zero byte of y, a 0x7F of x.
		if ((x-0x20*lo)&^x|(y-lo)&^y)&hi != 0 {
			for _, c := range v[:8] {
				if !fieldVChar[c] {
					return false
				}
			}
		}
		v = v[8:]
	}
	for _, c := range v {
		if !fieldVChar[c] {
			return false
		}
	}
	return true
}
