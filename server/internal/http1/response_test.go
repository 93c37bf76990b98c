package http1

import (
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
