package http2

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Server holds what the HTTP/2 connections of one listener share: the
// handler, the limits, the logger and the counters. Its zero value is not
// usable: Handler must be set. Each connection is served by a Conn made
// with NewConn.
type Server struct {
	// Handler serves every stream.
	Handler Handler
	// Limits bounds each connection; zero fields mean their defaults.
	Limits Limits
	// Logger receives what the connections log (a handler panic, a
	// connection ended by a protocol error at Debug). Nil means
	// slog.Default().
	Logger *slog.Logger
	// BaseContext returns the context whose values streams' contexts
	// carry. Nil means context.Background().
	BaseContext func(net.Conn) context.Context
	// WentIdle, if set, is called when a connection's last stream closes
	// (and when its handshake ends without a stream), under the
	// connection's lock: it returns the idle timeout of the wait that
	// begins, or 0 for Limits.IdleTimeout. A server with a connection cap
	// shortens idle waits with it when crowded, and wakes a newcomer
	// waiting for a connection to go idle.
	WentIdle func() time.Duration

	once  sync.Once
	lim   Limits
	conns sync.Map // *Conn -> struct{}

	connsOpen    atomic.Int64
	streamsOpen  atomic.Int64
	streamsTotal atomic.Uint64
	resets       atomic.Uint64
	refused      atomic.Uint64
	deferred     atomic.Uint64
	calm         atomic.Uint64
	protocolErrs atomic.Uint64
	tooSlow      atomic.Uint64
	stalled      atomic.Uint64
}

// Stats are a Server's counters, for metrics.
type Stats struct {
	ConnsOpen       int64  // connections being served
	StreamsOpen     int64  // streams open now, on all connections
	StreamsTotal    uint64 // streams ever opened (requests)
	Resets          uint64 // streams the clients reset before their responses ended
	Refused         uint64 // streams refused over the concurrency limit
	Deferred        uint64 // streams started late, once a handler finishing after its stream's end returned, rather than refused
	EnhanceYourCalm uint64 // connections ended with ENHANCE_YOUR_CALM (floods, rapid reset)
	ProtocolErrors  uint64 // connections ended by another connection error
	TooSlow         uint64 // connections ended for sending requests slower than Limits.MinRate (counted in EnhanceYourCalm too)
	Stalled         uint64 // streams reset for waiting on the client's window past WriteTimeout
}

// Stats returns the counters now.
func (srv *Server) Stats() Stats {
	return Stats{
		ConnsOpen:       srv.connsOpen.Load(),
		StreamsOpen:     srv.streamsOpen.Load(),
		StreamsTotal:    srv.streamsTotal.Load(),
		Resets:          srv.resets.Load(),
		Refused:         srv.refused.Load(),
		Deferred:        srv.deferred.Load(),
		EnhanceYourCalm: srv.calm.Load(),
		ProtocolErrors:  srv.protocolErrs.Load(),
		TooSlow:         srv.tooSlow.Load(),
		Stalled:         srv.stalled.Load(),
	}
}

func (srv *Server) init() {
	srv.once.Do(func() {
		srv.lim = srv.Limits.withDefaults()
		if srv.Logger == nil {
			srv.Logger = slog.Default()
		}
	})
}

// ServeConn serves HTTP/2 on nc until the connection ends, and returns
// when every stream's handler has returned: nil after a graceful end
// (GOAWAY sent or received, idle timeout, the client closing), else the
// error that ended it. See NewConn for nc and buffered.
func (srv *Server) ServeConn(nc net.Conn, buffered []byte) error {
	return srv.NewConn(nc, buffered).Serve()
}

// Shutdown sends GOAWAY on every connection being served, lets their
// in-flight streams finish, and returns when all have ended, or when ctx
// is done, after closing those left (ctx's error).
func (srv *Server) Shutdown(ctx context.Context) error {
	var wg sync.WaitGroup
	var err atomic.Value
	srv.conns.Range(func(k, _ any) bool {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if e := k.(*Conn).Shutdown(ctx); e != nil {
				err.Store(e)
			}
		}()
		return true
	})
	wg.Wait()
	if e, ok := err.Load().(error); ok {
		return e
	}
	return nil
}
