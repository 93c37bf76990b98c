package httpserver

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"
)

// HTTPS
//
// With Server.TLS set, every connection Serve accepts is TLS (crypto/tls:
// TLS 1.2 minimum, the standard library's default cipher suites and
// curves), and ALPN picks who serves it, once its handshake is done:
//
//   - "http/1.1" (or no ALPN): this engine, over the *tls.Conn. The
//     connection has no descriptor of its own to read, so it takes the
//     generic net.Conn path that race and non-Linux builds take: no inline
//     runs (two reads per request instead of one), static files copied
//     through a 32 KiB buffer instead of sendfile (the bytes must be
//     encrypted in user space anyway). Everything else (limits, timeouts,
//     the access log, the health check, compression, the connection cap)
//     is the engine's, as on plain HTTP.
//   - "h2": server/internal/http2 speaks HTTP/2 on it (tls_h2.go), and
//     each stream comes back to the engine's dispatcher (stream.go): the
//     health check, the static folder, the application, trusted proxies,
//     the Server field, compression and the access log (with "HTTP/2.0" in
//     its line) are the engine's, as for HTTP/1.1. The connection holds
//     its slot of MaxConns and its client's count until it ends, is sent
//     GOAWAY by Shutdown, and while no stream is open is reclaimed at the
//     cap.
//
// A first byte that cannot begin a TLS handshake record is a client
// speaking plain HTTP to the TLS port: it gets a 400 saying to use https
// (tlsFirstByte).
//
// The handshake runs on the connection's goroutine under
// ReadHeaderTimeout, the connection counted as idle meanwhile, so that
// Shutdown and a newcomer at the connection cap may cut it, as they may a
// connection that has sent nothing yet.
//
// A new connection gets the certificate in force (tls.Config's
// GetCertificate); tls_reload.go replaces it when the files change or on
// ReloadCertificate. A plain listener (RedirectHTTP) may send clients of
// http:// to https:// (redirect.go). Without TLS none of this runs: a plain
// connection pays one nil check at accept.

// TLSConfig says where a Server's certificate is. Its zero value is not
// usable: CertFile and KeyFile must be set.
type TLSConfig struct {
	// CertFile is the PEM file of the certificate chain, the server's own
	// certificate first, such as "/etc/letsencrypt/live/example.org/fullchain.pem".
	CertFile string
	// KeyFile is the PEM file of the private key of the certificate, such
	// as "/etc/letsencrypt/live/example.org/privkey.pem".
	KeyFile string
	// ReloadInterval is how often the two files are checked for a change
	// (their size, modification time and identity, so that a replacement
	// by rename is seen); a change loads the pair again. Zero means 2s; a
	// negative value never checks (ReloadCertificate still reloads).
	ReloadInterval time.Duration
}

// Check loads the certificate and key, and returns the error that would
// stop Serve: one naming the file that is missing, unreadable or
// malformed, or both files when the key does not match the certificate.
func (t *TLSConfig) Check() error {
	_, err := loadPair(t.CertFile, t.KeyFile)
	return err
}

// tlsState is what a Server with TLS runs: the handshake's configuration,
// the certificate in force, the HTTP/2 server, the redirect listener.
type tlsState struct {
	config   *tls.Config
	certs    *certStore  // tls_reload.go
	redirect *redirector // redirect.go; nil without RedirectHTTP
	port     atomic.Value
}

// initTLS checks TLS and RedirectHTTP and starts what serves them beside
// the engine: the certificate's watch, the HTTP/2 server, the redirect
// listener.
func (s *Server) initTLS() error {
	if s.TLS == nil {
		if s.RedirectHTTP != "" {
			return errors.New("httpserver: RedirectHTTP needs TLS")
		}
		return nil
	}
	if s.Proxies.Protocol {
		// The PROXY header comes before the handshake, and the connection
		// reads it through its request reader, which is the TLS stream's.
		return errors.New("httpserver: the PROXY protocol is not supported with TLS")
	}
	certs, err := newCertStore(s.TLS.CertFile, s.TLS.KeyFile, s.Log)
	if err != nil {
		return err
	}
	t := &tlsState{certs: certs}
	t.config = &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"h2", "http/1.1"},
		GetCertificate: certs.get,
	}
	t.port.Store("")
	if s.RedirectHTTP != "" {
		if t.redirect, err = s.startRedirect(s.RedirectHTTP, t); err != nil {
			return err
		}
	}
	interval := s.TLS.ReloadInterval
	if interval == 0 {
		interval = 2 * time.Second
	}
	if interval > 0 {
		certs.watch(interval)
	}
	s.tls = t
	return nil
}

