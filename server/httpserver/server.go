package httpserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miniweb/miniweb/server/compress"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/http1"
	"github.com/miniweb/miniweb/server/static"
)

// Server serves HTTP/1.1 (and with TLS, HTTP/2): paths ending in Suffix (or those AppPath picks)
// go to App through the gateway contract, every other path is a file from
// Static. Its fields are its options, set before the first Serve and not
// changed after; the zero value of each is the documented default, so
//
//	srv := &httpserver.Server{Addr: "127.0.0.1:8080", App: app}
//	err := srv.ListenAndServe()
//
// serves app with every limit and timeout at its default. A Server is safe
// for use by several goroutines: Serve may run on several listeners at once,
// and Shutdown from any goroutine stops them all.
type Server struct {
	// Addr is the TCP address ListenAndServe listens on, such as
	// "127.0.0.1:8080"; "" means ":http" (port 80).
	Addr string
	// App answers the dynamic paths. Nil answers them 404.
	App gateway.App
	// Static serves every other path. Nil answers them 404.
	Static *static.Handler
	// Suffix marks the dynamic paths, such as ".py". "" marks none: with
	// no AppPath, every path is then a static file.
	Suffix string
	// AppPath, when not nil, decides instead of Suffix which requests go to
	// App: it gets the percent-decoded path and returns true for App, false
	// for Static. func(string) bool { return true } sends every path to
	// App, as net/http's server does with its one Handler. Nil means the
	// paths ending in Suffix. See route.go.
	AppPath func(path string) bool
	// ServerHeader is the Server field sent with every response; "" sends
	// none.
	ServerHeader string

	// ReadHeaderTimeout bounds the time from a request's first byte to the
	// end of its header section; past it the client gets 408 and the
	// connection closes. It also bounds a new connection's wait for its
	// first byte. Zero means 10s.
	ReadHeaderTimeout time.Duration
	// ReadBodyTimeout bounds reading a request body, from the first read.
	// Zero means 30s.
	ReadBodyTimeout time.Duration
	// WriteTimeout bounds writing one response, from the end of the request
	// head. Zero means 30s.
	WriteTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a keep-alive
	// connection. Zero means 60s.
	IdleTimeout time.Duration

	// MaxRequestLine bounds the request line in bytes; a longer one gets
	// 414. Zero means 8 KiB.
	MaxRequestLine int
	// MaxHeaderBytes bounds the header section in bytes; a larger one gets
	// 431. Zero means 32 KiB.
	MaxHeaderBytes int
	// MaxHeaders bounds the number of header fields; more get 431. Zero
	// means 100.
	MaxHeaders int
	// MaxBodyBytes bounds a request body; a larger one gets 413. Zero means
	// 10 MiB.
	MaxBodyBytes int64

	// MaxConns caps the open connections. A connection accepted at the cap
	// waits for a slot, and takes one at once if some connection is idle:
	// the idle keep-alive connections (those waiting for a request of which
	// no byte has come) are closed, oldest first, as many as there are
	// newcomers, the way nginx reuses connections; a connection in the
	// middle of a request or a response is never closed for it. Past 90%
	// of the cap, idle waits that begin are cut to CrowdedIdleTimeout.
	// Newcomers beyond the one being seated wait in the kernel's backlog.
	// See capacity.go. Zero means no cap.
	MaxConns int
	// MaxConnsPerAddr caps the connections of one client address (an IPv4
	// address, an IPv6 /64) under MaxConns: a connection over it is closed
	// at accept without a byte, before it takes a slot. A trusted proxy is
	// not held to it; behind one with the PROXY protocol, the header's
	// client is, once the header is read. See peers.go. Zero means a
	// quarter of MaxConns (rounded up); a negative value means no cap per
	// address. Without MaxConns it does nothing.
	MaxConnsPerAddr int
	// MinRate is the slowest, in bytes per second, that a client may send
	// a request head or body once MinRateGrace has passed: the time a
	// head's or body's reads wait may not pass MinRateGrace plus a second
	// per MinRate bytes received. A head that falls behind gets 408; a
	// body's read fails (the application's answer is sent, then the
	// connection closes). At the cap, a connection a second behind the
	// rate, grace aside, may be closed for a newcomer. See rate.go. An
	// HTTP/2 connection's request bytes are held to it while the server
	// waits for them; one that falls behind ends with GOAWAY
	// ENHANCE_YOUR_CALM (server/internal/http2/rate.go). Zero means no minimum rate: only ReadHeaderTimeout and
	// ReadBodyTimeout bound a slow client. (The miniweb command's default
	// is 240, as Kestrel's.)
	MinRate int
	// MinRateGrace is the time a head or body is given before MinRate
	// applies, counted as credit: a client may wait this long, plus a
	// second per MinRate bytes it sent. Zero means 5s.
	MinRateGrace time.Duration
	// CrowdedIdleTimeout replaces IdleTimeout, when shorter, for idle
	// waits that begin while more than 90% of MaxConns are open. Zero
	// means 5s.
	CrowdedIdleTimeout time.Duration

	// Log receives the server's errors and warnings; nil means
	// slog.Default().
	Log *slog.Logger
	// AccessLog receives one line per request, buffered and written at
	// least every 100 ms and at Shutdown; nil logs none.
	AccessLog io.Writer
	// AccessLogFormat is "combined" (Combined Log Format, as nginx's and
	// Apache's) or "json" (one JSON object per line, through log/slog).
	// "" means "combined".
	AccessLogFormat string

	// Proxies says which peers are trusted proxies, whose forwarding
	// fields and PROXY protocol headers name the client (proxy.go). The
	// zero value trusts none.
	Proxies ProxyTrust
	// Health is the health check a load balancer polls, and the drain
	// before Shutdown closes the listeners (health.go). The zero value has
	// neither.
	Health HealthCheck

	// Compress, when not nil, codes the responses of App and the
	// compressible files of Static in zstd or gzip as each client's
	// Accept-Encoding prefers, with these options (their zero values are
	// the defaults); Serve then wraps App with compress.App (compress.go).
	// Nil codes nothing.
	Compress *compress.Options

	// TLS, when not nil, makes every connection Serve accepts HTTPS, with
	// the certificate and key of these files: HTTP/1.1 or HTTP/2, as ALPN
	// chooses, both answered by this engine's dispatcher (tls.go). Nil
	// serves plain HTTP.
	TLS *TLSConfig
	// H2C makes a plain listener speak HTTP/2 with prior knowledge too
	// (h2c, RFC 9113 §3.3), as balancers that speak HTTP/2 to their
	// backends connect (HAProxy's "proto h2", Envoy): a connection whose
	// first request begins with HTTP/2's preface ("PRI * HTTP/2.0") is
	// served as HTTP/2 (tls_h2.go), through the same dispatcher. The
	// preface's first 18 bytes must come in one read, as they do from a
	// client that writes it whole. False, the default, answers the preface
	// as any request line of HTTP/2.0: 505. With TLS it does nothing: ALPN
	// chooses.
	H2C bool
	// RedirectHTTP, with TLS, is a TCP address such as ":80" where a plain
	// listener answers every request with 308 to its https URL
	// (redirect.go). "" opens none.
	RedirectHTTP string

	// Metrics, when not nil, counts the server's requests, connections
	// and TLS handshakes with atomic adds (metrics.go). Nil counts
	// nothing.
	Metrics *Metrics

	serverState // what the server does with the options: below

}

