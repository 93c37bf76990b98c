package metrics

import (
	"bufio"
	"database/sql"
	"io"
	"runtime/debug"
	"strconv"
	"sync"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/miniweb/miniweb/server/httpserver"
)

// Options are what an Exporter reads when scraped; a nil part is left out.
type Options struct {
	// Engine is the Servers' counts (httpserver.Server.Metrics).
	Engine *httpserver.Metrics
	// DB returns the database pool's figures (database/sql's DB.Stats);
	// nil for a site without a database.
	DB func() sql.DBStats
	// Figures are the site's own, such as the demo's hash gate.
	Figures []Figure
	// Restarts returns how many restarts (SIGHUP hand-offs) led to this
	// process, and how many this process tried that failed
	// (server/internal/handoff).
	Restarts func() (done, failed int64)
	// Process adds the Go runtime's and the process's figures (go_*,
	// process_*: CPU, memory, descriptors, collections).
	Process bool
}

// A Figure is one figure a site keeps, read at each scrape.
type Figure struct {
	// Name is the metric name, such as "demo_hash_gate_waiting".
	Name string
	// Help says what it counts, one line.
	Help string
	// Counter says it only grows (a count since the start); else it is a
	// gauge (a level now).
	Counter bool
	// Value reads it.
	Value func() float64
}

// An Exporter writes the figures of Options in the text format.
type Exporter struct {
	o     Options
	build []string // miniweb_build_info's labels
}

// metadataOnce turns on the library's HELP and TYPE lines for the process
// figures, once: a switch of the whole process.
var metadataOnce sync.Once

// New returns an Exporter of o's figures.
func New(o Options) *Exporter {
	metadataOnce.Do(func() { vm.ExposeMetadata(true) })
	return &Exporter{o: o, build: buildLabels()}
}

// buildLabels returns the build's version, Go version and VCS revision
// (runtime/debug.ReadBuildInfo), "unknown" where the binary does not say.
func buildLabels() []string {
	version, goVersion, revision, modified := "unknown", "unknown", "unknown", "false"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
	}
	return []string{"version", version, "goversion", goVersion, "revision", revision, "modified", modified}
}

// ContentType is the media type of what Write writes.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Write writes every figure to w in the text exposition format.
func (e *Exporter) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	t := textWriter{w: bw}
	t.family("miniweb_build_info", "gauge", "The build: its module version, Go version and VCS revision; always 1.")
	t.sample("miniweb_build_info", 1, e.build...)
	if m := e.o.Engine; m != nil {
		writeEngine(t, m)
	}
	if e.o.DB != nil {
		writeDB(t, e.o.DB())
	}
	if e.o.Restarts != nil {
		done, failed := e.o.Restarts()
		t.one("miniweb_restarts_total", "counter", "Restarts (SIGHUP hand-offs to a new process) that led to this process since the first one started.", float64(done))
		t.one("miniweb_restart_failures_total", "counter", "Restarts this process tried that failed (it served on).", float64(failed))
	}
	for _, f := range e.o.Figures {
		typ := "gauge"
		if f.Counter {
			typ = "counter"
		}
		t.one(f.Name, typ, f.Help, f.Value())
	}
	if e.o.Process {
		vm.WriteProcessMetrics(bw)
	}
	return bw.Flush()
}

