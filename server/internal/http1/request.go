package http1

import (
	"bytes"
	"fmt"
	"math"
	"strings"
)

// Default limits, used for zero fields of Limits.
const (
	// DefaultMaxRequestLine is the default Limits.MaxRequestLine, 8 KiB.
	DefaultMaxRequestLine = 8 << 10
	// DefaultMaxHeaderBytes is the default Limits.MaxHeaderBytes, 32 KiB.
	DefaultMaxHeaderBytes = 32 << 10
	// DefaultMaxHeaders is the default Limits.MaxHeaders, 100 field lines.
	DefaultMaxHeaders = 100
)

// maxLeadingEmptyLines is how many empty lines (CRLF) before a request line
// are ignored (RFC 9112 §2.2: a server SHOULD ignore at least one). A client
// that sends more is not speaking HTTP.
const maxLeadingEmptyLines = 4

// Field is one field line of a header or trailer section (RFC 9112 §5):
// Name exactly as sent (not canonicalised) and Value without the optional
// whitespace around it.
type Field struct {
	Name  string // field-name, a token, case as received
	Value string // field-value, without leading and trailing SP and HTAB
}

// Limits bounds the size of a request head. A zero field takes its default.
type Limits struct {
	// MaxRequestLine is the maximum length in bytes of the request line,
	// CRLF included (RFC 9112 §3); a longer one is ErrRequestLineTooLong
	// (414). Zero means DefaultMaxRequestLine.
	MaxRequestLine int
	// MaxHeaderBytes is the maximum length in bytes of the field lines of
	// the header section, their CRLFs included, not counting the request
	// line or the final empty line (RFC 9112 §2.1); more is
	// ErrHeaderTooLarge (431). It bounds the trailer section of a chunked
	// body the same way (RFC 9112 §7.1.2). Zero means DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxHeaders is the maximum number of field lines of the header
	// section, and of a trailer section; more is ErrTooManyHeaders (431).
	// Zero means DefaultMaxHeaders.
	MaxHeaders int
}

// withDefaults returns l with zero or negative fields set to their defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxRequestLine <= 0 {
		l.MaxRequestLine = DefaultMaxRequestLine
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultMaxHeaders
	}
	return l
}

// Request is the head of one HTTP/1.x request as parsed by
// Reader.ReadRequest. A Request is reused from one request to the next: its
// Header and Trailer slices are truncated and refilled, so a caller that
// keeps a Field past the next ReadRequest must copy it (the strings
// themselves are immutable and safe to keep).
type Request struct {
	// Method is the request method, e.g. "GET" (RFC 9112 §3.1); it is
	// always one of GET HEAD POST PUT DELETE OPTIONS TRACE PATCH.
	Method string
	// Target is the request-target exactly as sent, e.g. "/a%20b?x=1",
	// "http://h/p" or "*" (RFC 9112 §3.2).
	Target string
	// Path is the path of Target, still percent-encoded, e.g. "/a%20b":
	// for origin-form the part before '?'; for absolute-form the path
	// after the authority, "/" if empty; "*" for asterisk-form.
	Path string
	// Query is the part of Target after the first '?', without it; "" if
	// there is none.
	Query string
	// Proto is "HTTP/1.1" or "HTTP/1.0": the version the request is
	// processed as. A request sent as "HTTP/1.2" to "HTTP/1.9" is processed
	// as HTTP/1.1 (RFC 9110 §2.5), so its Proto is "HTTP/1.1", and that is
	// what an application sees as SERVER_PROTOCOL.
	Proto string
	// Minor is the minor version Proto names, 1 or 0; it is 1 for
	// "HTTP/1.2" to "HTTP/1.9", with every HTTP/1.1 default (persistent
	// connections, chunked bodies, Host required, 100-continue).
	Minor int
	// Header holds every field line of the header section, in order.
	Header []Field
	// Host is the Host field value, or the authority of an absolute-form
	// target, which takes precedence (RFC 9112 §3.2.2); "" if neither.
	Host string
	// ContentLength is the declared body length in bytes: 0 when there is
	// no body, -1 when the body is chunked (RFC 9112 §6.3).
	ContentLength int64
	// Chunked reports a "Transfer-Encoding: chunked" body.
	Chunked bool
	// Close reports that the connection must close after the response:
	// a "close" option in any Connection field, or HTTP/1.0 without a
	// "keep-alive" option (RFC 9112 §9.3, §9.6).
	Close bool
	// Expect100 reports "Expect: 100-continue" on HTTP/1.1 (RFC 9110
	// §10.1.1). It is false on HTTP/1.0, where the expectation is ignored.
	Expect100 bool
	// Trailer holds the trailer section of a chunked body once the body
	// has been read to its end (RFC 9112 §7.1.2); empty until then.
	Trailer []Field
}

