package framework

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"miniweb/server/gateway"
)

// Data is what a page handler gives its template: each key is a placeholder
// name (<%content%>, {{ content }}) and its value. Values print escaped,
// except HTML.
type Data map[string]any

// HTML is text the handler vouches for as HTML: it is inserted as it is,
// where any other value is escaped. It is honoured in Data, in maps and
// slices inside it, and in Options.Globals; in a struct field it is escaped
// like a string.
type HTML string

// PageFunc returns the data of a page's template.
type PageFunc func(r *Request) (Data, error)

// HandlerFunc answers a request with a full response.
type HandlerFunc func(r *Request) (*Response, error)

// Response is a handler's answer.
type Response struct {
	// Status is the status code, such as 200 or 303; 0 means 200.
	Status int
	// Header holds extra response fields. Content-Type defaults to
	// "text/html; charset=utf-8".
	Header gateway.Fields
	// Body is the body, when Template is "".
	Body []byte
	// Template, when set, is the template to render with Data as the body.
	Template string
	// Data is the template's data.
	Data Data

	// err is a SetCookie that failed, reported when the response is sent.
	err error
}

// Render returns a 200 response of template rendered with data.
func Render(template string, data Data) *Response {
	return &Response{Template: template, Data: data}
}

// Redirect returns a "303 See Other" to location: after a POST, the browser
// follows it with a GET. Set Status for 301, 302, 307 or 308.
func Redirect(location string) *Response {
	return &Response{Status: 303, Header: gateway.Fields{{Name: "Location", Value: location}}}
}

// AddHeader adds the field name: value to r and returns r.
func (r *Response) AddHeader(name, value string) *Response {
	r.Header = append(r.Header, gateway.Field{Name: name, Value: value})
	return r
}

// SetCookie adds a Set-Cookie field for c to r and returns r. A cookie that
// cannot be sent (see Cookie) makes the response a 500, with the reason in
// the log.
func (r *Response) SetCookie(c Cookie) *Response {
	line, err := c.line()
	if err != nil {
		r.err = errors.Join(r.err, err)
		return r
	}
	return r.AddHeader("Set-Cookie", line)
}

// Cookie is a cookie to set, the fields of a Set-Cookie header (RFC 6265
// §4.1).
type Cookie struct {
	// Name is a token (RFC 9110 §5.6.2).
	Name string
	// Value is made of cookie-octets: printable ASCII but space, DQUOTE,
	// comma, semicolon and backslash (RFC 6265 §4.1.1).
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

// Errors of cookies that cannot be sent.
var (
	ErrCookieName  = errors.New("framework: invalid cookie name")
	ErrCookieValue = errors.New("framework: invalid cookie value")
	ErrCookieAttr  = errors.New("framework: invalid cookie attribute")
)

// line returns the Set-Cookie field value of c:
//
//	set-cookie-string = cookie-pair *( ";" SP cookie-av )
func (c *Cookie) line() (string, error) {
	if !gateway.IsToken(c.Name) {
		return "", fmt.Errorf("%w %q", ErrCookieName, c.Name)
	}
	if !validCookieValue(c.Value) {
		return "", fmt.Errorf("%w for %s", ErrCookieValue, c.Name)
	}
	var b strings.Builder
	b.WriteString(c.Name + "=" + c.Value)
	for _, av := range [...]struct{ name, value string }{{"Path", c.Path}, {"Domain", c.Domain}} {
		if av.value == "" {
			continue
		}
		// path-value = *av-octet: any CHAR except CTLs or ";".
		for i := 0; i < len(av.value); i++ {
			if ch := av.value[i]; ch < 0x20 || ch >= 0x7f || ch == ';' {
				return "", fmt.Errorf("%w: %s of %s", ErrCookieAttr, av.name, c.Name)
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
		return "", fmt.Errorf("%w: SameSite of %s", ErrCookieAttr, c.Name)
	}
	return b.String(), nil
}

// validCookieValue reports whether v is a cookie-value (RFC 6265 §4.1.1)
// without its optional quotes:
//
//	cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// statusLines are the status lines of the codes the framework answers
// most; others get their code alone, which start_response allows.
var statusLines = map[int]string{
	200: "200 OK", 201: "201 Created", 204: "204 No Content",
	301: "301 Moved Permanently", 302: "302 Found", 303: "303 See Other",
	304: "304 Not Modified", 307: "307 Temporary Redirect", 308: "308 Permanent Redirect",
	400: "400 Bad Request", 401: "401 Unauthorized", 403: "403 Forbidden",
	404: "404 Not Found", 405: "405 Method Not Allowed", 409: "409 Conflict",
	410: "410 Gone", 413: "413 Content Too Large", 415: "415 Unsupported Media Type",
	422: "422 Unprocessable Content", 429: "429 Too Many Requests",
	500: "500 Internal Server Error", 501: "501 Not Implemented",
	502: "502 Bad Gateway", 503: "503 Service Unavailable",
}

// statusLine returns the start_response status of code: "404 Not Found".
func statusLine(code int) string {
	if s, ok := statusLines[code]; ok {
		return s
	}
	return strconv.Itoa(code)
}

// reason returns the reason phrase of code, "" when unknown.
func reason(code int) string {
	_, r, _ := strings.Cut(statusLine(code), " ")
	return r
}
