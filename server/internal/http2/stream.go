package http2

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// Handler serves the streams of a connection: ServeStream is called once
// per request, on a goroutine of its own, and the stream ends when it
// returns (see Stream for what the end sends).
type Handler interface {
	ServeStream(s *Stream)
}

// HandlerFunc makes a Handler of a function.
type HandlerFunc func(s *Stream)

// ServeStream calls f(s).
func (f HandlerFunc) ServeStream(s *Stream) { f(s) }

// Stream is one request and its response (RFC 9113 §5, §8). The request
// side is read with Method, Scheme, Authority, Path, Fields, ContentLength,
// Body and Trailers; the response is written with WriteHeader, Write,
// Flush and SetTrailers, or abandoned with Abort.
//
// When ServeStream returns, the response ends: with its trailers if set,
// else with END_STREAM on the last frame; a response without WriteHeader
// is a 200 with no body; a response shorter than the content length given
// to WriteHeader, or a panic in the handler, resets the stream
// (INTERNAL_ERROR), so that a failed response never looks complete.
//
// A Stream, its fields and its body are valid until ServeStream returns,
// and not after: streams are reused. Its methods may be called from one
// goroutine at a time (the handler's), except Context.
type Stream struct {
	c    *Conn
	id   uint32
	head requestHead

	// Receive side, guarded by c.mu.
	rbuf       []byte // request body bytes not yet read
	roff       int
	recvd      int64 // DATA payload bytes received
	recvWindow int64 // what the client may still send on the stream
	unacked    int64 // read by the handler, not yet given back in a WINDOW_UPDATE
	discarded  int64 // received after the handler returned
	recvEnd    bool  // END_STREAM received (or the stream reset)
	trailers   []gateway.Field
	trailerBuf requestHead
	rcond      sync.Cond

	// Send side, guarded by c.mu.
	sendWindow   int64
	wroteHeader  bool // WriteHeader called
	headSent     bool // its HEADERS queued
	noBody       bool // HEAD, 204, 304: writes are dropped
	status       int
	respFields   []gateway.Field
	declared     int64 // content length given to WriteHeader, -1 unknown
	sent         int64
	respTrailers []gateway.Field
	stallAt      time.Time     // when the write waiting on a window began; zero: none waits
	stalled      time.Duration // waited on a window before stallAt (stall.go)
	sentEnd      bool          // END_STREAM queued
	reset        bool          // RST_STREAM sent or received, or the connection gone
	resetCode    ErrCode

	// Life, guarded by c.mu.
	inMap       bool // counted among the connection's open streams
	handlerDone bool
	finishing   bool // closed without a reset while its handler runs (Conn.finishing)
	awaiting    bool // handler done, the request's end awaited (rate.go)
	ctxUsed     bool // Context was called: never reused
	done        chan struct{}
	cancelled   bool
}

var streamPool = sync.Pool{New: func() any { return new(Stream) }}

// getStream returns a clean stream of c.
func getStream(c *Conn, id uint32) *Stream {
	s := streamPool.Get().(*Stream)
	s.c, s.id = c, id
	s.rcond.L = &c.mu
	s.declared = -1
	return s
}

// putStream recycles s, unless its context may outlive it.
func putStream(s *Stream) {
	if s.ctxUsed {
		return
	}
	head, tb, rbuf := s.head, s.trailerBuf, s.rbuf
	if cap(rbuf) > 64<<10 {
		rbuf = nil
	}
	clear(head.fields[:cap(head.fields)])
	clear(tb.fields[:cap(tb.fields)])
	*s = Stream{}
	s.head.fields, s.trailerBuf.fields, s.rbuf = head.fields[:0], tb.fields[:0], rbuf[:0]
	streamPool.Put(s)
}

// ID returns the stream's identifier: odd, increasing on a connection.
func (s *Stream) ID() uint32 { return s.id }

// Conn returns the connection that carries the stream.
func (s *Stream) Conn() *Conn { return s.c }

