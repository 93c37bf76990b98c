package httpserver

import (
	"net/netip"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/http1"
)

// Forwarding fields
//
// A reverse proxy connects to us on behalf of its clients, and says who the
// client was in fields it adds to the request. From a trusted proxy (a peer
// in ProxyTrust.Trusted) the server reads one kind, the one
// ProxyTrust.Header names:
//
//	X-Forwarded-For: 203.0.113.9, 10.0.0.2     (de facto: addresses, optionally with ports)
//	X-Forwarded-Proto: https
//	X-Forwarded-Host: example.com
//
//	Forwarded: for=203.0.113.9;proto=https;host=example.com, for="[2001:db8::2]:4711"   (RFC 7239 §4)
//
// Each proxy appends the address it received the request from, so the list
// reads left to right from the client to the nearest proxy, and everything
// left of what our own proxies appended was written by the client, who can
// write anything there. So the list is walked from the right, starting at
// the peer: while the hop just looked at is a trusted proxy, the entry to its
// left is the hop before it. The client is the first entry (from the right)
// that is not trusted; when every entry is trusted, the leftmost one. An
// entry that hides its address ("unknown", or an obfuscated "_name" of RFC
// 7239 §6.3) ends the walk: the client is the last address found, the peer
// if none. At most maxHops entries are looked at, as if the list ended
// there. Several fields of the same name are one list, in order (RFC 9110
// §5.3).
//
// The walk parses only what it reaches, from the right: bytes a client put
// further left cannot change its result or hide the client behind an
// error. Reached entries must be well formed, or none of the fields is used
// and the request keeps its peer's address, scheme and Host: a malformed
// field is never the client's fault to be answered with a 400, nor a way to
// take an address.
//
// The scheme and the host come from the same hop as the client: with
// Forwarded, the proto= and host= of the element where the walk stopped;
// with X-Forwarded-Proto and X-Forwarded-Host, lists of their own, the
// entry as far from the right as the client's X-Forwarded-For entry, or
// their leftmost when they are shorter (a proxy that sets rather than
// appends them). A scheme other than "http" or "https" (any case) and a host
// that is not a plain host[:port] are ignored.

// maxHops bounds the entries of a forwarding list a request makes the
// server look at.
const maxHops = 32

// forwarded is what trusted proxies said of a request: each field "" when
// they said nothing usable, and the connection's own value stands.
type forwarded struct {
	client string // "ip" or "ip:port", canonical ("2001:db8::1", "[2001:db8::1]:4711")
	scheme string // "http" or "https"
	host   string // host[:port], for the Host field
}

// forwardedFields reads the forwarding fields of a request from a trusted
// proxy, as told above: X-Forwarded-For, -Proto and -Host, or with rfc7239
// Forwarded; the host only withHost. It reports false when a field it had
// to read is malformed: then nothing of them is to be used.
func forwardedFields(header []http1.Field, trusted proxySet, rfc7239, withHost bool) (forwarded, bool) {
	var f forwarded
	if rfc7239 {
		l := backList{header: header, name: "Forwarded", i: len(header), quoted: true}
		var stop hopFields
		ok := walk(&f.client, trusted, func() (string, bool, bool) {
			e, more, bad := l.next()
			if !more || bad {
				return "", more, bad
			}
			h, ok := parseElement(e)
			stop = h
			return h.node, true, !ok
		})
		if !ok {
			return forwarded{}, false
		}
		f.scheme = scheme(stop.proto)
		if withHost && validHost(stop.host) {
			f.host = stop.host
		}
		return f, true
	}
	l := backList{header: header, name: "X-Forwarded-For", i: len(header)}
	pos := -1
	ok := walk(&f.client, trusted, func() (string, bool, bool) {
		e, more, bad := l.next()
		if more {
			pos++
		}
		return e, more, bad
	})
	if !ok {
		return forwarded{}, false
	}
	pos = max(pos, 0)
	f.scheme = scheme(entryAt(header, "X-Forwarded-Proto", pos))
	if withHost {
		if h := entryAt(header, "X-Forwarded-Host", pos); validHost(h) {
			f.host = h
		}
	}
	return f, true
}

// walk walks a forwarding list from the right, next giving its entries'
// nodes ("" for an element without one), and sets *client to the client's
// address as told above. It reports false for a malformed entry.
func walk(client *string, trusted proxySet, next func() (node string, more, bad bool)) bool {
	for range maxHops {
		node, more, bad := next()
		if bad {
			return false
		}
		if !more {
			return true // every entry is trusted: the leftmost is the client
		}
		addr, raw, kind := parseNode(node)
		switch kind {
		case nodeBad:
			return false
		case nodeHidden:
			return true
		}
		*client = raw
		if !trusted.contains(addr) {
			return true
		}
	}
	return true
}

