package http2

import (
	"runtime"
	"sync"
	"time"
)

// writer is the write side of a connection, guarded by its mu: the frames
// queued for the socket, the HPACK encoder whose order they follow, and
// the goroutine that writes them (see Conn).
type writer struct {
	enc      *headerEncoder
	wbuf     []byte // queued frames
	spare    []byte // the buffer being written, or free
	wclosed  bool   // the writer writes what is queued, then ends
	broken   bool   // nothing more can be written
	wcond    sync.Cond
	sendCond sync.Cond // handlers waiting for a window or buffer room
	wdone    chan struct{}
}

// wbufSize is the capacity of a write buffer from wbufPool.
const wbufSize = 16 << 10

// wbufPool holds write buffers: a connection holds two while it has
// streams, and gives them back when it has none and nothing is queued,
// so that an idle connection holds no write buffer.
var wbufPool sync.Pool

// getBuf returns an empty write buffer.
func getBuf() []byte {
	if p, ok := wbufPool.Get().(*[wbufSize]byte); ok {
		return p[:0]
	}
	return new([wbufSize]byte)[:0]
}

// putBuf gives b back to the pool, unless it grew beyond its size (a burst
// of frames: left to the garbage collector).
func putBuf(b []byte) {
	if cap(b) == wbufSize {
		wbufPool.Put((*[wbufSize]byte)(b[:wbufSize]))
	}
}

// out returns the write buffer to append frames to, taking one from the
// pool if the connection has none; c.mu is held.
func (c *Conn) out() []byte {
	if c.wbuf == nil {
		c.wbuf = getBuf()
	}
	return c.wbuf
}

func (w *writer) init(c *Conn) {
	w.enc = newHeaderEncoder()
	w.wcond.L = &c.mu
	w.sendCond.L = &c.mu
	w.wdone = make(chan struct{})
}

// reasonNotReading is the reason of the connection error of a client that
// lets control frames pile up unread.
const reasonNotReading = "client not reading: control frames piling up"

// wakeWriter tells the writer there is something to write; c.mu is held.
func (c *Conn) wakeWriter() { c.wcond.Signal() }

// checkQueued returns a connection error if the frames queued have grown
// past four write buffers beyond Limits.MaxWriteBuffer: only control
// frames go past it, and only a client that reads nothing while it asks
// for more makes them pile up; c.mu is held.
func (c *Conn) checkQueued() error {
	if len(c.wbuf) > 5*c.lim.MaxWriteBuffer {
		return ConnError{ErrCodeEnhanceYourCalm, reasonNotReading}
	}
	return nil
}

// releaseBufs gives the write buffers back to the pool; c.mu is held and
// nothing is queued.
func (c *Conn) releaseBufs() {
	if c.spare != nil {
		putBuf(c.spare)
		c.spare = nil
	}
	if c.wbuf != nil {
		putBuf(c.wbuf)
		c.wbuf = nil
	}
}

// writeLoop writes what is queued, the whole queue at once, until the
// connection ends or a write fails.
func (c *Conn) writeLoop() {
	defer close(c.wdone)
	c.mu.Lock()
	for {
		for len(c.wbuf) == 0 && !c.wclosed {
			c.wcond.Wait()
		}
		if len(c.wbuf) == 0 {
			c.mu.Unlock()
			return
		}
		if c.running > 0 && !c.wclosed {
			// Handlers are running, whose frames may come in a moment:
			// let them, once, so that one write carries them all (with 10
			// requests in flight, half the writes go).
			c.mu.Unlock()
			runtime.Gosched()
			c.mu.Lock()
		}
		buf := c.wbuf
		c.wbuf, c.spare = c.spare, nil
		if c.wbuf == nil {
			c.wbuf = getBuf()
		}
		c.mu.Unlock()
		c.nc.SetWriteDeadline(time.Now().Add(c.lim.WriteTimeout))
		_, err := c.nc.Write(buf)
		c.mu.Lock()
		c.spare = buf[:0]
		if cap(buf) != wbufSize {
			c.spare = nil // grown by a burst of frames: not kept
		}
		if len(c.wbuf) == 0 && c.open == 0 && c.running == 0 {
			c.releaseBufs()
		}
		if err != nil {
			c.broken = true
			c.wbuf = c.wbuf[:0]
			for _, s := range c.streams {
				s.cancel()
				s.rcond.Broadcast()
			}
			c.sendCond.Broadcast()
			c.mu.Unlock()
			c.nc.Close() // the reader ends too
			return
		}
		c.sendCond.Broadcast()
	}
}