// reset clears r for the next request, keeping the capacity of its slices.
func (r *Request) reset() {
	*r = Request{Header: r.Header[:0], Trailer: r.Trailer[:0]}
}

// prevField returns the field at index i of the previous request's fields,
// still held past the length of fields, or a zero Field.
func prevField(fields []Field, i int) Field {
	if i < cap(fields) {
		return fields[:cap(fields)][i]
	}
	return Field{}
}

// Get returns the value of the first header field whose name equals name
// under ASCII case folding, or "" if there is none. Get("host") finds
// "Host: example.com".
func (r *Request) Get(name string) string {
	for i := range r.Header {
		if equalFold(r.Header[i].Name, name) {
			return r.Header[i].Value
		}
	}
	return ""
}

// parseMethod returns the method in m as a constant string, with no
// allocation (RFC 9112 §3.1, RFC 9110 §9):
//
//	method = token
//
// It returns ErrBadMethod if m is not a token and ErrMethodNotImplemented
// for any other token, including CONNECT and lower-case spellings, since
// methods are case-sensitive.
func parseMethod(m []byte) (string, error) {
	switch string(m) {
	case "GET":
		return "GET", nil
	case "HEAD":
		return "HEAD", nil
	case "POST":
		return "POST", nil
	case "PUT":
		return "PUT", nil
	case "DELETE":
		return "DELETE", nil
	case "OPTIONS":
		return "OPTIONS", nil
	case "TRACE":
		return "TRACE", nil
	case "PATCH":
		return "PATCH", nil
	}
	if !isToken(m) {
		return "", wrap(ErrBadMethod, "method", m)
	}
	return "", wrap(ErrMethodNotImplemented, "method", m)
}

// parseVersion parses "HTTP/1.1" into its minor version (RFC 9112 §2.3):
//
//	HTTP-version = HTTP-name "/" DIGIT "." DIGIT
//	HTTP-name    = %s"HTTP"
//
// A higher minor version of major version 1, "HTTP/1.2" to "HTTP/1.9", is
// processed as HTTP/1.1, the highest minor version we support (RFC 9110
// §2.5), so it returns "HTTP/1.1", 1 for them, and the response says
// HTTP/1.1. Any other major version, "HTTP/0.9" and "HTTP/2.0" included,
// is well formed but not supported (505).
func parseVersion(v []byte) (proto string, minor int, err error) {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9' {
		return "", 0, wrap(ErrBadVersion, "version", v)
	}
	switch {
	case v[5] != '1':
		return "", 0, wrap(ErrVersionNotSupported, "version", v)
	case v[7] == '0':
		return "HTTP/1.0", 0, nil
	}
	return "HTTP/1.1", 1, nil
}

// parseRequestLine parses "GET /foo HTTP/1.1" (CRLF already removed) into
// req (RFC 9112 §3):
//
//	request-line   = method SP request-target SP HTTP-version
//	request-target = origin-form / absolute-form / authority-form / asterisk-form
//
// Exactly one SP separates the parts. Syntax errors (400) are reported
// before an unsupported version (505), which is reported before an
// unimplemented method (501); last comes a target form the method does not
// allow (400), such as "*" with GET.
func (rd *Reader) parseRequestLine(line []byte, req *Request, prevTarget string) error {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return wrap(ErrBadRequestLine, "line", line)
	}
	m := line[:sp1]
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 {
		// No version (an HTTP/0.9 "GET /" line) or two SPs in a row.
		return wrap(ErrBadRequestLine, "line", line)
	}
	target, version := rest[:sp2], rest[sp2+1:]
	if bytes.IndexByte(version, ' ') >= 0 {
		return wrap(ErrBadRequestLine, "line", line)
	}
	if !isToken(m) {
		return wrap(ErrBadMethod, "method", m)
	}
	for _, c := range target {
		if !targetChar[c] {
			return wrap(ErrBadTarget, "target", target)
		}
	}
	proto, minor, err := parseVersion(version)
	if err != nil {
		return err
	}
	method, err := parseMethod(m)
	if err != nil {
		return err
	}
	req.Method, req.Proto, req.Minor = method, proto, minor
	return rd.parseTarget(target, req, prevTarget)
}

