package http2

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/testnet"
)

// testServer is a Server on 127.0.0.1 serving each accepted connection.
type testServer struct {
	*Server
	addr  string
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []*Conn
	errs  []error
	// wrap, if set, turns an accepted socket into the connection to
	// serve (a TLS handshake), or refuses it.
	wrap func(net.Conn) (net.Conn, bool)
}

// serve starts a Server with h and lim on 127.0.0.1:0, stopped when the
// test ends (its connections shut down, their Serve returned).
func serve(t testing.TB, h Handler, lim Limits) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Logs are dropped: the tests of handler panics would fill the output.
	ts := &testServer{Server: &Server{Handler: h, Limits: lim, Logger: discardLogger()}, addr: ln.Addr().String(), ln: ln}
	ts.wg.Add(1)
	go func() {
		defer ts.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			ts.wg.Add(1)
			go func() {
				defer ts.wg.Done()
				ts.mu.Lock()
				wrap := ts.wrap
				ts.mu.Unlock()
				if wrap != nil {
					var ok bool
					if nc, ok = wrap(nc); !ok {
						return
					}
				}
				c := ts.NewConn(nc, nil)
				ts.mu.Lock()
				ts.conns = append(ts.conns, c)
				ts.mu.Unlock()
				err := c.Serve()
				ts.mu.Lock()
				ts.errs = append(ts.errs, err)
				ts.mu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		ctx, cancel := context.WithTimeout(context.Background(), testnet.Patience)
		defer cancel()
		ts.Shutdown(ctx)
		ts.wg.Wait()
	})
	return ts
}

// hello answers every request with a fixed body.
var hello = HandlerFunc(func(s *Stream) {
	body := []byte("Hello, World!")
	s.WriteHeader(200, []gateway.Field{{Name: "Content-Type", Value: "text/plain"}}, int64(len(body)))
	s.Write(body)
})

// echo answers with the request body, streamed back as it comes, and the
// request's trailers as its own.
var echo = HandlerFunc(func(s *Stream) {
	s.WriteHeader(200, []gateway.Field{{Name: "Content-Type", Value: "application/octet-stream"}}, -1)
	buf := make([]byte, 4096)
	for {
		n, err := s.Body().Read(buf)
		if n > 0 {
			if _, werr := s.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return
		}
	}
	if tr := s.Trailers(); tr != nil {
		s.SetTrailers(append([]gateway.Field(nil), tr...))
	}
})

// client is a test client speaking frames on a real socket.
type client struct {
	t   testing.TB
	nc  net.Conn
	fr  *FrameReader
	enc *hpack.Encoder
	eb  blockBuffer
	dec *hpack.Decoder
	hdr []hpack.HeaderField
	// waiting says what until waits for, for the failure message.
	waiting string
}

// dial connects to ts and sends the preface and settings (none given:
// an empty SETTINGS frame). It does not wait for the server's.
func dial(t testing.TB, addr string, settings ...Setting) *client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(testnet.Patience))
	t.Cleanup(func() { nc.Close() })
	c := &client{t: t, nc: nc, fr: NewFrameReader(nc, nil)}
	c.fr.MaxSize = MaxFrameSizeLimit
	c.fr.buf = make([]byte, 1<<17)
	c.enc = hpack.NewEncoder(&c.eb)
	c.dec = hpack.NewDecoder(4096, func(f hpack.HeaderField) { c.hdr = append(c.hdr, f) })
	c.write(append([]byte(Preface), AppendSettings(nil, settings...)...))
	return c
}