// writeEngine writes the engine's families.
func writeEngine(t textWriter, m *httpserver.Metrics) {
	methods, classes := httpserver.RequestMethods(), httpserver.StatusClasses()
	var routes []httpserver.RouteCounts
	m.Routes(func(rc *httpserver.RouteCounts) { routes = append(routes, *rc) })

	t.family("http_requests_total", "counter", "Requests answered, by route pattern (static, health, app: no route named, none: refused before any handler), method and status class.")
	for i := range routes {
		rc := &routes[i]
		for mi, method := range methods {
			for ci, class := range classes {
				if n := rc.Requests[mi][ci]; n > 0 {
					t.sample("http_requests_total", float64(n), "route", rc.Route, "method", method, "status", class)
				}
			}
		}
	}
	bounds := httpserver.DurationBuckets()
	t.family("http_request_duration_seconds", "histogram", "Time from a request's head to the end of its answer, by route pattern.")
	for i := range routes {
		rc := &routes[i]
		var cum uint64
		for bi, b := range bounds {
			cum += rc.Buckets[bi]
			t.sample("http_request_duration_seconds_bucket", float64(cum), "route", rc.Route, "le", strconv.FormatFloat(b, 'g', -1, 64))
		}
		cum += rc.Buckets[len(bounds)]
		t.sample("http_request_duration_seconds_bucket", float64(cum), "route", rc.Route, "le", "+Inf")
		t.sample("http_request_duration_seconds_sum", rc.Seconds, "route", rc.Route)
		t.sample("http_request_duration_seconds_count", float64(cum), "route", rc.Route)
	}
	t.one("http_received_bytes_total", "counter", "Bytes read from clients: request heads and bodies.", float64(m.Received.Load()))
	t.one("http_sent_bytes_total", "counter", "Bytes sent to clients: response heads and bodies (over TLS, before encryption).", float64(m.Sent.Load()))

	conns := m.Conns()
	t.one("http_connections_open", "gauge", "Connections open now.", float64(conns.Open))
	t.one("http_connections_idle", "gauge", "Open connections waiting for a request of which no byte has come.", float64(conns.Idle))
	t.one("http_connections_accepted_total", "counter", "Connections accepted and given a slot.", float64(m.Accepted.Load()))
	t.one("http_connections_at_cap_total", "counter", "Connections that found every slot of limits.max_conns taken (seated by reclaiming one, or after waiting).", float64(m.AtCap.Load()))
	t.one("http_connections_reclaimed_total", "counter", "Connections closed at limits.max_conns for a newcomer: idle ones, and those behind limits.min_rate_bytes.", float64(m.Reclaimed.Load()))
	t.one("http_connections_refused_total", "counter", "Connections closed at accept because their address held its share (limits.max_conns_per_addr).", float64(m.Refused.Load()))
	t.one("tls_handshakes_total", "counter", "TLS handshakes completed.", float64(m.TLSHandshakes.Load()))
	t.one("tls_handshake_failures_total", "counter", "TLS handshakes that failed: a bad or plain-text hello, no common version or cipher, a client that left or timed out.", float64(m.TLSFailures.Load()))
	h2 := m.HTTP2()
	t.one("http2_connections_open", "gauge", "HTTP/2 connections open now (counted in http_connections_open too).", float64(h2.Conns))
	t.one("http2_streams_open", "gauge", "HTTP/2 streams open now.", float64(h2.Streams))
	t.one("http2_streams_total", "counter", "HTTP/2 streams opened: HTTP/2's requests.", float64(h2.StreamsTotal))
	t.one("http2_stream_resets_total", "counter", "HTTP/2 streams the client reset before their answer ended.", float64(h2.Resets))
	t.one("http2_streams_refused_total", "counter", "HTTP/2 streams refused over the concurrent-stream limit.", float64(h2.Refused))
	t.one("http2_goaway_enhance_your_calm_total", "counter", "HTTP/2 connections ended for a flood (rapid reset, SETTINGS, PING, empty or unknown frames) or for requests slower than limits.min_rate_bytes.", float64(h2.EnhanceYourCalm))
	t.one("http2_goaway_protocol_errors_total", "counter", "HTTP/2 connections ended by another connection error.", float64(h2.ProtocolErrors))
	t.one("http2_too_slow_total", "counter", "HTTP/2 connections ended for sending requests slower than limits.min_rate_bytes (in http2_goaway_enhance_your_calm_total too).", float64(h2.TooSlow))
	t.one("http2_streams_stalled_total", "counter", "HTTP/2 streams reset for waiting on the client's flow-control window past the write timeout.", float64(h2.Stalled))
}

// writeDB writes the database pool's families.
func writeDB(t textWriter, s sql.DBStats) {
	t.one("db_connections_max", "gauge", "The pool's bound on open connections (database.max_conns).", float64(s.MaxOpenConnections))
	t.one("db_connections_open", "gauge", "Database connections open now.", float64(s.OpenConnections))
	t.one("db_connections_in_use", "gauge", "Database connections running a statement or transaction now.", float64(s.InUse))
	t.one("db_connections_idle", "gauge", "Database connections open and idle now.", float64(s.Idle))
	t.one("db_connection_waits_total", "counter", "Times a query waited for a connection: the pool was at its bound.", float64(s.WaitCount))
	t.one("db_connection_wait_seconds_total", "counter", "Time queries spent waiting for a connection.", s.WaitDuration.Seconds())
}
