package httpserver

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// HealthCheck is the endpoint a load balancer polls to know whether to send
// the server requests, and how the server leaves the balancer's rotation
// when it shuts down: Shutdown first fails the health check while it goes
// on serving for DrainDelay, so that the balancer stops sending new
// requests, and only then closes its listeners. The zero value answers no
// health check and shuts down at once.
type HealthCheck struct {
	// Path is the path of the health check, such as "/healthz"; "" (the
	// default) answers none. GET and HEAD on it get 200 "ok" while the
	// server serves and 503 once Shutdown has begun, other methods 405.
	// It is compared with the request's path as sent, without the query,
	// and is answered by the server itself: it never reaches App nor
	// Static.
	Path string
	// DrainDelay is how long Shutdown keeps accepting and serving, with
	// health checks answered 503, before it closes the listeners and goes
	// on as usual; Shutdown's context still bounds it. It applies without
	// Path too. Zero means no delay.
	DrainDelay time.Duration
	// Log writes the health checks' lines to the access log; false, the
	// default, leaves them out: a balancer polling every second would
	// drown the requests.
	Log bool
}

// checkHealthPath checks HealthCheck.Path.
func (s *Server) checkHealthPath() error {
	p := s.Health.Path
	if p != "" && (p[0] != '/' || strings.ContainsAny(p, "?# \t\r\n")) {
		return fmt.Errorf("httpserver: health check path %q: want an absolute path such as \"/healthz\"", p)
	}
	return nil
}

// isHealthCheck reports whether the current request is for the health
// check.
func (x *exchange) isHealthCheck() bool {
	return x.srv.Health.Path != "" && x.req.Path == x.srv.Health.Path
}

var (
	healthFields = []gateway.Field{
		{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
		{Name: "Cache-Control", Value: "no-store"},
	}
	healthAllow = []gateway.Field{
		{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
		{Name: "Cache-Control", Value: "no-store"},
		{Name: "Allow", Value: "GET, HEAD"},
	}
	healthOK       = []byte("ok\n")
	healthDraining = []byte("shutting down\n")
	healthMethod   = []byte("Method Not Allowed\n")
)

// serveHealth answers the health check: 200 while serving, 503 once
// Shutdown has begun.
func (x *exchange) serveHealth() {
	x.resp.health = true
	switch {
	case x.req.Method != "GET" && x.req.Method != "HEAD":
		x.writeHead(405, "", healthAllow, int64(len(healthMethod)))
		x.writeBody(healthMethod)
	case x.srv.draining.Load():
		x.writeHead(503, "", healthFields, int64(len(healthDraining)))
		x.writeBody(healthDraining)
	default:
		x.writeHead(200, "", healthFields, int64(len(healthOK)))
		x.writeBody(healthOK)
	}
}

// drain begins Shutdown: health checks fail from now on, and the server
// goes on serving for HealthCheck.DrainDelay, or until ctx ends.
func (s *Server) drain(ctx context.Context) {
	s.draining.Store(true)
	if s.Health.DrainDelay <= 0 || s.shutting.Load() {
		return
	}
	t := time.NewTimer(s.Health.DrainDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
