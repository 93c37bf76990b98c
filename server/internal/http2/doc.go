// Package http2 is miniweb's own HTTP/2 server side (RFC 9113): framing,
// streams and their states, flow control in both directions, SETTINGS,
// PING, GOAWAY, trailers, request bodies streamed to the handler and
// responses streamed from it, over TLS (ALPN "h2") or plain TCP (h2c with
// prior knowledge). Only HPACK (RFC 7541) comes from elsewhere:
// golang.org/x/net/http2/hpack, through the glue in hpack.go. It does not
// use net/http.
//
// A server makes one Server and, for each connection that speaks HTTP/2,
// calls ServeConn (or NewConn, then Serve, to keep the *Conn for
// Shutdown, IdleSince and Stats). The Handler's ServeStream is called on
// a goroutine of its own for each request, with a *Stream that reads as
// an HTTP/1.1 request does (method, path, fields as []gateway.Field, a
// body io.Reader) and writes as a response does (WriteHeader, Write,
// trailers):
//
//	srv := &http2.Server{Handler: http2.HandlerFunc(func(s *http2.Stream) {
//		s.WriteHeader(200, []gateway.Field{{Name: "Content-Type", Value: "text/plain"}}, 5)
//		s.Write([]byte("hello"))
//	})}
//	go srv.ServeConn(tlsConn, nil)
//
// # Strictness
//
// Every rule of RFC 9113 that h2spec checks is kept, with the connection
// or stream error the RFC names: frame sizes against
// SETTINGS_MAX_FRAME_SIZE, padding, stream states, header blocks without
// interleaving, flow-control overflows, SETTINGS values. A request is
// malformed (stream error PROTOCOL_ERROR, §8.1.1) if a field name has an
// uppercase letter or a byte outside tchar, a value has NUL, CR or LF or
// leading or trailing whitespace, pseudo-header fields are unknown,
// repeated, after a regular field, in trailers or missing (:method,
// :scheme, :path; CONNECT: :authority only), a connection-specific field
// is present (Connection, Keep-Alive, Proxy-Connection,
// Transfer-Encoding, Upgrade), TE is other than "trailers", Host differs
// from :authority, or the DATA received contradicts content-length (even
// when the handler answered before the body came).
//
// # Bounds
//
// Limits bounds each connection: concurrent streams and concurrent
// handlers (a reset stream's handler counts until it returns), the header
// list size (431 beyond), the frames and bytes of one header block
// (CONTINUATION flood: GOAWAY ENHANCE_YOUR_CALM), streams reset early or
// refused (rapid reset, CVE-2023-44487: ENHANCE_YOUR_CALM), frames that
// ask work without a request (SETTINGS, PING, WINDOW_UPDATE, PRIORITY,
// RST_STREAM, empty DATA floods: ENHANCE_YOUR_CALM), the request body
// buffered (the windows the server grants), the response bytes queued for
// the socket (a handler's Write waits beyond them and on the client's
// windows, so a client that never reads holds MaxWriteBuffer bytes, not a
// response), the handshake, idle connections and stalled writes. Each
// connection has its own goroutines: one that stalls slows no other.
//
// Server push and priorities (deprecated by RFC 9113) are not
// implemented: PRIORITY frames are checked and ignored, and
// SETTINGS_ENABLE_PUSH is never needed since the server never pushes.
package http2
