package framework

import (
	"strconv"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
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