// parseTarget sets req.Target, Path, Query and, for absolute-form, Host
// (RFC 9112 §3.2):
//
//	origin-form   = absolute-path [ "?" query ]
//	absolute-form = absolute-URI              ; http or https only
//	asterisk-form = "*"                       ; OPTIONS only
//
// authority-form is only for CONNECT, which parseMethod already refused.
// Path and Query are substrings of Target, so only Target is allocated (or
// interned).
func (rd *Reader) parseTarget(t []byte, req *Request, prev string) error {
	switch {
	case t[0] == '/':
		s := rd.str(t, prev)
		req.Target, req.Path = s, s
		if i := bytes.IndexByte(t, '?'); i >= 0 {
			req.Path, req.Query = s[:i], s[i+1:]
		}
		return nil
	case len(t) == 1 && t[0] == '*':
		if req.Method != "OPTIONS" {
			return detail(ErrBadTarget, `"*" with a method other than OPTIONS`)
		}
		req.Target, req.Path = "*", "*"
		return nil
	}
	var n int // length of "http://" or "https://"
	switch {
	case hasPrefixFold(t, "http://"):
		n = len("http://")
	case hasPrefixFold(t, "https://"):
		n = len("https://")
	default:
		return wrap(ErrBadTarget, "target", t)
	}
	end := len(t)
	for i := n; i < len(t); i++ {
		if t[i] == '/' || t[i] == '?' {
			end = i
			break
		}
	}
	s := rd.str(t, prev)
	auth := s[n:end]
	// RFC 9110 §4.2.1: an http URI with an empty host is invalid and MUST
	// be rejected; §4.2.4: userinfo is refused by validHost ('@').
	if len(auth) == 0 || auth[0] == ':' || !validHost(auth) {
		return wrap(ErrBadTarget, "authority", t[n:end])
	}
	req.Target, req.Host = s, auth
	path := s[end:]
	if i := bytes.IndexByte(t[end:], '?'); i >= 0 {
		path, req.Query = s[end:end+i], s[end+i+1:]
	}
	if path == "" {
		path = "/"
	}
	req.Path = path
	return nil
}

// parseField parses a field line "Name: value" (CRLF already removed)
// (RFC 9112 §5, RFC 9110 §5.5):
//
//	field-line  = field-name ":" OWS field-value OWS
//	field-name  = token
//	field-value = *field-content
//
// Whitespace before the colon is refused (RFC 9112 §5.1), as is obs-fold, a
// line starting with SP or HTAB (§5.2), and any control character in the
// value other than HTAB (RFC 9110 §5.5). prev is the field at the same
// index in the previous request, whose strings are reused if the bytes are
// the same: a keep-alive client repeats its fields in the same order.
func (rd *Reader) parseField(line []byte, prev Field) (Field, error) {
	if len(line) > 0 && isOWS(line[0]) {
		return Field{}, wrap(ErrBadHeader, "obs-fold", line)
	}
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return Field{}, wrap(ErrBadHeader, "no colon in", line)
	}
	name := line[:colon]
	if !isToken(name) {
		return Field{}, wrap(ErrBadHeader, "field name", name)
	}
	value := trimOWS(line[colon+1:])
	if !validFieldValue(value) {
		return Field{}, fmt.Errorf("%w: value of %s: %s", ErrBadHeader, snippet(name), snippet(value))
	}
	f := Field{Name: prev.Name, Value: prev.Value}
	if string(name) != prev.Name {
		f.Name = rd.name(name)
	}
	if string(value) != prev.Value {
		f.Value = rd.intern(value)
	}
	return f, nil
}

// Field names that ReadRequest interprets.
const (
	kindOther = iota
	kindHost
	kindContentLength
	kindTransferEncoding
	kindConnection
	kindExpect
)

// fieldKind classifies a field name, ignoring ASCII case.
func fieldKind(name string) int {
	switch len(name) {
	case 4:
		if equalFold(name, "host") {
			return kindHost
		}
	case 6:
		if equalFold(name, "expect") {
			return kindExpect
		}
	case 10:
		if equalFold(name, "connection") {
			return kindConnection
		}
	case 14:
		if equalFold(name, "content-length") {
			return kindContentLength
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			return kindTransferEncoding
		}
	}
	return kindOther
}

