package http2

import (
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// requestHead is a request's head as its header block decodes, checked
// field by field against RFC 9113 §8.2 and §8.3 (see add and finish).
type requestHead struct {
	method, scheme, authority, path string
	host                            string
	hasHost                         bool // a host field came, maybe empty
	fields                          []gateway.Field
	contentLength                   int64 // -1: none given
	size                            uint32
	maxSize                         uint32
	tooLarge                        bool
	sawRegular                      bool
	trailers                        bool   // a trailer section: no pseudo-header allowed
	bad                             string // why the request is malformed; "" if it is not
}

// reset empties h for a new header block, keeping its fields' storage.
func (h *requestHead) reset(maxSize uint32, trailers bool) {
	fields := h.fields[:0]
	clear(h.fields[:cap(h.fields)])
	*h = requestHead{fields: fields, contentLength: -1, maxSize: maxSize, trailers: trailers}
}

// malformed records the first reason the request is malformed.
func (h *requestHead) malformed(why string) {
	if h.bad == "" {
		h.bad = why
	}
}

// add checks one decoded field and keeps it (RFC 9113 §8.2, §8.3):
//
//   - field names are lowercase tokens, values have no NUL, CR or LF and
//     no leading or trailing SP or HTAB (§8.2.1);
//   - pseudo-header fields (":method", ":scheme", ":authority", ":path")
//     come before any other field, each at most once, and no other name
//     starting with ':' is allowed (§8.3); trailers carry none (§8.1);
//   - connection-specific fields (Connection, Keep-Alive,
//     Proxy-Connection, Transfer-Encoding, Upgrade) are refused, and TE
//     may only be "trailers" (§8.2.2);
//   - content-length is digits, and the same value if repeated.
//
// Beyond maxSize (the header list size, §6.5.2: name + value + 32 each)
// fields are counted and no longer kept.
func (h *requestHead) add(name, value string) {
	h.size += uint32(len(name) + len(value) + 32)
	if h.size > h.maxSize {
		h.tooLarge = true
	}
	if h.tooLarge || h.bad != "" {
		return
	}
	if len(name) > 0 && name[0] == ':' {
		if h.trailers {
			h.malformed("pseudo-header field in trailers")
			return
		}
		if h.sawRegular {
			h.malformed("pseudo-header field after a regular field")
			return
		}
		var p *string
		switch name {
		case ":method":
			p = &h.method
		case ":scheme":
			p = &h.scheme
		case ":authority":
			p = &h.authority
		case ":path":
			p = &h.path
		default:
			h.malformed("unknown pseudo-header field")
			return
		}
		if *p != "" || value == "" && name != ":authority" {
			h.malformed("repeated or empty " + name)
			return
		}
		if !validValue(value) {
			h.malformed("bad value of " + name)
			return
		}
		*p = value
		if name == ":authority" && value == "" {
			*p = "\x00" // present but empty: marked, cleared in finish
		}
		return
	}
	h.sawRegular = true
	if !validName(name) {
		h.malformed("field name not a lowercase token")
		return
	}
	if !validValue(value) {
		h.malformed("bad field value")
		return
	}
	switch name {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
		h.malformed("connection-specific field " + name)
		return
	case "te":
		if value != "trailers" {
			h.malformed(`TE other than "trailers"`)
			return
		}
	case "content-length":
		n, ok := parseLength(value)
		if !ok || h.contentLength >= 0 && h.contentLength != n {
			h.malformed("bad content-length")
			return
		}
		if h.contentLength >= 0 {
			return // a repeat of the same value
		}
		h.contentLength = n
	case "host":
		if h.hasHost {
			h.malformed("repeated host")
			return
		}
		h.host, h.hasHost = value, true
	}
	h.fields = append(h.fields, gateway.Field{Name: name, Value: value})
}

// finish checks what a request head as a whole requires (RFC 9113 §8.3.1):
// :method, :scheme and a non-empty :path, except CONNECT, which has
// :method and :authority only; :path is "/..." or "*" for OPTIONS; a Host
// field, if any, names the same authority (§8.3.1); cookie crumbs are
// joined into one field with "; " (§8.2.3).
func (h *requestHead) finish() {
	if h.authority == "\x00" {
		h.authority = ""
	}
	if h.tooLarge || h.bad != "" || h.trailers {
		return
	}
	if h.method == "" {
		h.malformed("no :method")
		return
	}
	if !gateway.IsToken(h.method) {
		h.malformed("bad :method")
		return
	}
	if h.method == "CONNECT" {
		if h.scheme != "" || h.path != "" || h.authority == "" {
			h.malformed("CONNECT with :scheme or :path, or without :authority")
		}
		return
	}
	if h.scheme == "" || h.path == "" {
		h.malformed("no :scheme or :path")
		return
	}
	if h.path[0] != '/' && !(h.path == "*" && h.method == "OPTIONS") {
		h.malformed(":path neither absolute nor * with OPTIONS")
		return
	}
	if h.hasHost {
		if h.authority == "" {
			h.authority = h.host
		} else if h.host != h.authority { // an empty host differs too
			h.malformed("host differs from :authority")
			return
		}
	}
	h.joinCookies()
}

// joinCookies makes the cookie fields one, at the place of the first.
func (h *requestHead) joinCookies() {
	first, n := -1, 0
	for i, f := range h.fields {
		if f.Name == "cookie" {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if n < 2 {
		return
	}
	var b strings.Builder
	out := h.fields[:first+1]
	for _, f := range h.fields[first:] {
		if f.Name != "cookie" {
			out = append(out, f)
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Value)
	}
	out[first].Value = b.String()
	clear(h.fields[len(out):])
	h.fields = out
}

// validName reports whether name is a field name in HTTP/2's form: a
// token of lowercase letters (RFC 9113 §8.2.1).
func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !gateway.IsTokenChar(c) || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// validValue reports whether v is a field value HTTP/2 allows: no NUL, CR
// or LF, and no SP or HTAB at either end (RFC 9113 §8.2.1).
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case 0, '\r', '\n':
			return false
		}
	}
	if v != "" {
		if c := v[0]; c == ' ' || c == '\t' {
			return false
		}
		if c := v[len(v)-1]; c == ' ' || c == '\t' {
			return false
		}
	}
	return true
}

// parseLength parses a content-length value: 1*DIGIT, at most 18 digits.
func parseLength(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