// noteTLSPort remembers the port of the first listener Serve serves TLS
// on, for the redirect's Location: "" for 443.
// The redirect listener answers from then on.
func (t *tlsState) noteTLSPort(ln net.Listener) {
	if a, ok := ln.Addr().(*net.TCPAddr); ok && t.port.Load().(string) == "" && a.Port != 443 {
		t.port.Store(strconv.Itoa(a.Port))
	}
	if t.redirect != nil {
		t.redirect.serve()
	}
}

// ReloadCertificate loads TLS.CertFile and TLS.KeyFile again; the
// connections that begin after it get the new certificate. On an error
// (which it returns and logs) the certificate in force stays. Without TLS
// it returns an error and does nothing. The command calls it on a signal;
// the files are also watched (TLSConfig.ReloadInterval).
func (s *Server) ReloadCertificate() error {
	s.init()
	if s.tls == nil {
		return errors.New("httpserver: ReloadCertificate: the server has no TLS")
	}
	return s.tls.certs.reload("ReloadCertificate")
}

// serveTLS runs a TLS connection: its handshake, then HTTP/1.1 or HTTP/2
// (tls_h2.go), as ALPN chose.
func (c *conn) serveTLS() {
	tc := c.rwc.(*tls.Conn)
	now := time.Now()
	deadline := now.Add(c.srv.ReadHeaderTimeout)
	c.setReadDeadline(deadline)
	c.setWriteDeadline(deadline)
	// Idle while the handshake runs (see capacity.go): Shutdown or a
	// newcomer at the cap may end it by a read deadline in the past.
	c.slot.since = now.UnixNano() + int64(freshGrace)
	c.slot.state.Store(c.slot.since)
	err := tc.HandshakeContext(c.srv.baseCtx)
	c.srv.Metrics.handshake(err)
	if !c.wake() || err != nil {
		if err != nil {
			c.srv.Log.Debug("TLS handshake failed", keyRemote, c.remote, keyErr, err)
		}
		c.close()
		return
	}
	c.secure = true
	if tc.ConnectionState().NegotiatedProtocol == "h2" {
		c.serveH2(nil)
		c.close()
		return
	}
	c.serve()
}

// tlsFirstByte is a TLS connection's socket as its handshake reads it. A
// client's first byte must begin a TLS handshake record (0x16, RFC 8446
// §5.1); any other is most likely a client speaking plain HTTP to the TLS
// port, which gets a 400 saying to use https, as net/http and nginx answer,
// rather than a connection closed without a word.
type tlsFirstByte struct {
	net.Conn
	checked bool
}

// errPlainHTTP is the handshake's error for a client that spoke plain
// HTTP.
var errPlainHTTP = errors.New("httpserver: a plain HTTP request on the TLS port: answered 400")

// plainHTTPAnswer is what a client speaking plain HTTP to the TLS port
// gets.
var plainHTTPAnswer = []byte("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Content-Length: 48\r\nConnection: close\r\n\r\n" + plainHTTPBody)

const plainHTTPBody = "Client sent an HTTP request to an HTTPS server.\n"

func (f *tlsFirstByte) Read(p []byte) (int, error) {
	n, err := f.Conn.Read(p)
	if f.checked || n == 0 {
		return n, err
	}
	f.checked = true
	if p[0] == 0x16 {
		return n, err
	}
	f.Conn.Write(plainHTTPAnswer)
	if tc, ok := f.Conn.(*net.TCPConn); ok {
		// As conn.close lingers: the rest of the request must not reset
		// the connection before the client has read the answer.
		tc.CloseWrite()
		tc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		io.CopyN(io.Discard, tc, 64<<10)
	}
	return 0, errPlainHTTP
}

// sideStopper waits for what serves beside the engine's connections to
// stop; its zero value has nothing to wait for.
type sideStopper struct{ done chan error }

func (t sideStopper) wait() error {
	if t.done == nil {
		return nil
	}
	return <-t.done
}

// stopSides begins stopping what serves beside the engine's connections:
// the redirect listener, as net/http's Shutdown does (close the listener,
// close idle connections, wait for the rest, close what remains when ctx
// ends first), and the HTTP/2 connections, each sent GOAWAY, its streams
// left to finish within ctx.
func (s *Server) stopSides(ctx context.Context) sideStopper {
	if s.tls == nil && s.h2 == nil {
		return sideStopper{}
	}
	done := make(chan error, 1)
	go func() {
		var err, h2err error
		if t := s.tls; t != nil {
			t.certs.stop()
			if t.redirect != nil {
				if err = t.redirect.srv.Shutdown(ctx); err != nil {
					t.redirect.srv.Close()
				}
				t.redirect.ln.Close() // never served if no Serve began: Shutdown did not know it
			}
		}
		if s.h2 != nil {
			h2err = s.h2.srv.Shutdown(ctx)
		}
		done <- cmp.Or(h2err, err) // ctx's error, if any
	}()
	return sideStopper{done}
}
