package httpserver

import (
	"sync"
	"sync/atomic"
	"time"
)

// Metrics counts what one or more Servers do, for a metrics endpoint to
// read: the miniweb command exposes it in Prometheus's text format
// (server/internal/metrics); the engine itself imports no metrics
// library. Set Server.Metrics before Serve; several Servers may share
// one. Every figure is an atomic counter or a reading taken when asked:
// a request costs a few atomic adds and no allocation
// (BenchmarkMetricsRequest).
//
// Requests are counted where the access log writes its line, the one
// point every request passes (logAccess), by route, method and status
// class, with their durations; a route is a bounded label, never the
// path: RouteStatic, RouteHealth, RouteNone, RouteApp, or the pattern the
// application named in gateway.Environ.Route (at most MaxRoutes of them;
// RouteOther beyond).
//
// The zero value is ready to use.
type Metrics struct {
	// Received and Sent count the bytes read from and sent to clients:
	// request heads and bodies, response heads and bodies (over TLS, the
	// plain text).
	Received, Sent atomic.Uint64
	// Accepted counts the connections accepted and given a slot.
	Accepted atomic.Uint64
	// Refused counts the connections closed at accept, without a byte,
	// because their address held its share of MaxConns (MaxConnsPerAddr,
	// peers.go).
	Refused atomic.Uint64
	// AtCap counts the newcomers that found every slot of MaxConns taken
	// (they are seated by reclaiming, or wait in the kernel's backlog), and
	// Reclaimed the connections closed for them: idle ones, and those
	// behind MinRate (capacity.go).
	AtCap, Reclaimed atomic.Uint64
	// TLSHandshakes counts the TLS handshakes that completed, and
	// TLSFailures those that failed (a client that left, a bad hello, no
	// common version or cipher, a timeout).
	TLSHandshakes, TLSFailures atomic.Uint64

	// HTTP/2's own figures are read when scraped (HTTP2), from the
	// protocol's counters; its requests are counted by Request as any
	// other: they pass the same dispatcher.

	routes routeTable

	mu      sync.Mutex
	servers []*Server // those serving with these Metrics, for Conns
}

// Route labels the engine gives a request whose application named no
// route pattern.
const (
	// RouteStatic labels the requests the static handler answered.
	RouteStatic = "static"
	// RouteHealth labels the health checks (Server.Health).
	RouteHealth = "health"
	// RouteApp labels the application's requests whose answer named no
	// route (gateway.Environ.Route ""): an unknown path's 404, an
	// application with no router.
	RouteApp = "app"
	// RouteNone labels the requests answered before any handler: a
	// malformed, too large or too slow request head, a body declared too
	// large, OPTIONS *.
	RouteNone = "none"
	// RouteOther labels the requests of the routes named after MaxRoutes
	// others: an application that names routes from request data cannot
	// grow the series without bound.
	RouteOther = "other"
)

// MaxRoutes bounds the route patterns Metrics counts apart.
const MaxRoutes = 256

// requestMethods are the methods counted by name; any other is "OTHER".
var requestMethods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "OTHER"}

// RequestMethods returns the method labels Metrics counts by, in the order
// of RouteCounts.Requests: the methods of RFC 9110 and PATCH, then
// "OTHER" for every other (and for a head too malformed to name one).
func RequestMethods() []string { return requestMethods[:] }

// StatusClasses are the status labels of RouteCounts.Requests, by its
// second index: "1xx" to "5xx", and "none" for a request that got no
// status (the client left before the answer began).
var statusClasses = [...]string{"none", "1xx", "2xx", "3xx", "4xx", "5xx"}

// StatusClasses returns the status labels Metrics counts by, in the order
// of RouteCounts.Requests' second index: "none" (no answer began), "1xx",
// ..., "5xx".
func StatusClasses() []string { return statusClasses[:] }

// durationBounds are the upper bounds of the request duration buckets, in
// nanoseconds: from 0.5 ms (a static file, a hello) to 10 s (a slow
// upload, a page waiting on a busy database).
var durationBounds = [...]int64{
	500e3, 1e6, 2.5e6, 5e6, 10e6, 25e6, 50e6, 100e6, 250e6, 500e6, 1e9, 2.5e9, 5e9, 10e9,
}

// DurationBuckets returns the upper bounds, in seconds, of the buckets of
// RouteCounts.Buckets.
func DurationBuckets() []float64 {
	b := make([]float64, len(durationBounds))
	for i, ns := range durationBounds {
		b[i] = float64(ns) / 1e9
	}
	return b
}

// RouteCounts is what Metrics counted of one route's requests.
type RouteCounts struct {
	// Route is the route label.
	Route string
	// Requests counts the requests by method (RequestMethods) and status
	// class (StatusClasses).
	Requests [len(requestMethods)][len(statusClasses)]uint64
	// Buckets counts the requests by duration, from the head's arrival to
	// the end of the answer: Buckets[i] those that took at most
	// DurationBuckets()[i] and more than the bound before (not
	// cumulative); the last, those that took longer than every bound.
	Buckets [len(durationBounds) + 1]uint64
	// Seconds is the sum of their durations.
	Seconds float64
}

