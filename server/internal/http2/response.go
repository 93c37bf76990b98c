package http2

import (
	"github.com/miniweb/miniweb/server/gateway"
)

// WriteHeader sets the response's status (200 to 599), fields and content
// length (-1 if unknown; the body is then held to it). The head is sent
// with the first Write, with Flush, or when ServeStream returns, in one
// write with what follows, so fields must not change until then. Fields
// are sent with lowercase names; connection-specific ones
// (Connection, Transfer-Encoding, ...) and Content-Length are dropped: the
// content length is the argument's. For HEAD requests and statuses 204 and
// 304 the body is dropped.
func (s *Stream) WriteHeader(status int, fields []gateway.Field, contentLength int64) error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.wroteHeader {
		return ErrHeaderWritten
	}
	if status < 200 || status > 599 {
		return ErrBadStatus
	}
	s.wroteHeader = true
	s.status, s.respFields, s.declared = status, fields, contentLength
	s.noBody = s.head.method == "HEAD" || status == 204 || status == 304
	if s.noBody && status != 304 && s.head.method != "HEAD" {
		s.declared = -1
	}
	return nil
}

// Write sends p as DATA frames, as the flow-control windows of the stream
// and the connection allow, and the connection's write buffer
// (Limits.MaxWriteBuffer): it waits while they are full, so that a client
// that does not read holds no more memory than that. It returns
// ErrStreamClosed once the stream is reset or its connection lost, and
// ErrContentLength (and resets the stream) if p goes past the content
// length given to WriteHeader.
func (s *Stream) Write(p []byte) (int, error) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !s.wroteHeader {
		s.wroteHeader, s.status, s.declared = true, 200, -1
	}
	if s.reset || s.sentEnd {
		return 0, ErrStreamClosed
	}
	if s.noBody {
		return len(p), nil
	}
	if s.declared >= 0 && s.sent+int64(len(p)) > s.declared {
		c.resetStream(s, ErrCodeInternal)
		return 0, ErrContentLength
	}
	n := 0
	for len(p) > 0 {
		if s.reset {
			return n, ErrStreamClosed
		}
		if c.broken {
			return n, ErrStreamClosed
		}
		avail := min(s.sendWindow, c.sendWindow, int64(c.peerMaxFrame), int64(c.lim.MaxWriteBuffer-len(c.wbuf)))
		if avail <= 0 {
			if !s.headSent {
				c.queueHead(s, false)
				c.wakeWriter()
			}
			if s.sendWindow > 0 && c.sendWindow > 0 {
				c.sendCond.Wait() // the write buffer is full: WriteTimeout bounds its write
				continue
			}
			c.stallBegin(s) // the client's window is shut
			c.sendCond.Wait()
			c.stallEnd(s)
			continue
		}
		chunk := p[:min(avail, int64(len(p)))]
		end := s.declared >= 0 && s.sent+int64(len(chunk)) == s.declared && s.respTrailers == nil
		if !s.headSent {
			c.queueHead(s, false)
		}
		c.wbuf = AppendData(c.out(), s.id, end, chunk)
		s.sendWindow -= int64(len(chunk))
		c.sendWindow -= int64(len(chunk))
		s.sent += int64(len(chunk))
		c.idleFrames = 0
		p = p[len(chunk):]
		n += len(chunk)
		if end {
			c.endSent(s)
		}
		c.wakeWriter()
	}
	return n, nil
}

// Flush sends the response head if it has not gone yet. Body bytes need
// no flush: Write queues them for the socket at once.
func (s *Stream) Flush() error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.reset {
		return ErrStreamClosed
	}
	if !s.wroteHeader {
		s.wroteHeader, s.status, s.declared = true, 200, -1
	}
	if !s.headSent {
		end := (s.declared == 0 || s.noBody) && s.respTrailers == nil
		c.queueHead(s, end)
		c.wakeWriter()
	}
	return nil
}

// SetTrailers sets the trailer fields the response ends with (RFC 9113
// §8.1), sent when ServeStream returns. With a known content length, call
// it before the last Write: the last byte ends the stream, after which
// it returns ErrTrailersTooLate. fields must not change until ServeStream
// returns.
func (s *Stream) SetTrailers(fields []gateway.Field) error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.sentEnd || s.reset {
		return ErrTrailersTooLate
	}
	s.respTrailers = fields
	return nil
}

// Abort resets the stream (RST_STREAM INTERNAL_ERROR) unless the response
// has ended: the client sees it fail rather than end short.
func (s *Stream) Abort() {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !s.reset && !s.sentEnd {
		c.resetStream(s, ErrCodeInternal)
	}
}

// finishResponse ends the response when ServeStream has returned (see
// Stream); c.mu is held.
func (c *Conn) finishResponse(s *Stream, panicked bool) {
	if s.reset || s.sentEnd {
		return
	}
	if panicked || s.declared >= 0 && s.sent < s.declared && !s.noBody {
		c.resetStream(s, ErrCodeInternal)
		return
	}
	if !s.wroteHeader {
		s.wroteHeader, s.status, s.declared = true, 200, -1
	}
	if !s.headSent {
		c.queueHead(s, s.respTrailers == nil)
	} else if s.respTrailers == nil {
		c.wbuf = AppendData(c.out(), s.id, true, nil)
		c.endSent(s)
	}
	if !s.sentEnd {
		block := c.enc.encode(0, s.respTrailers, -1)
		c.wbuf = AppendHeaderBlock(c.out(), s.id, true, block, c.peerMaxFrame)
		c.endSent(s)
	}
	c.wakeWriter()
}

// queueHead queues the response's HEADERS, with END_STREAM if end; c.mu is
// held.
func (c *Conn) queueHead(s *Stream, end bool) {
	block := c.enc.encode(s.status, s.respFields, s.declared)
	c.wbuf = AppendHeaderBlock(c.out(), s.id, end, block, c.peerMaxFrame)
	s.headSent = true
	s.respFields = nil
	if end {
		c.endSent(s)
	}
}
