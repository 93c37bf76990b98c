package http2

import "time"

// Limits bounds what one HTTP/2 connection may cost. Each field's zero
// value means the default given beside it; the defaults are what a browser
// or a balancer never reaches and an attacker reaches at once.
type Limits struct {
	// MaxConcurrentStreams is SETTINGS_MAX_CONCURRENT_STREAMS: the streams
	// a client may have open at once, and the handlers that may run at
	// once on a connection (a stream the client reset counts until its
	// handler returns). A stream beyond it is refused (RST_STREAM
	// REFUSED_STREAM). Zero means 128.
	MaxConcurrentStreams uint32
	// MaxHeaderListSize is SETTINGS_MAX_HEADER_LIST_SIZE: the decoded size
	// of a request's fields (name + value + 32 each, RFC 9113 §6.5.2). A
	// larger request is answered 431. Zero means 64 KiB.
	MaxHeaderListSize uint32
	// MaxHeaderFrames is how many frames (HEADERS plus CONTINUATIONs) one
	// header block may take; beyond it, or beyond 4 x MaxHeaderListSize
	// bytes, the connection ends with ENHANCE_YOUR_CALM (the CONTINUATION
	// flood). Zero means 32.
	MaxHeaderFrames int
	// StreamWindow is SETTINGS_INITIAL_WINDOW_SIZE: the request body bytes
	// a stream may send before its handler reads them, in bytes; the most
	// a stream buffers. Zero means 65,535.
	StreamWindow uint32
	// ConnWindow is the connection's receive window, in bytes: the most a
	// connection buffers for all its streams' request bodies. Zero means
	// 1 MiB.
	ConnWindow uint32
	// MaxResets is how many streams a client may reset before their
	// responses ended, or have refused, beyond the number of streams it
	// let complete, before the connection ends with ENHANCE_YOUR_CALM
	// (rapid reset, CVE-2023-44487). Zero means 200.
	MaxResets int
	// MaxIdleFrames is how many frames that ask work of the server but
	// carry no request (PING, SETTINGS, WINDOW_UPDATE, PRIORITY,
	// RST_STREAM, empty DATA, unknown types) a client may send between
	// two requests or two DATA frames the server writes, before the
	// connection ends with ENHANCE_YOUR_CALM. Zero means 1000.
	MaxIdleFrames int
	// MaxWriteBuffer is the most response bytes a connection queues for
	// its socket, in bytes; a handler's Write waits beyond it (and on the
	// flow-control windows). Control frames may exceed it by four times
	// as much; past that the client is not reading and the connection
	// ends. Zero means 64 KiB.
	MaxWriteBuffer int
	// HandshakeTimeout bounds the wait for the client preface and its
	// first SETTINGS frame. Zero means 10 s.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a connection (with GOAWAY) that has had no open
	// stream for so long. Zero means 5 minutes; negative means never.
	IdleTimeout time.Duration
	// WriteTimeout bounds one write of queued frames to the socket: a
	// client that reads nothing for so long loses the connection. It also
	// bounds the time a response's writes may wait, in all, on the
	// client's flow-control window: past it the stream is reset
	// (RST_STREAM CANCEL, stall.go). Zero means 30 s.
	WriteTimeout time.Duration
	// MinRate is the slowest, in bytes per second, that a client may send
	// its requests (the payloads of HEADERS, CONTINUATION and DATA) while
	// the server waits for them, once MinRateGrace has passed: see
	// rate.go. A connection that falls behind ends with GOAWAY
	// ENHANCE_YOUR_CALM. Zero means no minimum.
	MinRate int
	// MinRateGrace is the wait a client is given before MinRate counts.
	// Zero means 5 s.
	MinRateGrace time.Duration
}

// withDefaults returns l with each zero field set to its default.
func (l Limits) withDefaults() Limits {
	if l.MaxConcurrentStreams == 0 {
		l.MaxConcurrentStreams = 128
	}
	if l.MaxHeaderListSize == 0 {
		l.MaxHeaderListSize = 64 << 10
	}
	if l.MaxHeaderFrames <= 0 {
		l.MaxHeaderFrames = 32
	}
	if l.StreamWindow == 0 {
		l.StreamWindow = 65535
	}
	if l.StreamWindow > maxWindow {
		l.StreamWindow = maxWindow
	}
	if l.ConnWindow == 0 {
		l.ConnWindow = 1 << 20
	}
	if l.ConnWindow < 65535 {
		l.ConnWindow = 65535 // the window every connection starts with
	}
	if l.ConnWindow > maxWindow {
		l.ConnWindow = maxWindow
	}
	if l.MaxResets <= 0 {
		l.MaxResets = 200
	}
	if l.MaxIdleFrames <= 0 {
		l.MaxIdleFrames = 1000
	}
	if l.MaxWriteBuffer <= 0 {
		l.MaxWriteBuffer = 64 << 10
	}
	if l.HandshakeTimeout <= 0 {
		l.HandshakeTimeout = 10 * time.Second
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = 5 * time.Minute
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 30 * time.Second
	}
	if l.MinRateGrace <= 0 {
		l.MinRateGrace = 5 * time.Second
	}
	return l
}