// Count returns the number of requests in rc's buckets.
func (rc *RouteCounts) Count() uint64 {
	var n uint64
	for _, b := range rc.Buckets {
		n += b
	}
	return n
}

// routeCounts are a route's atomic counters.
type routeCounts struct {
	name    string
	req     [len(requestMethods)][len(statusClasses)]atomic.Uint64
	buckets [len(durationBounds) + 1]atomic.Uint64
	nanos   atomic.Uint64
}

// routeTable finds a route's counters: the engine's labels directly, an
// application's patterns in a map read without a lock (a new pattern
// copies it once, under mu).
type routeTable struct {
	once                     sync.Once
	static, health, app, non *routeCounts
	other                    *routeCounts
	named                    atomic.Pointer[map[string]*routeCounts]
	mu                       sync.Mutex
	list                     []*routeCounts // every route, in the order first counted; under mu
}

func (t *routeTable) init() {
	t.once.Do(func() {
		t.static = &routeCounts{name: RouteStatic}
		t.health = &routeCounts{name: RouteHealth}
		t.app = &routeCounts{name: RouteApp}
		t.non = &routeCounts{name: RouteNone}
		t.other = &routeCounts{name: RouteOther}
		m := map[string]*routeCounts{}
		t.named.Store(&m)
	})
}