// serverState is a Server's running state, apart from its options.
type serverState struct {
	alog       atomic.Pointer[accessLog] // writes AccessLog; nil once closed
	initErr    error                     // an option that cannot be used: Serve returns it
	baseCtx    context.Context
	cancelBase context.CancelFunc

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	shutting  atomic.Bool
	wg        sync.WaitGroup
	initOnce  sync.Once

	trust    proxyState  // what Proxies says (proxy.go)
	draining atomic.Bool // Shutdown has begun: health checks fail (health.go)
	handoff  atomic.Bool // Handoff has begun: connections answer one more request (handoff.go)

	tls *tlsState // what TLS says (tls.go); nil without TLS
	h2  *h2Side   // HTTP/2 (tls_h2.go); nil without TLS or H2C

	lim   http1.Limits  // MaxRequestLine, MaxHeaderBytes, MaxHeaders
	slots chan struct{} // one per open connection; nil without MaxConns
	cap   capacity      // reclaiming at the cap: see capacity.go
	peers peerCounts    // connections per client address: see peers.go
	park  parking       // idle connections parked: see park.go
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.baseCtx, s.cancelBase = context.WithCancel(context.Background())
		s.listeners = make(map[net.Listener]struct{})
		s.conns = make(map[*conn]struct{})
		if s.Log == nil {
			s.Log = slog.Default()
		}
		if s.ReadHeaderTimeout <= 0 {
			s.ReadHeaderTimeout = 10 * time.Second
		}
		if s.ReadBodyTimeout <= 0 {
			s.ReadBodyTimeout = 30 * time.Second
		}
		if s.WriteTimeout <= 0 {
			s.WriteTimeout = 30 * time.Second
		}
		if s.IdleTimeout <= 0 {
			s.IdleTimeout = 60 * time.Second
		}
		if s.MaxBodyBytes <= 0 {
			s.MaxBodyBytes = 10 << 20
		}
		if s.CrowdedIdleTimeout <= 0 {
			s.CrowdedIdleTimeout = 5 * time.Second
		}
		s.CrowdedIdleTimeout = min(s.CrowdedIdleTimeout, s.IdleTimeout)
		s.lim = http1.Limits{MaxRequestLine: s.MaxRequestLine, MaxHeaderBytes: s.MaxHeaderBytes, MaxHeaders: s.MaxHeaders}
		if s.MaxConns > 0 {
			s.slots = make(chan struct{}, s.MaxConns)
			s.cap.init(s.MaxConns)
			s.peers.init(s.MaxConns, s.MaxConnsPerAddr)
		}
		if s.MinRateGrace <= 0 {
			s.MinRateGrace = 5 * time.Second
		}
		switch s.AccessLogFormat {
		case "", "combined", "json":
		default:
			s.initErr = fmt.Errorf("httpserver: access log format %q: want \"combined\" or \"json\"", s.AccessLogFormat)
			return
		}
		if err := s.initProxies(); err != nil {
			s.initErr = err
			return
		}
		if err := s.checkHealthPath(); err != nil {
			s.initErr = err
			return
		}
		if err := s.initCompress(); err != nil {
			s.initErr = err
			return
		}
		if err := s.initTLS(); err != nil {
			s.initErr = err
			return
		}
		if s.TLS != nil || s.H2C {
			s.h2 = s.newH2()
		}
		if s.AccessLog != nil {
			s.alog.Store(newAccessLog(s.AccessLog, s.AccessLogFormat))
		}
		if s.Metrics != nil {
			s.Metrics.attach(s)
		}
	})
}

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown.
var ErrServerClosed = errors.New("miniweb: server closed")

