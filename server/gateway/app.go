package gateway

import "iter"

// App is a gateway application: the Go form of PEP 3333's
// application(environ, start_response).
type App interface {
	// ServeGateway answers the request env. It calls start once with the
	// status and header fields, then returns the body (or returns a Stream
	// that calls start before its first chunk).
	ServeGateway(env *Environ, start StartResponse) Body
}

// AppFunc adapts a function to [App].
type AppFunc func(env *Environ, start StartResponse) Body

// ServeGateway calls f(env, start).
func (f AppFunc) ServeGateway(env *Environ, start StartResponse) Body { return f(env, start) }

// StartResponse is the server's start_response: it takes the status line
// text after the protocol, such as "200 OK", and the response header fields.
// It returns an error, and records nothing, when the status or a field breaks
// the rules in the package doc, or when the response was already started.
//
// The server may keep headers until the response ends; the application must
// not modify the slice after the call.
type StartResponse func(status string, headers []Field) error

// Body is an application's response body: a byte slice ([Bytes]), a stream
// of chunks ([Stream]), or nothing (the zero Body).
type Body struct {
	bytes   []byte
	stream  iter.Seq2[[]byte, error]
	onClose func()
}

// Bytes returns a body of exactly b. The server sends it with a
// Content-Length of len(b), usually in the same write as the response head.
// The application must not modify b until the response ends.
func Bytes(b []byte) Body { return Body{bytes: b} }

// Stream returns a body produced by seq, chunk by chunk. The server sends
// each non-empty chunk to the client as soon as it is yielded. A non-nil
// error ends the response abnormally; a false result from yield means the
// client has gone and seq should return.
func Stream(seq iter.Seq2[[]byte, error]) Body { return Body{stream: seq} }

// OnClose returns b with f registered to run once when the response ends,
// however it ends. A second OnClose replaces the first.
func (b Body) OnClose(f func()) Body {
	b.onClose = f
	return b
}

// Bytes returns the body's bytes and true when it is a byte-slice body
// (including the zero Body, which has no bytes).
func (b Body) Bytes() ([]byte, bool) { return b.bytes, b.stream == nil }

// Stream returns the body's sequence, or nil when it is a byte-slice body.
func (b Body) Stream() iter.Seq2[[]byte, error] { return b.stream }

// Close runs the function registered with OnClose, if any. Servers call it
// exactly once when the response ends.
func (b Body) Close() {
	if b.onClose != nil {
		b.onClose()
	}
}
