package httpserver

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// accessLog writes one line per request, in Combined Log Format or as JSON
// through log/slog (Server.AccessLog, Server.AccessLogFormat). Lines are buffered and written at least every
// flushEvery, when the buffer fills, and on Close, so a busy server does
// not pay a write per request.
//
// The bytes of a line are the response body bytes the connection accepted,
// as nginx's $body_bytes_sent: a response cut short by a write timeout or
// a client that left logs what went out, not what the application gave.
// A cut chunked body counts its chunk framing too.
type accessLog struct {
	mu   sync.Mutex
	out  io.Writer
	buf  []byte
	json *slog.Logger // nil for Combined Log Format
	stop chan struct{}
	done chan struct{}
}

const (
	flushEvery   = 100 * time.Millisecond
	accessBufMax = 32 << 10
)

// newAccessLog returns an access log writing to out in format "combined" or
// "json". Close it to write what is buffered.
func newAccessLog(out io.Writer, format string) *accessLog {
	a := &accessLog{out: out, stop: make(chan struct{}), done: make(chan struct{})}
	if format == "json" {
		a.json = slog.New(slog.NewJSONHandler(lockedBuf{a}, nil))
	}
	go a.flusher()
	return a
}

func (a *accessLog) flusher() {
	defer close(a.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			a.mu.Lock()
			a.flushLocked()
			a.mu.Unlock()
		case <-a.stop:
			return
		}
	}
}

// flush writes what is buffered now.
func (a *accessLog) flush() {
	a.mu.Lock()
	a.flushLocked()
	a.mu.Unlock()
}

// close writes what is buffered and stops the background flush.
func (a *accessLog) close() {
	close(a.stop)
	<-a.done
	a.mu.Lock()
	a.flushLocked()
	a.mu.Unlock()
}

func (a *accessLog) flushLocked() {
	if len(a.buf) > 0 {
		a.out.Write(a.buf)
		a.buf = a.buf[:0]
	}
}

// lockedBuf is the slog handler's writer: the handler already holds its own
// lock, but the buffer is shared with the flusher.
type lockedBuf struct{ a *accessLog }

func (w lockedBuf) Write(p []byte) (int, error) {
	w.a.mu.Lock()
	w.a.buf = append(w.a.buf, p...)
	if len(w.a.buf) > accessBufMax {
		w.a.flushLocked()
	}
	w.a.mu.Unlock()
	return len(p), nil
}

// accessEntry is what a line records of one request.
type accessEntry struct {
	remote, method, target, proto, referer, agent string
	status                                        int
	bytes                                         int64 // body bytes sent
	start                                         time.Time
	duration                                      time.Duration
}

func (a *accessLog) log(e *accessEntry) {
	if a.json != nil {
		a.json.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String(keyRemote, e.remote),
			slog.String(keyMethod, e.method),
			slog.String(keyTarget, e.target),
			slog.String(keyProto, e.proto),
			slog.Int(keyStatus, e.status),
			slog.Int64(keyBytes, e.bytes),
			slog.Duration(keyDuration, e.duration),
			slog.String(keyReferer, e.referer),
			slog.String(keyAgent, e.agent),
		)
		return
	}
	a.mu.Lock()
	a.buf = appendCombined(a.buf, e)
	if len(a.buf) > accessBufMax {
		a.flushLocked()
	}
	a.mu.Unlock()
}

// appendCombined appends e in Combined Log Format with the request time in
// seconds added at the end (as nginx's $request_time):
//
//	127.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "GET /index.py HTTP/1.1" 200 512 "-" "curl/8.0" 0.000
//
// Quoted fields escape '"', '\' and bytes outside printable ASCII as \xHH,
// so no request byte can forge or split a line.
func appendCombined(b []byte, e *accessEntry) []byte {
	b = appendEscaped(b, addrHost(e.remote))
	b = append(b, " - - ["...)
	b = e.start.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, "] \""...)
	if e.method == "" {
		b = append(b, '-')
	} else {
		b = appendEscaped(b, e.method)
		b = append(b, ' ')
		b = appendEscaped(b, e.target)
		b = append(b, ' ')
		b = appendEscaped(b, e.proto)
	}
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, ' ')
	if e.bytes == 0 {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, e.bytes, 10)
	}
	b = append(b, " \""...)
	b = appendEscapedOrDash(b, e.referer)
	b = append(b, "\" \""...)
	b = appendEscapedOrDash(b, e.agent)
	b = append(b, "\" "...)
	b = strconv.AppendFloat(b, e.duration.Seconds(), 'f', 3, 64)
	return append(b, '\n')
}

func appendEscapedOrDash(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return appendEscaped(b, s)
}

func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

// logAccess writes the access line of the current request.
func (x *exchange) logAccess() {
	x.countRequest()
	a := x.srv.alog.Load()
	if a == nil || x.resp.health && !x.srv.Health.Log {
		return
	}
	e := accessEntry{
		remote:   x.clientAddr(),
		method:   x.req.Method,
		target:   x.req.Target,
		proto:    x.req.Proto,
		referer:  x.req.Get("Referer"),
		agent:    x.req.Get("User-Agent"),
		status:   x.resp.status,
		bytes:    x.t.bodySent(),
		start:    x.start,
		duration: time.Since(x.start),
	}
	a.log(&e)
}
