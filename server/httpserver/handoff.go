package httpserver

import (
	"context"
	"time"
)

// lastCall is how long Handoff lets a keep-alive connection, idle when
// the hand-off begins, wait for one more request before closing it.
// Under load a client's next request comes within a millisecond; past a
// second the client is idle, and closing then is as ordinary as the idle
// timeout.
const lastCall = time.Second

// Handoff stops the server for a successor process that already serves on
// the same listening sockets: a zero-downtime restart (see
// miniweb/server/internal/handoff). It differs from Shutdown in two ways.
// There is no drain: the sockets stay open in the successor, which answers
// the health checks, so the listeners close at once and health checks
// still pass here. And a keep-alive connection is not cut between two
// requests, since a client that sent its next request at that moment
// would see it fail (nothing here retries for it): each connection
// answers the request it is reading, or the next one to come, with
// "Connection: close" and then closes, and one idle for a second closes
// then. It returns when every connection has ended, or as Shutdown when
// ctx ends first.
func (s *Server) Handoff(ctx context.Context) error {
	s.init()
	s.handoff.Store(true)
	// Close the listeners first and let each Serve loop see it before the
	// connections learn of the stop: a connection accepted just before
	// gets tracked and answered, where Shutdown's order (stop, then
	// close) would close it unanswered, and its client, sent to the old
	// process an instant too late, would see an error.
	s.mu.Lock()
	for ln := range s.listeners {
		ln.Close()
	}
	s.mu.Unlock()
	for s.serving() > 0 && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	return s.stop(ctx, lastCall)
}

// serving returns the number of listeners that Serve loops accept on.
func (s *Server) serving() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.listeners)
}

// closesIdle reports whether a connection between two requests closes
// rather than waiting for the next: once Shutdown has begun, but not during
// Handoff, where the next request gets an answer. That includes a
// connection whose last response went out before the stop, without
// "Connection: close": its client may send another request at once.
func (s *Server) closesIdle() bool {
	return s.shutting.Load() && !s.handoff.Load()
}