// lookup returns the counters of route, adding them on its first request.
func (t *routeTable) lookup(route string) *routeCounts {
	t.init()
	switch route {
	case "", RouteApp:
		return t.app
	case RouteStatic:
		return t.static
	case RouteHealth:
		return t.health
	case RouteNone:
		return t.non
	}
	if rc, ok := (*t.named.Load())[route]; ok {
		return rc
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.named.Load()
	if rc, ok := old[route]; ok {
		return rc
	}
	if len(old) >= MaxRoutes {
		return t.other
	}
	m := make(map[string]*routeCounts, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	rc := &routeCounts{name: route}
	m[route] = rc
	t.list = append(t.list, rc)
	t.named.Store(&m)
	return rc
}

// Request counts one request: the route label it was answered under, its
// method, the status sent (0: none), how long it took, and the bytes read
// and sent for it. The engine calls it once per request; another
// dispatcher (HTTP/2) calls it the same way.
func (m *Metrics) Request(route, method string, status int, d time.Duration, received, sent int64) {
	rc := m.routes.lookup(route)
	class := status / 100
	if class < 1 || class > 5 {
		class = 0
	}
	rc.req[methodIndex(method)][class].Add(1)
	ns := int64(d)
	i := 0
	for i < len(durationBounds) && ns > durationBounds[i] {
		i++
	}
	rc.buckets[i].Add(1)
	rc.nanos.Add(uint64(max(ns, 0)))
	if received > 0 {
		m.Received.Add(uint64(received))
	}
	if sent > 0 {
		m.Sent.Add(uint64(sent))
	}
}

// methodIndex is method's index in requestMethods.
func methodIndex(method string) int {
	switch method {
	case "GET":
		return 0
	case "HEAD":
		return 1
	case "POST":
		return 2
	case "PUT":
		return 3
	case "DELETE":
		return 4
	case "PATCH":
		return 5
	case "OPTIONS":
		return 6
	case "CONNECT":
		return 7
	case "TRACE":
		return 8
	}
	return len(requestMethods) - 1
}

// Routes calls f with the counts of each route that has had a request:
// the engine's labels first, then the application's patterns in the order
// first seen. rc is reused between calls.
func (m *Metrics) Routes(f func(rc *RouteCounts)) {
	t := &m.routes
	t.init()
	t.mu.Lock()
	list := append([]*routeCounts{t.static, t.health, t.app, t.non, t.other}, t.list...)
	t.mu.Unlock()
	var rc RouteCounts
	for _, r := range list {
		rc.Route = r.name
		seen := false
		for i := range r.buckets {
			rc.Buckets[i] = r.buckets[i].Load()
			seen = seen || rc.Buckets[i] > 0
		}
		if !seen {
			continue
		}
		for i := range r.req {
			for j := range r.req[i] {
				rc.Requests[i][j] = r.req[i][j].Load()
			}
		}
		rc.Seconds = float64(r.nanos.Load()) / 1e9
		f(&rc)
	}
}

// ConnCounts are the connections open now.
type ConnCounts struct {
	// Open counts the connections holding a slot, Idle those of them
	// waiting for a request of which no byte has come (the ones a
	// newcomer at MaxConns may take the slot of).
	Open, Idle int
}

// Conns returns the connections the Servers using m hold now. It takes
// each Server's lock once, as long as a look at its connections takes:
// call it when scraped, not per request.
func (m *Metrics) Conns() ConnCounts {
	m.mu.Lock()
	servers := append([]*Server(nil), m.servers...)
	m.mu.Unlock()
	var n ConnCounts
	for _, s := range servers {
		s.mu.Lock()
		n.Open += len(s.conns)
		for c := range s.conns {
			if st := c.slot.state.Load(); st > 0 {
				n.Idle++
			} else if hc := c.h2.Load(); hc != nil && st == stateActive {
				if _, idle := hc.IdleSince(); idle { // no stream open
					n.Idle++
				}
			}
		}
		s.mu.Unlock()
	}
	return n
}

// HTTP2Counts are the HTTP/2 figures of the Servers using a Metrics.
type HTTP2Counts struct {
	// Conns counts the HTTP/2 connections open now, Streams the streams
	// open on them.
	Conns, Streams int64
	// StreamsTotal counts the streams ever opened (HTTP/2's requests),
	// Resets those the client reset before their answer ended, Refused
	// those refused over the concurrency limit.
	StreamsTotal, Resets, Refused uint64
	// EnhanceYourCalm counts the connections ended for a flood (rapid
	// reset, SETTINGS, PING, empty frames: GOAWAY ENHANCE_YOUR_CALM) or for
	// requests sent slower than MinRate, and ProtocolErrors those ended by
	// another connection error.
	EnhanceYourCalm, ProtocolErrors uint64
	// TooSlow counts the connections ended for requests sent slower than
	// MinRate (in EnhanceYourCalm too), Stalled the streams reset for
	// waiting on the client's flow-control window past WriteTimeout.
	TooSlow, Stalled uint64
}

// HTTP2 returns the HTTP/2 figures of the Servers using m now: zeros for
// those that serve no HTTP/2 (no TLS, no H2C).
func (m *Metrics) HTTP2() HTTP2Counts {
	m.mu.Lock()
	servers := append([]*Server(nil), m.servers...)
	m.mu.Unlock()
	var n HTTP2Counts
	for _, s := range servers {
		if s.h2 == nil {
			continue
		}
		st := s.h2.srv.Stats()
		n.Conns += st.ConnsOpen
		n.Streams += st.StreamsOpen
		n.StreamsTotal += st.StreamsTotal
		n.Resets += st.Resets
		n.Refused += st.Refused
		n.EnhanceYourCalm += st.EnhanceYourCalm
		n.ProtocolErrors += st.ProtocolErrors
		n.TooSlow += st.TooSlow
		n.Stalled += st.Stalled
	}
	return n
}

// attach makes m count s's connections; Serve calls it.
func (m *Metrics) attach(s *Server) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.servers {
		if t == s {
			return
		}
	}
	m.servers = append(m.servers, s)
}

// connMetrics is a connection's state for Server.Metrics: where its
// counts of bytes stood at its last request, and the route label the
// current request is answered under.
type connMetrics struct {
	route          string
	received, sent int64
}

// routed labels the current request: RouteStatic, or the application's
// Environ.Route.
func (x *exchange) routed(route string) {
	if route == "" {
		route = RouteApp
	}
	x.mx.route = route
}

// countRequest counts the current request in Server.Metrics, if set: the
// access log's point, which every request passes.
func (x *exchange) countRequest() {
	m := x.srv.Metrics
	if m == nil {
		return
	}
	route := x.mx.route
	switch {
	case x.resp.health:
		route = RouteHealth
	case route == "":
		route = RouteNone
	case route == RouteApp && x.app.env.Route != "":
		// Named while its body streamed: net/http's ServeMux under
		// gatewayhttp.FromHandler matches when the stream runs.
		route = x.app.env.Route
	}
	x.mx.route = ""
	in, out := x.t.traffic()
	m.Request(route, x.req.Method, x.resp.status, time.Since(x.start),
		max(in-x.mx.received, 0), max(out-x.mx.sent, 0))
	x.mx.received, x.mx.sent = in, out
}

// Nil-safe counting, for one-line hooks where the events happen.

func (m *Metrics) accepted() {
	if m != nil {
		m.Accepted.Add(1)
	}
}

func (m *Metrics) refused() {
	if m != nil {
		m.Refused.Add(1)
	}
}

// atCap counts a look for slots at the cap: closed connections reclaimed,
// and a newcomer when it looked first.
func (m *Metrics) atCap(closed int, first bool) {
	if m == nil {
		return
	}
	if first {
		m.AtCap.Add(1)
	}
	if closed > 0 {
		m.Reclaimed.Add(uint64(closed))
	}
}

func (m *Metrics) handshake(err error) {
	switch {
	case m == nil:
	case err != nil:
		m.TLSFailures.Add(1)
	default:
		m.TLSHandshakes.Add(1)
	}
}

// SendToApp makes requests for the exact path go to App too, whatever
// AppPath or Suffix say of it: for a path the command answers in front of
// the site (the metrics). Call it before Serve.
func (s *Server) SendToApp(path string) {
	rule := &Server{AppPath: s.AppPath, Suffix: s.Suffix} // the rule as it stood: route.go
	s.AppPath = func(p string) bool { return p == path || rule.toApp(p) }
}
