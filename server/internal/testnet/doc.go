// Package testnet holds what the server's tests share: the engine's
// (miniweb/server/httpserver), the end-to-end tests' (miniweb/server/e2e),
// the command's (miniweb/server) and the socket packages' (http1,
// sockio): a TCP connection pair, a buffer safe for concurrent writers,
// polling up to Patience, a leak check of a package's goroutines after
// its tests (RunLeakChecked), a timed keep-alive client and its
// percentiles, and load clients for graceful-stop tests. Every client
// dials the address it is given, which the tests keep on loopback.
//
// A test waits on the event it expects, with Patience as the deadline
// only a hang reaches; figures (latencies, CPU time) are logged, and held
// to a bound only on request: StrictLatency (MINIWEB_LATENCY=1) and
// Figures (MINIWEB_FIGURES=1), on a quiet machine.
package testnet
