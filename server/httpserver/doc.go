// Package httpserver is miniweb's HTTP server engine: it accepts
// connections, reads requests, and answers each from a gateway application
// (miniweb/server/gateway, the Go form of WSGI) or from a static folder
// (miniweb/server/static). It knows nothing of templates, routes or sites;
// the miniweb command (miniweb/server) reads the config and wires a site
// into a Server.
//
//	srv := &httpserver.Server{Addr: "127.0.0.1:8080", App: app, Suffix: ".py"}
//	log.Fatal(srv.ListenAndServe())
//
// # Where things are
//
//   - server.go: the Server type, its options (fields whose zero values
//     are the defaults), Serve, ListenAndServe and Shutdown. A new
//     listener-level feature (TLS, an inherited listener) wraps the
//     net.Listener that Serve accepts on.
//   - exchange.go: one request and its response, whatever protocol
//     carries it, and dispatch, the one front door every request reaches:
//     the health check, the application or the static folder, with the
//     access log and trusted proxies. A feature that answers some paths
//     itself (a health endpoint) goes in dispatch. Its transport carries
//     the bytes: an HTTP/1.1 connection (conn.go) or an HTTP/2 stream
//     (stream.go).
//   - conn.go: one connection's life, request after request: where a
//     request is read (readHead) and answered (respond), and when the
//     connection closes.
//   - inline.go: the keep-alive fast path on sockets, one read system call
//     per request; capacity.go: the connection cap, and closing idle
//     connections for newcomers; deadline.go: timeouts.
//   - respond.go: the response: the status line and header fields built
//     from the application's start_response call, the body framing
//     (Content-Length, chunked or close-delimited) and the environ.
//   - accesslog.go: the access log.
//   - handoff.go: Handoff, Shutdown's variant for a restart whose
//     successor process already serves on the same sockets.
//   - proxy.go: trusted proxies (Server.Proxies); forwarded.go: reading
//     the client, scheme and host from their X-Forwarded-For or Forwarded
//     fields; proxyheader.go: the PROXY protocol header a connection
//     starts with, read by the connection itself rather than by a wrapped
//     net.Conn, which would hide the socket that inline runs and sendfile
//     use.
//   - health.go: the health check (Server.Health) and the drain that
//     begins Shutdown.
//   - tls.go: HTTPS (Server.TLS): the handshake, and which side serves a
//     connection as ALPN chose: HTTP/1.1, or HTTP/2 by
//     server/internal/http2 (tls_h2.go), whose streams come back to
//     dispatch; tls_reload.go: the certificate in force, reloaded when
//     its files change or on ReloadCertificate; redirect.go: the plain listener that sends http:// to https://
//     (Server.RedirectHTTP).
//
// The wire format itself (parsing request heads and bodies, writing
// responses) is in miniweb/server/internal/http1.
package httpserver