// Method returns the request method (:method), such as "GET".
func (s *Stream) Method() string { return s.head.method }

// Scheme returns :scheme, such as "https" ("" for CONNECT).
func (s *Stream) Scheme() string { return s.head.scheme }

// Authority returns :authority, or the Host field when :authority is
// absent, such as "example.com:8443"; "" if neither was sent.
func (s *Stream) Authority() string { return s.head.authority }

// Path returns :path as sent, such as "/a%20b?x=1" or "*" ("" for
// CONNECT, which the caller should answer 501: this server is no proxy).
func (s *Stream) Path() string { return s.head.path }

// Fields returns the request's fields in the order sent, without the
// pseudo-header fields; names are lowercase (HTTP/2 sends them so), the
// cookie crumbs are joined into one "cookie" field (RFC 9113 §8.2.3), and
// a Host field is kept if sent. The slice is the stream's: read, do not
// keep.
func (s *Stream) Fields() []gateway.Field { return s.head.fields }

// ContentLength returns the request's content-length: the one it gave,
// 0 when its HEADERS ended the stream (no body can follow), else -1. The
// DATA the client sends is held to it: more or less is a stream
// error (PROTOCOL_ERROR), and Body returns an error.
func (s *Stream) ContentLength() int64 { return s.head.contentLength }

// Body returns the request body, flow-controlled: the client may send
// ahead only as much as the stream's window (Limits.StreamWindow), given
// back as the body is read. Read returns io.EOF at its end, and an error
// if the stream was reset or its connection lost.
func (s *Stream) Body() io.Reader { return (*streamBody)(s) }

// Trailers returns the request's trailer fields (lowercase names), valid
// once Body has returned io.EOF; nil if there were none.
func (s *Stream) Trailers() []gateway.Field { return s.trailers }

// Context returns a context cancelled when the stream is reset, its
// connection ends, or ServeStream returns. It carries the values of the
// Server's BaseContext. A stream whose Context was asked for is not reused.
func (s *Stream) Context() context.Context {
	s.c.mu.Lock()
	s.ctxUsed = true
	s.c.mu.Unlock()
	return (*streamContext)(s)
}

// cancel cancels the stream's context; c.mu is held.
func (s *Stream) cancel() {
	if s.cancelled {
		return
	}
	s.cancelled = true
	if s.done != nil {
		close(s.done)
	}
}

// streamBody is a Stream's request body.
type streamBody Stream

// Read reads request body bytes as they come, giving the window back to
// the client in WINDOW_UPDATE frames as they are read.
func (b *streamBody) Read(p []byte) (int, error) {
	s := (*Stream)(b)
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if s.roff < len(s.rbuf) {
			n := copy(p, s.rbuf[s.roff:])
			s.roff += n
			if s.roff == len(s.rbuf) {
				s.rbuf, s.roff = s.rbuf[:0], 0
			}
			c.readBuffered -= n
			c.consumed(s, int64(n))
			return n, nil
		}
		if s.reset {
			return 0, ErrStreamClosed
		}
		if s.recvEnd {
			return 0, io.EOF
		}
		if len(p) == 0 {
			return 0, nil
		}
		c.await()
		s.rcond.Wait()
		c.unawait()
	}
}

// streamContext is a Stream as a context.Context.
type streamContext Stream

// Deadline returns no deadline.
func (x *streamContext) Deadline() (deadline time.Time, ok bool) { return }

// Done returns a channel closed when the stream's context is cancelled.
func (x *streamContext) Done() <-chan struct{} {
	s := (*Stream)(x)
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.done == nil {
		s.done = make(chan struct{})
		if s.cancelled {
			close(s.done)
		}
	}
	return s.done
}

// Err returns context.Canceled once the context is cancelled.
func (x *streamContext) Err() error {
	s := (*Stream)(x)
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.cancelled {
		return context.Canceled
	}
	return nil
}

// Value returns the value of the connection's base context.
func (x *streamContext) Value(key any) any { return x.c.base.Value(key) }
