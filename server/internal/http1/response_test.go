package http1

import (
	"errors"
	"testing"
	"time"
)

// countWriter counts what it is sent and keeps nothing.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkWriter writes one response the way the server does: a status
// line, the Date, Server, Content-Type and Content-Length fields, a small
// body, and one Flush, on a warm Writer.
func BenchmarkWriter(b *testing.B) {
	body := []byte("Hello, World!")
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"hello", body},
		{"1KiB", make([]byte, 1024)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cw := &countWriter{}
			w := NewWriter(cw)
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				w.StatusLine(1, 200, "")
				w.DateField(now)
				w.Field("Server", "miniweb")
				w.Field("Content-Type", "text/plain; charset=utf-8")
				w.FieldInt("Content-Length", int64(len(bc.body)))
				w.EndHead()
				w.Write(bc.body)
				if err := w.Flush(); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(cw.n / int64(b.N))
		})
	}
}

// TestWriterOneWrite: a head and a small body leave in one write, and a
// warm Writer allocates nothing for them.
func TestWriterOneWrite(t *testing.T) {
	var writes []int
	w := NewWriter(writerFunc(func(p []byte) (int, error) { writes = append(writes, len(p)); return len(p), nil }))
	now := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)
	body := []byte("Hello, World!")
	send := func() {
		w.StatusLine(1, 200, "")
		w.DateField(now)
		w.FieldInt("Content-Length", 13)
		w.EndHead()
		w.Write(body)
		w.Flush()
	}
	send()
	const want = "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 13\r\n\r\nHello, World!"
	if len(writes) != 1 || writes[0] != len(want) {
		t.Fatalf("writes %v; want one of %d bytes", writes, len(want))
	}
	writes = writes[:0:0]
	if n := testing.AllocsPerRun(100, func() { send(); writes = writes[:0] }); n != 0 {
		t.Errorf("%v allocations per response; want 0", n)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestWriterSent: Sent counts the bytes the connection accepted: not what
// is still buffered, and of a failed write only the part that went out.
func TestWriterSent(t *testing.T) {
	t.Parallel()
	big := make([]byte, 3*writeBufSize)
	tests := []struct {
		name     string
		room     int // bytes the connection takes before failing; -1 for no limit
		write    [][]byte
		flush    bool
		wantSent int64
		wantErr  bool
	}{
		{"buffered, not flushed", -1, [][]byte{[]byte("hello")}, false, 0, false},
		{"flushed", -1, [][]byte{[]byte("hello")}, true, 5, false},
		{"larger than the buffer", -1, [][]byte{[]byte("hi"), big}, true, int64(2 + len(big)), false},
		{"flush cut short", 3, [][]byte{[]byte("hello")}, true, 3, true},
		{"big write cut short", 100, [][]byte{big}, true, 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			room := tt.room
			w := NewWriter(writerFunc(func(p []byte) (int, error) {
				if room < 0 {
					return len(p), nil
				}
				n := min(room, len(p))
				room -= n
				if n < len(p) {
					return n, errors.New("connection broke")
				}
				return n, nil
			}))
			var err error
			for _, p := range tt.write {
				if _, werr := w.Write(p); werr != nil {
					err = werr
				}
			}
			if tt.flush {
				if ferr := w.Flush(); ferr != nil {
					err = ferr
				}
			}
			if w.Sent() != tt.wantSent || (err != nil) != tt.wantErr {
				t.Errorf("Sent() = %d, err %v; want %d, error %v", w.Sent(), err, tt.wantSent, tt.wantErr)
			}
		})
	}
}