// entryAt returns the entry of the list in the fields named name that is
// pos entries from the right, or the leftmost when the list is shorter; ""
// when there is none or the list is malformed.
func entryAt(header []http1.Field, name string, pos int) string {
	l := backList{header: header, name: name, i: len(header)}
	var e string
	for range min(pos, maxHops) + 1 {
		next, more, bad := l.next()
		if bad {
			return ""
		}
		if !more {
			break
		}
		e = next
	}
	return e
}

// scheme returns "http" or "https" for a proto value naming either in any
// case (URI schemes are case-insensitive, RFC 3986 §3.1), else "".
func scheme(proto string) string {
	switch {
	case gateway.EqualFold(proto, "https"):
		return "https"
	case gateway.EqualFold(proto, "http"):
		return "http"
	}
	return ""
}

// backList reads the elements of a comma-separated list (RFC 9110 §5.6.1)
// spread over the fields named name, from the right: the last element of
// the last field first. Empty elements are skipped. With quoted, elements
// may hold quoted strings (RFC 9110 §5.6.4), whose commas do not separate.
type backList struct {
	header []http1.Field
	name   string
	i      int    // the field being read; len(header) before the first
	rest   string // what is left of it, left of the elements returned
	quoted bool
}

// next returns the next element from the right, without surrounding
// whitespace. more is false at the start of the list; bad reports an
// unbalanced quoted string.
func (l *backList) next() (elem string, more, bad bool) {
	for {
		for l.rest == "" {
			if l.i--; l.i < 0 {
				return "", false, false
			}
			if gateway.EqualFold(l.header[l.i].Name, l.name) {
				l.rest = l.header[l.i].Value
			}
		}
		j := len(l.rest) - 1
		inQuote := false
	scan:
		for ; j >= 0; j-- {
			switch c := l.rest[j]; {
			case c == ',' && !inQuote:
				break scan
			case c == '\\' && l.quoted && !inQuote:
				return "", true, true // quoted-pairs are only inside quoted strings
			case c == '"' && l.quoted:
				// A quote after an odd number of backslashes is a
				// quoted-pair inside a quoted string; outside one it is
				// malformed.
				k := 0
				for j-1-k >= 0 && l.rest[j-1-k] == '\\' {
					k++
				}
				switch {
				case k%2 == 0:
					inQuote = !inQuote
				case !inQuote:
					return "", true, true
				}
			}
		}
		if inQuote {
			return "", true, true
		}
		elem = trimOWS(l.rest[j+1:])
		l.rest = l.rest[:max(j, 0)]
		if elem != "" {
			return elem, true, false
		}
	}
}

// trimOWS removes leading and trailing spaces and tabs (RFC 9110 §5.6.3).
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// hopFields is what one Forwarded element says of a hop.
type hopFields struct {
	node  string // for=, unquoted; "" when absent
	proto string // proto=
	host  string // host=
}

// parseElement parses one element of a Forwarded field (RFC 7239 §4):
//
//	forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
//	forwarded-pair    = token "=" value
//	value             = token / quoted-string
//
// such as `for="[2001:db8::2]:4711";proto=https;by=10.0.0.1`, and reports
// whether it is well formed. Whitespace around ";" is allowed, as senders
// write it; a parameter may appear once. An unquoted value may hold '[',
// ']' and ':', which a token may not, as senders that forget to quote an
// IPv6 node write it.
func parseElement(s string) (hopFields, bool) {
	var h hopFields
	var seen [3]bool
	for i := 0; ; {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			return h, true
		}
		if s[i] == ';' {
			i++
			continue
		}
		k := i
		for i < len(s) && gateway.IsTokenChar(s[i]) {
			i++
		}
		key := s[k:i]
		if key == "" || i == len(s) || s[i] != '=' {
			return h, false
		}
		i++
		var val string
		if i < len(s) && s[i] == '"' {
			end, ok := quotedEnd(s, i)
			if !ok {
				return h, false
			}
			val = s[i+1 : end]
			i = end + 1
		} else {
			v := i
			for i < len(s) && (gateway.IsTokenChar(s[i]) || s[i] == '[' || s[i] == ']' || s[i] == ':') {
				i++
			}
			val = s[v:i]
			if val == "" {
				return h, false
			}
		}
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i < len(s) && s[i] != ';' {
			return h, false
		}
		param := -1
		switch {
		case gateway.EqualFold(key, "for"):
			param, h.node = 0, val
		case gateway.EqualFold(key, "proto"):
			param, h.proto = 1, val
		case gateway.EqualFold(key, "host"):
			param, h.host = 2, val
		}
		if param >= 0 {
			if seen[param] {
				return h, false // RFC 7239 §4: "MUST NOT occur more than once"
			}
			seen[param] = true
		}
	}
}