// finish interprets the fields of a complete header section: Host,
// Content-Length, Transfer-Encoding, Connection and Expect, in that order
// of precedence for errors (RFC 9112 §3.2, §6.1, §6.3, §9.6).
func finish(req *Request) error {
	var (
		hosts, lengths int
		host           string
		teCount        int
		closeOpt       bool
		keepAliveOpt   bool
		badExpect      *Field // reported last: a framing error comes first
	)
	for i := range req.Header {
		f := &req.Header[i]
		switch fieldKind(f.Name) {
		case kindHost:
			hosts++
			host = f.Value
		case kindContentLength:
			lengths++
			if lengths > 1 {
				// RFC 9112 §6.3 allows collapsing identical values; we
				// refuse any repetition (CVE-2019-16792).
				return detail(ErrBadContentLength, "repeated Content-Length")
			}
			n, ok := parseContentLength(f.Value)
			if !ok {
				return wrap(ErrBadContentLength, "value", []byte(f.Value))
			}
			req.ContentLength = n
		case kindTransferEncoding:
			teCount++
		case kindConnection:
			c, k := connectionOptions(f.Value)
			closeOpt = closeOpt || c
			keepAliveOpt = keepAliveOpt || k
		case kindExpect:
			if !equalFold(f.Value, "100-continue") {
				if badExpect == nil {
					badExpect = f
				}
				continue
			}
			// RFC 9110 §10.1.1: ignore 100-continue on HTTP/1.0.
			req.Expect100 = req.Minor == 1
		}
	}

	switch {
	case hosts > 1:
		return ErrDuplicateHost
	case hosts == 0 && req.Minor == 1:
		return ErrMissingHost
	case hosts == 1 && !validHost(host):
		return wrap(ErrBadHost, "Host", []byte(host))
	}
	if req.Host == "" {
		// An absolute-form target's authority takes precedence
		// (RFC 9112 §3.2.2); parseTarget has set it already.
		req.Host = host
	}

	if teCount > 0 {
		if req.Minor == 0 {
			// RFC 9112 §6.1: the framing of an HTTP/1.0 message with
			// Transfer-Encoding is faulty.
			return detail(ErrBadTransferEncoding, "Transfer-Encoding on HTTP/1.0")
		}
		if lengths > 0 {
			return ErrContentLengthWithTE
		}
		if err := checkTransferCodings(req.Header); err != nil {
			return err
		}
		req.Chunked, req.ContentLength = true, -1
	}

	req.Close = closeOpt || (req.Minor == 0 && !keepAliveOpt)
	if badExpect != nil {
		return wrap(ErrExpectation, "Expect", []byte(badExpect.Value))
	}
	return nil
}

// parseContentLength parses a Content-Length value (RFC 9110 §8.6):
//
//	Content-Length = 1*DIGIT
//
// No sign, no inner whitespace, no list, and the value must fit in int63.
func parseContentLength(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, false // overflows int63
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// connectionOptions reports whether the Connection value v, a list of
// tokens (RFC 9110 §7.6.1), holds "close" and whether it holds "keep-alive",
// ignoring case and the whitespace around commas.
func connectionOptions(v string) (closeOpt, keepAlive bool) {
	for v != "" {
		var opt string
		if i := strings.IndexByte(v, ','); i >= 0 {
			opt, v = v[:i], v[i+1:]
		} else {
			opt, v = v, ""
		}
		opt = trimOWSString(opt)
		switch {
		case equalFold(opt, "close"):
			closeOpt = true
		case equalFold(opt, "keep-alive"):
			keepAlive = true
		}
	}
	return closeOpt, keepAlive
}

// checkTransferCodings checks the Transfer-Encoding fields of header, a
// list whose elements may be spread over several fields (RFC 9112 §6.1,
// RFC 9110 §5.6.1):
//
//	Transfer-Encoding = #transfer-coding
//	transfer-coding   = token *( OWS ";" OWS transfer-parameter )
//
// chunked must be the final coding and appear once, else
// ErrBadTransferEncoding (400); any other coding is
// ErrUnsupportedTransferEncoding (501), since chunked is all we implement.
// Empty list elements, which RFC 9110 §5.6.1 lets a recipient skip, are
// refused: a framing field is no place for leniency.
func checkTransferCodings(header []Field) error {
	var chunked, other, chunkedLast bool
	for i := range header {
		if fieldKind(header[i].Name) != kindTransferEncoding {
			continue
		}
		for v, more := header[i].Value, true; more; {
			c := v
			if i := strings.IndexByte(v, ','); i >= 0 {
				c, v = v[:i], v[i+1:]
			} else {
				more = false
			}
			c = trimOWSString(c)
			switch {
			case c == "":
				return detail(ErrBadTransferEncoding, "empty list element")
			case equalFold(c, "chunked"):
				if chunked {
					return detail(ErrBadTransferEncoding, "chunked applied twice")
				}
				chunked, chunkedLast = true, true
				continue
			}
			chunkedLast = false
			name := c // a parameter makes it a coding we do not implement
			if i := strings.IndexByte(c, ';'); i >= 0 {
				name = trimOWSString(c[:i])
			}
			if !isToken(name) {
				return wrap(ErrBadTransferEncoding, "coding", []byte(c))
			}
			other = true
		}
	}
	switch {
	case chunked && !chunkedLast:
		return detail(ErrBadTransferEncoding, "chunked is not the final coding")
	case other:
		return detail(ErrUnsupportedTransferEncoding, "only chunked is implemented")
	}
	return nil
}
