package gateway

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
)

// Environ is the request as a server hands it to an application: PEP 3333's
// environ dictionary as a struct. [Environ.Get] reaches the same values by
// their CGI names.
type Environ struct {
	// Method is the request method, such as "GET" (REQUEST_METHOD).
	Method string
	// ScriptName is the path prefix the application is mounted at, without
	// a trailing slash; "" when it is mounted at the root (SCRIPT_NAME).
	ScriptName string
	// Path is the rest of the request path, percent-decoded (PATH_INFO).
	Path string
	// RawPath is the path as sent, still percent-encoded.
	RawPath string
	// Query is the query string without the "?"; "" if none (QUERY_STRING).
	Query string
	// Protocol is "HTTP/1.1", "HTTP/1.0" or "HTTP/2.0" (SERVER_PROTOCOL):
	// the version the request is processed as, so "HTTP/1.1" for a request
	// sent as HTTP/1.2 to HTTP/1.9 (RFC 9110 §2.5).
	Protocol string
	// ServerName and ServerPort are the host and port the request was sent
	// to: from the Host field when there is one, else from the listener
	// (SERVER_NAME, SERVER_PORT).
	ServerName, ServerPort string
	// RemoteAddr is the client's "ip:port" (REMOTE_ADDR and REMOTE_PORT).
	// Behind a proxy the server trusts, it is the client the proxy names,
	// which may be a bare "ip" when the proxy gives no port.
	RemoteAddr string
	// PeerAddr is the "ip:port" of the connection's other end: RemoteAddr,
	// unless RemoteAddr comes from a trusted proxy (forwarding fields, the
	// PROXY protocol), which PeerAddr then is. "" when the server does not
	// say.
	PeerAddr string
	// Scheme is "http" or "https" (wsgi.url_scheme).
	Scheme string
	// Host is the Host field value, or the authority of an absolute-form
	// request target.
	Host string
	// Header holds the request header fields in the order sent, names as
	// sent (HTTP_* variables).
	Header Fields
	// ContentLength is the declared body length; -1 when the length is not
	// known in advance (a chunked body); 0 when there is no body.
	ContentLength int64
	// Body reads the request body (wsgi.input). It returns io.EOF at the end
	// of the body and never reads past it; it is never nil. A read past the
	// server's body limit returns an error.
	Body io.Reader
	// Log receives the application's error messages (wsgi.errors); nil
	// means slog.Default().
	Log *slog.Logger
	// Route is set by the application, not the server: the pattern of the
	// route that answered, such as "/stock/{code}.py", as net/http's
	// Request.Pattern. The server counts the request under it in its
	// metrics; "" names none (counted as "app"). It must be one of a
	// bounded set, the patterns a router registered, never the path:
	// every distinct value is a series of its own.
	Route string

	once   sync.Once
	ctx    context.Context
	newCtx func() context.Context
}

// Context returns the request's context. A server cancels it when the client
// goes away, when the server shuts down, and when the response ends. Without
// a context from the server it is context.Background().
func (e *Environ) Context() context.Context {
	e.once.Do(func() {
		if e.ctx == nil && e.newCtx != nil {
			e.ctx = e.newCtx()
		}
		if e.ctx == nil {
			e.ctx = context.Background()
		}
	})
	return e.ctx
}

// SetContext sets the context [Environ.Context] returns.
func (e *Environ) SetContext(ctx context.Context) {
	e.once = sync.Once{}
	e.ctx, e.newCtx = ctx, nil
}

// SetContextFunc makes [Environ.Context] call f on its first use and return
// f's context from then on. Servers use it to make a context only for the
// applications that ask for one.
func (e *Environ) SetContextFunc(f func() context.Context) {
	e.once = sync.Once{}
	e.ctx, e.newCtx = nil, f
}

// Logger returns Log, or slog.Default() when Log is nil.
func (e *Environ) Logger() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.Default()
}

// Reset clears e for another request, keeping the Header slice's storage.
func (e *Environ) Reset() {
	h := e.Header[:0]
	*e = Environ{Header: h}
}

// Get returns the value of a CGI or WSGI variable of PEP 3333, or "" when
// the request has none:
//
//	REQUEST_METHOD SCRIPT_NAME PATH_INFO QUERY_STRING CONTENT_TYPE
//	CONTENT_LENGTH SERVER_NAME SERVER_PORT SERVER_PROTOCOL REMOTE_ADDR
//	REMOTE_PORT REQUEST_URI wsgi.url_scheme HTTP_<NAME>
//
// HTTP_<NAME> is the request field whose name, upper-cased with "-" as "_",
// is NAME; several fields of that name are joined with ", ". Fields whose
// names contain "_" are never reachable this way, so "X_Forwarded_For"
// cannot pass for "X-Forwarded-For" (as in nginx and Apache).
func (e *Environ) Get(name string) string {
	switch name {
	case "REQUEST_METHOD":
		return e.Method
	case "SCRIPT_NAME":
		return e.ScriptName
	case "PATH_INFO":
		return e.Path
	case "QUERY_STRING":
		return e.Query
	case "CONTENT_TYPE":
		return e.Header.Get("Content-Type")
	case "CONTENT_LENGTH":
		return e.Header.Get("Content-Length")
	case "SERVER_NAME":
		return e.ServerName
	case "SERVER_PORT":
		return e.ServerPort
	case "SERVER_PROTOCOL":
		return e.Protocol
	case "REMOTE_ADDR", "REMOTE_PORT":
		host, port, err := net.SplitHostPort(e.RemoteAddr)
		if err != nil {
			if name == "REMOTE_ADDR" {
				return e.RemoteAddr
			}
			return ""
		}
		if name == "REMOTE_ADDR" {
			return host
		}
		return port
	case "REQUEST_URI":
		if e.Query == "" {
			return e.RawPath
		}
		return e.RawPath + "?" + e.Query
	case "wsgi.url_scheme":
		return e.Scheme
	}
	cgi, ok := strings.CutPrefix(name, "HTTP_")
	if !ok || cgi == "" {
		return ""
	}
	var vals []string
	for _, f := range e.Header {
		if cgiNameIs(f.Name, cgi) {
			vals = append(vals, f.Value)
		}
	}
	return strings.Join(vals, ", ")
}

// cgiNameIs reports whether the field name field is cgi in CGI spelling:
// "User-Agent" is "USER_AGENT".
func cgiNameIs(field, cgi string) bool {
	if len(field) != len(cgi) {
		return false
	}
	for i := 0; i < len(field); i++ {
		f, c := field[i], cgi[i]
		switch {
		case f == '_':
			return false
		case f == '-':
			if c != '_' {
				return false
			}
		case 'a' <= f && f <= 'z':
			if c != f-'a'+'A' {
				return false
			}
		case f != c:
			return false
		}
	}
	return true
}