// quotedEnd returns the index of the quote that ends the quoted string
// starting at s[i] (RFC 9110 §5.6.4):
//
//	quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//	qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//	quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
func quotedEnd(s string, i int) (int, bool) {
	for i++; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i, true
		case c == '\\':
			if i++; i == len(s) || !qdChar(s[i]) && s[i] != '"' && s[i] != '\\' {
				return 0, false
			}
		case !qdChar(c):
			return 0, false
		}
	}
	return 0, false
}

// qdChar reports whether c is qdtext.
func qdChar(c byte) bool {
	return c == '\t' || c == ' ' || c == 0x21 || 0x23 <= c && c <= 0x5b || 0x5d <= c && c <= 0x7e || c >= 0x80
}

// nodeKind is what a forwarding entry names.
type nodeKind uint8

const (
	nodeAddr   nodeKind = iota // an address, with or without a port
	nodeHidden                 // "unknown" or an obfuscated identifier: the walk stops
	nodeBad                    // malformed
)

// parseNode parses a forwarding entry: an X-Forwarded-For entry or the
// value of a Forwarded for= (RFC 7239 §6), one of
//
//	192.0.2.7   192.0.2.7:4711   [2001:db8::2]   [2001:db8::2]:4711
//	2001:db8::2 (bare, as X-Forwarded-For writes it)
//	unknown   _hidden   unknown:4711   192.0.2.7:_port   (RFC 7239 §6.2, §6.3)
//	"" (a Forwarded element without for=: hidden)
//
// and returns the address, unmapped from IPv4-in-IPv6, and its canonical
// text, with the port when there is one. An IPv6 zone, a leading zero in
// an IPv4 field, a host name, a port past 65535 are malformed.
func parseNode(s string) (netip.Addr, string, nodeKind) {
	name, port := s, ""
	bare6 := false
	if s != "" && s[0] == '[' {
		end := indexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, "", nodeBad
		}
		name = s[1:end]
		switch rest := s[end+1:]; {
		case rest == "":
		case rest[0] == ':':
			port = rest[1:]
			if port == "" {
				return netip.Addr{}, "", nodeBad
			}
		default:
			return netip.Addr{}, "", nodeBad
		}
	} else if c := countByte(s, ':'); c == 1 {
		i := indexByte(s, ':')
		name, port = s[:i], s[i+1:]
		if port == "" {
			return netip.Addr{}, "", nodeBad
		}
	} else if c > 1 {
		bare6 = true
	}
	p, hasPort, portHidden := uint16(0), port != "", false
	if hasPort {
		var ok bool
		if p, portHidden, ok = parseNodePort(port); !ok {
			return netip.Addr{}, "", nodeBad
		}
	}
	if s == "" {
		return netip.Addr{}, "", nodeHidden // a Forwarded element without for=
	}
	if s[0] != '[' && (gateway.EqualFold(name, "unknown") || name != "" && name[0] == '_') {
		if name[0] == '_' && !obfuscated(name) {
			return netip.Addr{}, "", nodeBad
		}
		return netip.Addr{}, "", nodeHidden
	}
	a, err := netip.ParseAddr(name)
	if err != nil || a.Zone() != "" || a.Is6() != (s[0] == '[' || bare6) {
		return netip.Addr{}, "", nodeBad
	}
	a = a.Unmap()
	if !hasPort || portHidden {
		return a, canonical(name, a, 0, false), nodeAddr
	}
	return a, canonical(s, a, p, true), nodeAddr
}

// parseNodePort parses a node-port (RFC 7239 §6): 1*5DIGIT up to 65535, or
// an obfuscated port "_" 1*(ALPHA / DIGIT / "." / "_" / "-"), hidden.
func parseNodePort(s string) (port uint16, hidden, ok bool) {
	if s[0] == '_' {
		return 0, true, obfuscated(s)
	}
	if len(s) > 5 {
		return 0, false, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return uint16(n), false, n <= 65535
}

// obfuscated reports whether s is "_" 1*(ALPHA / DIGIT / "." / "_" / "-")
// (RFC 7239 §6.3).
func obfuscated(s string) bool {
	if len(s) < 2 || s[0] != '_' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// canonical returns the text of a, with port when withPort, which is raw
// itself when raw is already that text: the common case allocates nothing.
func canonical(raw string, a netip.Addr, port uint16, withPort bool) string {
	var buf [64]byte
	var b []byte
	if withPort {
		b = netip.AddrPortFrom(a, port).AppendTo(buf[:0])
	} else {
		b = a.AppendTo(buf[:0])
	}
	if string(b) == raw {
		return raw
	}
	return string(b)
}

// validHost reports whether s is a plain host[:port] to be a request's Host:
// 1 to 255 bytes of letters, digits, '-', '.', '_', ':', '[' and ']'. It
// keeps out of the Host every byte that could split a header, a log line or
// an origin comparison.
func validHost(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

func countByte(s string, b byte) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			n++
		}
	}
	return n
}
