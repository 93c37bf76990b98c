// Package gateway is the contract between a web server and an application:
// the Go form of Python's WSGI (PEP 3333). It imports only the standard
// library, so any server can host a gateway application and any application
// can run on any server that honours the rules below.
//
// # The application
//
// An application is an [App]. For every request whose path the server hands
// to it, the server calls
//
//	body := app.ServeGateway(env, start)
//
// where env is the request ([Environ]) and start is the server's
// start_response ([StartResponse]).
//
// # The environ
//
// [Environ] carries the request: method, script name, decoded path and raw
// path, query string, protocol, server name and port, remote address (and
// the peer's, when a trusted proxy named the client), URL scheme, the
// request header fields, the body as a reader bounded to the declared
// length, an error log, and a context that is cancelled when the client
// goes away or the server shuts down. [Environ.Get] answers the CGI
// names of PEP 3333 (REQUEST_METHOD, PATH_INFO, CONTENT_TYPE,
// HTTP_USER_AGENT, ...) for code that prefers them.
//
// An Environ and everything it refers to belong to the server and are valid
// only until the response ends: an application that keeps a value beyond
// that must copy it.
//
// # start_response
//
// The application calls start exactly once, with a status such as "200 OK"
// and its header fields, before the first body byte:
//
//   - status is three digits, a space and a reason phrase ("404 Not Found");
//     the code is 200-599 (1xx responses belong to the server);
//   - a header name is an RFC 9110 token, a value has no CR, LF, NUL or other
//     control character but HTAB, and hop-by-hop fields (Connection,
//     Keep-Alive, Proxy-Connection, Transfer-Encoding, TE, Trailer, Upgrade)
//     are the server's business and refused.
//
// A status or header that breaks these rules makes start return an error and
// nothing of it is written; if the application still returns a body, the
// server answers 500. So does a server when the application never calls start,
// or calls it twice (the second call returns [ErrAlreadyStarted]).
// [CheckStatus] and [CheckHeader] are these rules, for servers to share;
// [IsToken] is the token grammar they use, shared by the whole project.
//
// The server adds Date and Server unless the application set them, and frames
// the body itself: Content-Length when the size is known, otherwise chunked on
// HTTP/1.1 and close-delimited on HTTP/1.0.
//
// # The body
//
// The application returns a [Body]:
//
//   - [Bytes] is the fast path: one byte slice, sent with the response head in
//     one write, with Content-Length set;
//   - [Stream] is produced chunk by chunk, and the server sends each chunk as
//     soon as it is yielded (long responses, server-sent events). start may
//     be called inside the stream, as late as just before the first non-empty
//     chunk, so an application can decide its status while producing. If the
//     stream yields an error, the server logs it and ends the response
//     abnormally (the connection is closed, so the client sees a truncated
//     response, never a complete-looking wrong one). When yield returns false
//     the client has gone and the stream should return. A chunk is the
//     server's only until yield returns: the application may then reuse
//     its memory.
//
// [Body.OnClose] registers a function the server calls exactly once when the
// response has ended, whether it was sent in full, failed, or the client left
// before the body was even started: the place to release what the body
// holds, like close() on a WSGI iterable.
//
// A response to HEAD, and 204 and 304 responses, carry no body: the server
// discards what the application produced for them (but still runs the stream,
// so its effects and OnClose happen as for GET).
//
// # Around the contract
//
// Package [miniweb/server/gatewayhttp] adapts the contract to net/http both
// ways: FromHandler runs an http.Handler as an application, Handler serves
// an application with net/http's server. Package
// [miniweb/server/gateway/gatewaytest] runs an application outside any
// server under the same rules, for tests, as net/http/httptest does.
package gateway
