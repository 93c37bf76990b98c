package http2

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// A change of SETTINGS_INITIAL_WINDOW_SIZE moves the windows of the open
// streams by the difference (RFC 9113 §6.9.2): exactly that much more
// comes.
func TestInitialWindowChangeAppliesToOpenStreams(t *testing.T) {
	t.Parallel()
	ts := serve(t, HandlerFunc(func(s *Stream) {
		s.WriteHeader(200, nil, 100)
		s.Write(bytes.Repeat([]byte("x"), 100))
	}), Limits{})
	c := dial(t, ts.addr, Setting{SettingInitialWindowSize, 0})
	c.request(1, true, "GET", "/")
	c.until("HEADERS", func(f Frame) bool { return f.Type == FrameHeaders })
	got := 0
	for _, step := range []struct{ window, want int }{{60, 60}, {100, 100}} {
		c.write(AppendSettings(nil, Setting{SettingInitialWindowSize, uint32(step.window)}))
		for got < step.want {
			f := c.frame()
			if f.Type == FrameData {
				got += len(f.Data)
				if got > step.want {
					t.Fatalf("window %d: %d bytes came", step.window, got)
				}
			}
		}
	}
}

// The client may send no more than the stream's window before the handler
// reads: that much is buffered, one byte more is a stream error.
func TestRequestBodyBoundedByWindow(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := serve(t, HandlerFunc(func(s *Stream) {
		<-release
	}), Limits{StreamWindow: 1000})
	defer close(release)
	c := dial(t, ts.addr)
	c.until("SETTINGS", func(f Frame) bool { return f.Type == FrameSettings && !f.Flags.Has(FlagAck) })
	c.request(1, false, "POST", "/")
	c.write(AppendData(nil, 1, false, make([]byte, 1000)))
	sc := ts.conn(t) // its SETTINGS came: it is being served
	if !testnet.WaitFor(testnet.Patience, func() bool { return sc.Stats().ReadBuffered == 1000 }) {
		t.Fatalf("buffered: %+v", sc.Stats())
	}
	c.write(AppendData(nil, 1, false, []byte{1}))
	f := c.until("RST_STREAM", func(f Frame) bool { return f.Type == FrameRSTStream })
	if f.StreamID != 1 || f.ErrCode != ErrCodeFlowControl {
		t.Fatalf("got RST_STREAM %d %v", f.StreamID, f.ErrCode)
	}
	if !testnet.WaitFor(testnet.Patience, func() bool { return sc.Stats().ReadBuffered == 0 }) {
		t.Fatalf("after the reset: %+v", sc.Stats())
	}
}

// Past the connection's window, whatever the streams, the connection ends
// with FLOW_CONTROL_ERROR.
func TestConnectionWindowOverflow(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := serve(t, HandlerFunc(func(s *Stream) { <-release }), Limits{StreamWindow: 50000, ConnWindow: 65535})
	defer close(release)
	c := dial(t, ts.addr)
	c.until("SETTINGS", func(f Frame) bool { return f.Type == FrameSettings && !f.Flags.Has(FlagAck) })
	c.request(1, false, "POST", "/")
	c.request(3, false, "POST", "/")
	chunk := make([]byte, 16000)
	var b []byte
	for i := 0; i < 3; i++ {
		b = AppendData(b, 1, false, chunk)
		b = AppendData(b, 3, false, chunk)
	}
	c.write(b) // 96,000 bytes: past 65,535
	if code := c.goAway(); code != ErrCodeFlowControl {
		t.Fatalf("GOAWAY %v, want FLOW_CONTROL_ERROR", code)
	}
}

// A stream's context is cancelled when the client resets it.
func TestContextCancelledOnReset(t *testing.T) {
	t.Parallel()
	errc := make(chan error, 1)
	started := make(chan struct{})
	ts := serve(t, HandlerFunc(func(s *Stream) {
		ctx := s.Context()
		close(started)
		<-ctx.Done()
		errc <- ctx.Err()
	}), Limits{})
	c := dial(t, ts.addr)
	c.request(1, true, "GET", "/")
	<-started
	c.write(AppendRSTStream(nil, 1, ErrCodeCancel))
	if err := <-errc; err != context.Canceled {
		t.Fatalf("ctx.Err() = %v", err)
	}
	if got := ts.Stats().Resets; got != 1 {
		t.Fatalf("Resets %d, want 1", got)
	}
}

// countingReader reads from r and counts the bytes read, for the test.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.n.Add(int64(n))
	return n, err
}

// ReadFrom (a static file's way out) reads from the file only what the
// client's window takes: a stream stalled on a window of 0 has read
// nothing, one given 100 bytes has read 100, and the whole body comes
// once the window opens. A stalled stream holds no body bytes, where
// io.Copy held its 32 KiB buffer (issue 25's stalled-streams attack).
func TestReadFromBoundedByWindow(t *testing.T) {
	t.Parallel()
	const size = 100 << 10
	body := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	cr := &countingReader{r: bytes.NewReader(body)}
	ts := serve(t, HandlerFunc(func(s *Stream) {
		s.WriteHeader(200, nil, size)
		if n, err := s.ReadFrom(cr); n != size || err != nil {
			panic(fmt.Sprintf("ReadFrom: %d, %v", n, err))
		}
	}), Limits{})
	c := dial(t, ts.addr, Setting{SettingInitialWindowSize, 0})
	c.request(1, true, "GET", "/")
	c.until("HEADERS", func(f Frame) bool { return f.Type == FrameHeaders }) // queued when the window was found shut
	if n := cr.n.Load(); n != 0 {
		t.Fatalf("%d bytes read on a window of 0", n)
	}
	c.write(AppendWindowUpdate(nil, 1, 100))
	var got []byte
	for len(got) < 100 {
		if f := c.frame(); f.Type == FrameData {
			got = append(got, f.Data...)
		}
	}
	if n := cr.n.Load(); n != 100 || len(got) != 100 {
		t.Fatalf("window of 100: %d bytes read, %d sent", n, len(got))
	}
	c.write(AppendSettings(nil, Setting{SettingInitialWindowSize, maxWindow}))
	c.write(AppendWindowUpdate(nil, 0, size))
	for {
		f := c.frame()
		if f.Type == FrameRSTStream {
			t.Fatalf("stream reset: %v", f.ErrCode)
		}
		if f.Type == FrameData {
			got = append(got, f.Data...)
			if f.Flags.Has(FlagEndStream) {
				break
			}
		}
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("body of %d bytes, want %d, or different", len(got), len(body))
	}
}
