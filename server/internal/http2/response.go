package http2

import (
	"io"
	"sync"

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
		avail, err := c.room(s)
		if err != nil {
			return n, err
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

// room waits until s may send body bytes, and returns how many may go in
// one DATA frame now: as many as the windows of the stream and the
// connection, the client's frame size and the connection's write buffer
// allow. It returns ErrStreamClosed once the stream is reset or its
// connection lost. c.mu is held.
func (c *Conn) room(s *Stream) (int64, error) {
	for {
		if s.reset || c.broken {
			return 0, ErrStreamClosed
		}
		avail := min(s.sendWindow, c.sendWindow, int64(c.peerMaxFrame), int64(c.lim.MaxWriteBuffer-len(c.wbuf)))
		if avail > 0 {
			return avail, nil
		}
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
	}
}

// fileBufs holds the buffers of ReadFrom: one frame's worth each.
var fileBufs = sync.Pool{New: func() any { return new([DefaultMaxFrameSize]byte) }}

// ReadFrom sends what r reads as DATA frames, up to the content length
// given to WriteHeader if any, until r's end (io.ReaderFrom, for a static
// file). It reads only what may go at once (room: at most a frame), into
// a pooled buffer held from the read to the copy into the connection's
// write buffer: a stream waiting on the client's window holds no body
// bytes, where io.Copy would hold its 32 KiB buffer for as long. Errors
// are Write's, or r's.
func (s *Stream) ReadFrom(r io.Reader) (int64, error) {
	c := s.c
	var total int64
	for {
		c.mu.Lock()
		if !s.wroteHeader {
			s.wroteHeader, s.status, s.declared = true, 200, -1
		}
		if s.declared >= 0 && s.sent >= s.declared && !s.noBody {
			c.mu.Unlock()
			return total, nil // all that was declared: r's rest is not read
		}
		if s.reset || s.sentEnd {
			c.mu.Unlock()
			return total, ErrStreamClosed
		}
		avail := int64(DefaultMaxFrameSize)
		var err error
		if !s.noBody {
			avail, err = c.room(s)
			if s.declared >= 0 {
				avail = min(avail, s.declared-s.sent)
			}
		}
		c.mu.Unlock()
		if err != nil {
			return total, err
		}
		buf := fileBufs.Get().(*[DefaultMaxFrameSize]byte)
		n, rerr := r.Read(buf[:min(avail, DefaultMaxFrameSize)])
		var werr error
		if n > 0 {
			n, werr = s.Write(buf[:n])
			total += int64(n)
		}
		fileBufs.Put(buf)
		switch {
		case werr != nil:
			return total, werr
		case rerr == io.EOF:
			return total, nil
		case rerr != nil:
			return total, rerr
		}
	}
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