func (c *client) write(b []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// block encodes a request head: method, path and more fields as name,
// value pairs.
func (c *client) block(method, path string, more ...string) []byte {
	c.eb.b = nil
	c.enc.WriteField(hpack.HeaderField{Name: ":method", Value: method})
	c.enc.WriteField(hpack.HeaderField{Name: ":scheme", Value: "http"})
	c.enc.WriteField(hpack.HeaderField{Name: ":authority", Value: "example.com"})
	c.enc.WriteField(hpack.HeaderField{Name: ":path", Value: path})
	for i := 0; i+1 < len(more); i += 2 {
		c.enc.WriteField(hpack.HeaderField{Name: more[i], Value: more[i+1]})
	}
	return append([]byte(nil), c.eb.b...)
}

// request sends a request's HEADERS on stream id.
func (c *client) request(id uint32, endStream bool, method, path string, more ...string) {
	c.t.Helper()
	c.write(AppendHeaderBlock(nil, id, endStream, c.block(method, path, more...), DefaultMaxFrameSize))
}

// frame reads the next frame, skipping none; it fails the test on error.
func (c *client) frame() Frame {
	c.t.Helper()
	h, p, err := c.fr.ReadFrame()
	if err != nil {
		c.t.Fatalf("read frame (waiting for %s): %v", c.waiting, err)
	}
	f := Frame{FrameHeader: h}
	switch h.Type {
	case FrameData, FrameHeaders, FrameContinuation:
		f.Data = append([]byte(nil), p...)
	case FrameRSTStream:
		f.ErrCode = ErrCode(binary.BigEndian.Uint32(p))
	case FrameGoAway:
		f.LastStream = binary.BigEndian.Uint32(p) & maxStreamID
		f.ErrCode = ErrCode(binary.BigEndian.Uint32(p[4:]))
	case FrameSettings:
		f.Settings = append([]byte(nil), p...)
	case FramePing:
		copy(f.PingData[:], p)
	case FrameWindowUpdate:
		f.Increment = binary.BigEndian.Uint32(p) & maxWindow
	}
	return f
}

// until reads frames until one matches, and returns it; it fails the test
// (saying what it waited for) if the connection ends first.
func (c *client) until(what string, match func(Frame) bool) Frame {
	c.t.Helper()
	c.waiting = what
	defer func() { c.waiting = "" }()
	for {
		if f := c.frame(); match(f) {
			return f
		}
	}
}

// goAway reads frames until a GOAWAY and returns its code.
func (c *client) goAway() ErrCode {
	c.t.Helper()
	return c.until("GOAWAY", func(f Frame) bool { return f.Type == FrameGoAway }).ErrCode
}

// response is what a client read of one stream's response.
type response struct {
	status   int
	fields   []hpack.HeaderField
	body     []byte
	trailers []hpack.HeaderField
	reset    ErrCode
	wasReset bool
}

// response reads frames until stream id ends (END_STREAM or RST_STREAM),
// answering nothing, and returns what came for it; other streams' frames
// are dropped.
func (c *client) response(id uint32) response {
	c.t.Helper()
	var r response
	blocks := 0
	for {
		f := c.frame()
		if f.StreamID != id {
			continue
		}
		switch f.Type {
		case FrameRSTStream:
			r.reset, r.wasReset = f.ErrCode, true
			return r
		case FrameHeaders, FrameContinuation:
			if f.Type == FrameHeaders {
				blocks++
			}
			c.hdr = c.hdr[:0]
			if _, err := c.dec.Write(f.Data); err != nil {
				c.t.Fatalf("hpack: %v", err)
			}
			for _, h := range c.hdr {
				switch {
				case h.Name == ":status":
					r.status, _ = strconv.Atoi(h.Value)
				case blocks == 1:
					r.fields = append(r.fields, h)
				default:
					r.trailers = append(r.trailers, h)
				}
			}
		case FrameData:
			r.body = append(r.body, f.Data...)
		}
		if (f.Type == FrameHeaders || f.Type == FrameData) && f.Flags.Has(FlagEndStream) {
			return r
		}
	}
}

// get is one GET on a fresh stream id, its response read.
func (c *client) get(id uint32, path string) response {
	c.t.Helper()
	c.request(id, true, "GET", path)
	return c.response(id)
}

// field returns the value of the first field named name.
func field(fs []hpack.HeaderField, name string) string {
	for _, f := range fs {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// closedErr reports whether err is the end of a connection.
func closedErr(err error) bool {
	return err == io.EOF || errors.Is(err, net.ErrClosed) || testnet.IsReset(err)
}

// trailerBlock encodes a trailer section.
func (c *client) trailerBlock(more ...string) []byte {
	c.eb.b = nil
	for i := 0; i+1 < len(more); i += 2 {
		c.enc.WriteField(hpack.HeaderField{Name: more[i], Value: more[i+1]})
	}
	return append([]byte(nil), c.eb.b...)
}

// upload sends body on stream id and ends it, as the server's windows
// allow, reading its WINDOW_UPDATE frames (other frames are dropped).
func (c *client) upload(id uint32, body []byte) {
	c.t.Helper()
	connWin, streamWin := int64(65535), int64(65535)
	for {
		n := min(int64(len(body)), connWin, streamWin, DefaultMaxFrameSize)
		if n > 0 || len(body) == 0 {
			c.write(AppendData(nil, id, int(n) == len(body), body[:n]))
			body = body[n:]
			connWin -= n
			streamWin -= n
			if len(body) == 0 {
				return
			}
			continue
		}
		f := c.frame()
		switch {
		case f.Type == FrameWindowUpdate && f.StreamID == 0:
			connWin += int64(f.Increment)
		case f.Type == FrameWindowUpdate && f.StreamID == id:
			streamWin += int64(f.Increment)
		case f.Type == FrameSettings && !f.Flags.Has(FlagAck):
			ForEachSetting(f.Settings, func(s Setting) {
				if s.ID == SettingInitialWindowSize {
					streamWin += int64(s.Val) - 65535
				}
			})
		case f.Type == FrameRSTStream && f.StreamID == id, f.Type == FrameGoAway:
			c.t.Fatalf("upload: %s %v", f.Type, f.ErrCode)
		}
	}
}

// discardLogger logs nothing (for tests of handler panics).
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// conn returns the first connection ts served.
func (ts *testServer) conn(t testing.TB) *Conn {
	t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.conns) == 0 {
		t.Fatal("no connection served yet")
	}
	return ts.conns[0]
}
