// Package gatewayhttp holds the net/http adapters of the gateway contract,
// both ways. The contract itself, in package [miniweb/server/gateway],
// imports no net/http; this package brings the two together, as a WSGI
// bridge does for Python.
//
// [FromHandler] turns any http.Handler into an application, so that code
// written for net/http (a ServeMux, http.FileServer, net/http/pprof, a
// reverse proxy) runs on miniweb's server, as WSGI runs Flask on gunicorn;
// [Handler] turns an application into an http.Handler, so that sites run
// under net/http's server, TLS and HTTP/2 included. Where the two models
// differ, the adapters do what net/http does, or fail loudly:
//
//   - Goroutines. FromHandler's handler runs inside the body's stream, on
//     the server's goroutine: none is started. Writes are buffered (16 KiB);
//     start_response is called at the first Flush, when the buffer fills,
//     or when ServeHTTP returns. A handler that returns without flushing a
//     body that fits gets one write with a Content-Length, as on the Bytes
//     path; each Flush is one chunk, sent to the client at once.
//   - Status. The status defaults to 200 on the first Write, a second
//     WriteHeader is logged (with its caller) and ignored, a code outside
//     100-999 panics: all as net/http. A code of 600-999, which
//     start_response refuses, ends in a 500 from the server.
//   - 1xx responses. Interim responses are the server's: WriteHeader with
//     100-199 (but 101) is dropped with a debug line and the handler may
//     still choose its status, as net/http allows; 103 Early Hints never
//     reach the client, and 100 Continue is sent by the server when the
//     body is first read. 101 is a final status, refused (no upgrades: see
//     Hijack).
//   - Header. It is fixed at WriteHeader, as net/http's. Hop-by-hop fields
//     (Connection, Transfer-Encoding, Keep-Alive, Upgrade, ...) are dropped
//     with a debug line: the server frames the body and decides on
//     keep-alive, so "Connection: close" from a handler is not honoured.
//     CR and LF in values turn into spaces, as net/http writes them; a field
//     whose name is not a token or whose value holds another control
//     character is dropped with a log line, as net/http's HTTP/2 server
//     does. Without a Content-Type (and without a Content-Encoding) the type
//     is sniffed from the first 512 bytes with http.DetectContentType;
//     setting Header()["Content-Type"] = nil prevents it, as in net/http.
//     Fields go out sorted by name; 204 and 304 responses lose
//     Content-Length, and 304 Content-Type.
//   - Content-Length. A handler's own is honoured: writing past it fails
//     with http.ErrContentLength and sends nothing of that write; a body
//     that ends short of it is the server's to handle (miniweb's logs it and
//     closes the connection, net/http closes it). One that is not a number
//     is logged and dropped. Without one, it is set when the whole body is
//     in the buffer at the end (not for an empty answer to HEAD, as in
//     net/http); otherwise the server chunks the body.
//   - Trailers. The contract has none: trailers declared with a Trailer
//     field or set with http.TrailerPrefix are dropped, with a warning line
//     naming them.
//   - Flush before the first body byte commits the status and header, but
//     the server sends the head with the first non-empty chunk.
//   - Hijack fails with an error that wraps http.ErrNotSupported: the server
//     owns the connection. So do http.ResponseController's
//     SetReadDeadline and SetWriteDeadline (the server's timeouts bound each
//     request) and, having no method for it, EnableFullDuplex.
//   - After ServeHTTP returns, the ResponseWriter fails every Write,
//     WriteHeader and Flush with [ErrHandlerDone], logging the first with
//     its caller (net/http's HTTP/2 server panics instead, but in a
//     goroutine the handler left behind, a panic would end the process);
//     the request body reads fail with http.ErrBodyReadAfterClose, and the
//     request's context is cancelled.
//   - The request. Method, URL (Path, RawPath, RawQuery), Proto, Header
//     (canonical names; Host in Request.Host, a chunked body as
//     TransferEncoding ["chunked"] and ContentLength -1), Body (http.NoBody
//     when empty), RemoteAddr, Host and RequestURI come from the Environ;
//     TLS is nil. The context is the Environ's, made on its first use, so a
//     handler that never looks costs the server nothing; it is cancelled
//     when the client goes away, or when the response ends.
//   - Panics propagate: the server logs them and answers 500, or cuts the
//     response short if it had begun. http.ErrAbortHandler is no exception.
//
// Handler, the other way, applies the rules of miniweb's server:
// start_response is checked with [miniweb/server/gateway.CheckStatus] and
// [miniweb/server/gateway.CheckHeader], and a breach (a refused call, none,
// two, a Bytes body that does not match its Content-Length), a stream error and a panic are logged and answered 500,
// or, if the head has gone out, end the response with http.ErrAbortHandler
// so the client sees it cut short. A Bytes body goes with its
// Content-Length; a Stream is flushed after every chunk, and of a chunk that
// runs past a declared Content-Length only the declared bytes go before the
// cut, as on miniweb's server; Close runs once. No Content-Type is sniffed
// for an application that sets none, as on miniweb's server; the reason
// phrase is net/http's own (HTTP/2 has none).
// The Environ's Scheme is "https" under TLS, ServerName and ServerPort come
// from Host, Protocol is "HTTP/2.0" under HTTP/2, and the context is the
// request's.
package gatewayhttp