// Serve accepts connections on ln and serves each on its own goroutine until
// Shutdown. It returns ErrServerClosed after Shutdown, else the accept error
// that stopped it.
func (s *Server) Serve(ln net.Listener) error {
	s.init()
	if s.initErr != nil {
		ln.Close()
		return s.initErr
	}
	s.mu.Lock()
	if s.shutting.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	if s.tls != nil {
		s.tls.noteTLSPort(ln)
	}
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()

	var backoff time.Duration
	for {
		rwc, err := ln.Accept()
		if err != nil {
			if s.shutting.Load() || s.handoff.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				// Out of file descriptors and the like: wait, and do not spin.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.Log.Warn("accept failed; retrying", keyErr, err, keyDelay, backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		var key netip.Addr
		if s.peers.n != nil {
			var limited bool
			key, limited = s.acceptKey(addrOf(rwc.RemoteAddr()))
			if !s.admit(key, limited) {
				rwc.Close() // over its address's share: see peers.go
				s.Metrics.refused()
				s.Log.Debug("over the connections allowed per address: closed", keyRemote, rwc.RemoteAddr().String())
				continue
			}
		}
		if !s.takeSlot(ln) {
			rwc.Close()
			s.leave(key)
			return ErrServerClosed
		}
		if s.tls != nil {
			rwc = tls.Server(&tlsFirstByte{Conn: rwc}, s.tls.config)
		}
		c := s.newConn(rwc)
		c.slot.addr = key
		if !s.track(c) {
			rwc.Close()
			s.releaseSlot()
			s.leave(key)
			return ErrServerClosed
		}
		s.Metrics.accepted()
		go func() {
			if s.tls == nil {
				if !c.serve() { // a parked connection keeps its slot (park.go)
					s.release(c)
				}
				return
			}
			c.serveTLS()
			s.release(c)
		}()
	}
}

// ListenAndServe listens on the TCP address Addr and serves on it until
// Shutdown, as Serve.
func (s *Server) ListenAndServe() error {
	if s.shutting.Load() {
		return ErrServerClosed
	}
	addr := s.Addr
	if addr == "" {
		addr = ":http"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

// release forgets a connection that ended: its tracking, its address's
// count, its slot.
func (s *Server) release(c *conn) {
	s.untrack(c)
	s.leave(c.slot.addr)
	s.releaseSlot()
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown stops the server gracefully: after Health.DrainDelay, during
// which it serves as before but fails health checks, it closes the
// listeners, closes idle connections, lets requests in flight finish
// (their connections close after the response), and returns when every
// connection has ended. If ctx ends first, it cancels the requests'
// contexts, closes the remaining connections, and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.drain(ctx)
	return s.stop(ctx, 0)
}

// stop is the end of Shutdown and Handoff: it closes the listeners, then
// closes the connections idle for longer than idleFor (every idle one with
// 0) as they come to be, and waits for every connection to end, or for ctx.
func (s *Server) stop(ctx context.Context, idleFor time.Duration) error {
	s.mu.Lock()
	s.shutting.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
	s.mu.Unlock()
	sides := s.stopSides(ctx) // GOAWAY on HTTP/2 connections; the redirect listener

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s.closeIdle(idleFor)
		select {
		case <-done:
			s.cancelBase()
			s.stopParking()
			s.closeAccessLog()
			return sides.wait()
		case <-ctx.Done():
			s.cancelBase()
			s.mu.Lock()
			for c := range s.conns {
				if !c.closeIdle() { // a parked one has no goroutine to see its close
					c.rwc.Close()
				}
			}
			s.mu.Unlock()
			<-done
			s.stopParking()
			sides.wait()
			s.closeAccessLog()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// closeAccessLog writes what the access log buffers and stops its
// background flush, once.
func (s *Server) closeAccessLog() {
	// A stream's handler may outlive its HTTP/2 connection when ctx ends
	// first: its line, if it comes, is dropped.
	if a := s.alog.Swap(nil); a != nil {
		a.close()
	}
}

// closeIdle closes the connections waiting for a request for longer than
// idleFor, every one with 0. A connection that has begun one is left to
// finish it; it then sees the shutdown and closes. An HTTP/2 connection
// is sent GOAWAY, whatever idleFor.
func (s *Server) closeIdle(idleFor time.Duration) {
	before := int64(math.MaxInt64)
	if idleFor > 0 {
		before = time.Now().Add(-idleFor).UnixNano()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if hc := c.h2.Load(); hc != nil {
			c.goAway(hc) // its open streams finish; no new one begins
			continue
		}
		c.closeIdleSince(before)
	}
}

// aLongTimeAgo is a deadline in the past, to wake a blocked read now.
var aLongTimeAgo = time.Unix(1, 0)
