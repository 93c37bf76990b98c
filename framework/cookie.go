package framework

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// Cookie is a cookie to set, the fields of a Set-Cookie header (RFC 6265
// §4.1).
type Cookie struct {
	// Name is a token (RFC 9110 §5.6.2): "sid", not "a b" or "".
	Name string
	// Value is any string. A value made only of cookie-octets (RFC 6265
	// §4.1.1: printable ASCII but space, DQUOTE, comma, semicolon and
	// backslash) and without '%' is sent as it is; any other is sent
	// percent-encoded: each byte that is not a cookie-octet, and each '%',
	// becomes %XX ("a b%" is sent as "a%20b%25"). Request.Cookie undoes
	// it, so the value reads back as it was set.
	Value string
	// Path and Domain scope the cookie; "" sends none, so the browser uses
	// the request's.
	Path, Domain string
	// MaxAge is its lifetime in seconds; 0 means a session cookie, and a
	// negative value deletes the cookie now (Max-Age=0).
	MaxAge int
	// Secure sends the cookie over https only; HttpOnly hides it from
	// scripts.
	Secure, HttpOnly bool
	// SameSite is "Lax", "Strict", "None" or "" (none sent).
	SameSite string
}

// Errors of cookies that cannot be sent, returned by Response.SetCookie.
var (
	ErrCookieName = errors.New("framework: invalid cookie name")
	ErrCookieAttr = errors.New("framework: invalid cookie attribute")
)

// SetCookie adds a Set-Cookie field for c to r. A cookie that cannot be
// sent, for its name or an attribute (see Cookie), is an error wrapping
// ErrCookieName or ErrCookieAttr, and r is left as it was; any value can
// be sent.
//
// It returns an error rather than r, so that a mistake shows where the
// handler made it instead of as a 500 after the handler is done.
func (r *Response) SetCookie(c Cookie) error {
	line, err := c.line()
	if err != nil {
		return err
	}
	r.AddHeader("Set-Cookie", line)
	return nil
}

// line returns the Set-Cookie field value of c:
//
//	set-cookie-string = cookie-pair *( ";" SP cookie-av )
func (c *Cookie) line() (string, error) {
	if !gateway.IsToken(c.Name) {
		return "", fmt.Errorf("%w %q: want an RFC 9110 token", ErrCookieName, c.Name)
	}
	var b strings.Builder
	b.WriteString(c.Name + "=" + encodeCookieValue(c.Value))
	for _, av := range [...]struct{ name, value string }{{"Path", c.Path}, {"Domain", c.Domain}} {
		if av.value == "" {
			continue
		}
		// path-value = *av-octet: any CHAR except CTLs or ";".
		for i := 0; i < len(av.value); i++ {
			if ch := av.value[i]; ch < 0x20 || ch >= 0x7f || ch == ';' {
				return "", fmt.Errorf("%w: %s %q of cookie %s: byte %d is a control, non-ASCII or ';'",
					ErrCookieAttr, av.name, av.value, c.Name, i)
			}
		}
		b.WriteString("; " + av.name + "=" + av.value)
	}
	switch {
	case c.MaxAge > 0:
		b.WriteString("; Max-Age=" + strconv.Itoa(c.MaxAge))
	case c.MaxAge < 0:
		b.WriteString("; Max-Age=0")
	}
	if c.Secure {
		b.WriteString("; Secure")
	}
	if c.HttpOnly {
		b.WriteString("; HttpOnly")
	}
	switch c.SameSite {
	case "":
	case "Lax", "Strict", "None":
		b.WriteString("; SameSite=" + c.SameSite)
	default:
		return "", fmt.Errorf("%w: SameSite %q of cookie %s: want \"Lax\", \"Strict\", \"None\" or \"\"",
			ErrCookieAttr, c.SameSite, c.Name)
	}
	return b.String(), nil
}

// Cookie returns the value of the cookie called name and whether the
// request has one. The Cookie field is (RFC 6265 §4.2.1)
//
//	cookie-string = cookie-pair *( ";" SP cookie-pair )
//
// read leniently: spaces around pairs are dropped, and pairs that are not
// name=cookie-value are skipped. A value holding '%' is percent-decoded,
// undoing what Response.SetCookie encodes (see Cookie.Value), unless it
// holds a '%' not followed by two hex digits: then it was not encoded by
// the framework and is returned as sent. The value is the client's: it
// may be any bytes, not only UTF-8; a site trusts only what it signed.
func (r *Request) Cookie(name string) (string, bool) {
	for _, f := range r.Header {
		if !strings.EqualFold(f.Name, "Cookie") {
			continue
		}
		for s := f.Value; s != ""; {
			var pair string
			pair, s, _ = strings.Cut(s, ";")
			k, v, ok := strings.Cut(strings.Trim(pair, " \t"), "=")
			if !ok || k != name {
				continue
			}
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return decodeCookieValue(v), true
			}
		}
	}
	return "", false
}

// isCookieOctet reports whether c may appear in a cookie-value as it is
// (RFC 6265 §4.1.1):
//
//	cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
func isCookieOctet(c byte) bool {
	return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\'
}

// validCookieValue reports whether v is a cookie-value (RFC 6265 §4.1.1)
// without its optional quotes.
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isCookieOctet(v[i]) {
			return false
		}
	}
	return true
}

// encodeCookieValue returns v as cookie-octets: v itself when it is made of
// them and holds no '%', else v with each byte that is not one, and each
// '%', written %XX: `say "hi"` is "say%20%22hi%22". Encoding '%' as well is
// what makes decoding unambiguous.
func encodeCookieValue(v string) string {
	n := 0
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isCookieOctet(c) || c == '%' {
			n++
		}
	}
	if n == 0 {
		return v
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(v)+2*n)
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isCookieOctet(c) || c == '%' {
			b = append(b, '%', hex[c>>4], hex[c&0xf])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// decodeCookieValue undoes encodeCookieValue: "say%20%22hi%22" is
// `say "hi"`. A value without '%' is returned as it is, and so is one with
// a '%' not followed by two hex digits, which encodeCookieValue never
// writes: a cookie another program set.
func decodeCookieValue(v string) string {
	if strings.IndexByte(v, '%') < 0 {
		return v
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			b = append(b, v[i])
			continue
		}
		if i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) {
			return v
		}
		b = append(b, unhex(v[i+1])<<4|unhex(v[i+2]))
		i += 2
	}
	return string(b)
}

// isHex reports whether c is a hex digit, of either case.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unhex returns the value of the hex digit c.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}
