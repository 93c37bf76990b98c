// Package testnet holds what the server's tests share: the engine's
// (miniweb/server/httpserver), the command's (miniweb/server) and the
// socket packages' (http1, sockio): a TCP connection pair, a buffer safe
// for concurrent writers, polling, a timed keep-alive client and its
// percentiles, and load clients for graceful-stop tests. Every client dials
// the address it is given, which the tests keep on loopback.
package testnet
