package httpserver

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/miniweb/miniweb/server/internal/sockio"
)

// redirector is the plain listener of Server.RedirectHTTP: every request
// gets 308 Permanent Redirect (RFC 9110 §15.4.9: the method and body are
// kept, unlike 301) to the same host, path and query on https, at the
// port of the TLS listener. It is net/http's server, small and strict:
// it reads heads of at most 8 KiB and no body, and times everything out.
type redirector struct {
	srv  *http.Server
	ln   net.Listener
	once sync.Once // serve's
}

// startRedirect listens on addr, to serve the redirect from the first
// Serve on (serve) until Shutdown.
func (s *Server) startRedirect(addr string, t *tlsState) (*redirector, error) {
	lc := net.ListenConfig{Control: sockio.ReusePort}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("httpserver: RedirectHTTP %q: %w", addr, err)
	}
	r := &redirector{ln: ln}
	r.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { redirect(w, req, t.port.Load().(string)) }),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          discardLog,
	}
	return r, nil
}

// serve begins answering on the redirect listener, once: Serve calls it
// when the TLS port the Location names is known (noteTLSPort). Before
// that, a client waits in the listener's backlog, rather than getting a
// Location without the port.
func (r *redirector) serve() { r.once.Do(func() { go r.srv.Serve(r.ln) }) }

// discardLog drops net/http's log lines of the redirect listener: what a
// client got wrong there is not the operator's concern.
var discardLog = log.New(io.Discard, "", 0)

// redirect answers req with 308 to its https URL: "http://example.org/a?b"
// becomes "https://example.org/a?b", or "https://example.org:8443/a?b"
// when the TLS port (port) is 8443. A request without a usable Host gets
// 400: there is nowhere to send it.
func redirect(w http.ResponseWriter, req *http.Request, port string) {
	host := req.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" || strings.ContainsAny(host, "/\\@?#") {
		http.Error(w, "Bad Request: no Host", http.StatusBadRequest)
		return
	}
	if strings.IndexByte(host, ':') >= 0 {
		host = "[" + host + "]" // an IPv6 literal
	}
	if port != "" {
		host += ":" + port
	}
	http.Redirect(w, req, "https://"+host+req.URL.RequestURI(), http.StatusPermanentRedirect)
}
