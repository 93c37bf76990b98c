// Package metrics exposes a miniweb server's figures to Prometheus, in its
// text exposition format (version 0.0.4): the engine's counts
// (httpserver.Metrics: requests by route, method and status class with a
// latency histogram, bytes, connections, TLS handshakes), the database
// pool (database/sql's DBStats), the site's own figures (Figure: the demo's
// hash gate), restarts, build information, and the Go runtime's and the
// process's (CPU, memory, descriptors, by github.com/VictoriaMetrics/metrics).
//
// Nothing here runs per request: the engine counts with atomic adds, and
// the exporter reads the counts when scraped. The command serves the text
// on a listener of its own ([metrics] listen) or on a path of the site's
// listener answered only to listed networks ([metrics] path and allow),
// through App.
package metrics
