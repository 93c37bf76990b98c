package static

import (
	"strings"
	"unicode/utf8"
)

// maxPathLen bounds the raw request path we are willing to look at, in
// bytes; PATH_MAX on Linux is 4096 and no file under the root can have a
// longer name.
const maxPathLen = 4096

// cleanPath checks the raw request path "/css/site%20main.css" and returns
// the root-relative file name "css/site main.css", with dir reporting a
// trailing slash ("/docs/" gives "docs", true; "/" gives "", true).
//
// status is 0 when the path is acceptable, 400 when it is malformed or
// hostile, and 404 when it names a hidden file. The rules, checked on the
// raw bytes and again on the decoded ones:
//
//   - the path starts with '/' and is at most maxPathLen bytes;
//   - it is percent-decoded exactly once (RFC 3986 §2.1); an invalid escape
//     ("%zz", "%4", "%") is a 400;
//   - an encoded slash "%2F" is a 400: it would make one segment into two;
//   - a backslash (raw or "%5C"), NUL and every other control byte
//     (0x00-0x1F, 0x7F; raw or encoded) are a 400;
//   - the decoded path must be valid UTF-8, else 400: names on disk are
//     UTF-8 and anything else is probing;
//   - an empty segment ("//"), "." or ".." (raw or decoded, so "%2e%2e"
//     too) is a 400: a canonical path has none, and refusing them keeps
//     every Location we build free of "//" (an open redirect);
//   - any other segment starting with '.' ("/.env", "/.git/config",
//     "/sub/.hidden") is hidden: 404.
func cleanPath(raw string) (name string, dir bool, status int) {
	if raw == "" || raw[0] != '/' || len(raw) > maxPathLen {
		return "", false, 400
	}
	escaped := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%':
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return "", false, 400
			}
			d := unhex(raw[i+1])<<4 | unhex(raw[i+2])
			if d == '/' || d == '\\' || d < 0x20 || d == 0x7f {
				return "", false, 400
			}
			escaped = true
			i += 2
		case c == '\\' || c < 0x20 || c == 0x7f:
			return "", false, 400
		}
	}
	p := raw
	if escaped {
		p = unescape(raw)
	}
	if !utf8.ValidString(p) {
		return "", false, 400
	}
	p = p[1:]
	if p == "" {
		return "", true, 0 // the root folder
	}
	if strings.HasSuffix(p, "/") {
		dir = true
		p = p[:len(p)-1] // "//" leaves an empty segment, refused below
	}
	hidden := false
	for rest := p; ; {
		seg, tail, more := strings.Cut(rest, "/")
		switch {
		case seg == "" || seg == "." || seg == "..":
			return "", false, 400
		case seg[0] == '.':
			hidden = true // keep going: a later ".." still earns its 400
		}
		if !more {
			break
		}
		rest = tail
	}
	if hidden {
		return "", false, 404
	}
	return p, dir, 0
}

// unescape decodes the percent escapes of s, which cleanPath has checked.
func unescape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// isHiddenRel reports whether the slash-separated relative path rel has a
// segment starting with '.'; it is how a symlink's target is held to the
// same rule as the request path.
func isHiddenRel(rel string) bool {
	for rest := rel; rest != ""; {
		seg, tail, _ := strings.Cut(rest, "/")
		if seg != "" && seg[0] == '.' {
			return true
		}
		rest = tail
	}
	return false
}

// validQuery reports whether the raw query q may be echoed in a Location
// header: visible ASCII only, so no header splitting.
func validQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		if q[i] <= ' ' || q[i] >= 0x7f {
			return false
		}
	}
	return true
}
