package static

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// discard is a Response that costs nothing, for benchmarks and the
// allocation guard: ReadFrom copies through io.Discard's pooled buffer.
type discard struct{ n int64 }

func (d *discard) AddHeader(name, value string)                      {}
func (d *discard) WriteHeader(status int, contentLength int64) error { return nil }
func (d *discard) Write(p []byte) (int, error)                       { d.n += int64(len(p)); return len(p), nil }
func (d *discard) ReadFrom(r io.Reader) (int64, error) {
	n, err := io.Copy(io.Discard, r)
	d.n += n
	return n, err
}

// hotCases are the keep-alive requests that must not allocate once the
// file is cached.
var hotCases = []struct {
	name string
	r    *Request
}{
	{"1KiB", req("GET", "/small.bin")},
	{"100KiB", req("GET", "/big.bin")},
	{"304", req("GET", "/notes.txt", "If-None-Match", notesETag)},
	{"304-ims", req("GET", "/notes.txt", "If-Modified-Since", fixedLastModified)},
	{"HEAD", req("HEAD", "/big.bin")},
	{"index", req("GET", "/")},
}

func BenchmarkServe(b *testing.B) {
	h := newHandler(b, makeSite(b))
	cases := append(hotCases[:len(hotCases):len(hotCases)],
		struct {
			name string
			r    *Request
		}{"range", req("GET", "/notes.txt", "Range", "bytes=10-19")},
		struct {
			name string
			r    *Request
		}{"404", req("GET", "/missing.html")},
	)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := &discard{}
			h.Serve(w, c.r) // warm the cache
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.Serve(w, c.r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("1KiB-parallel", func(b *testing.B) {
		r := req("GET", "/small.bin")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w := &discard{}
			for pb.Next() {
				h.Serve(w, r)
			}
		})
	})
}

// BenchmarkServeMiss measures the first request for a file: open, checks,
// read, cache insert.
func BenchmarkServeMiss(b *testing.B) {
	root := makeSite(b)
	if err := os.WriteFile(filepath.Join(root, "m.txt"), randomBytes(smallSize, 3), 0o644); err != nil {
		b.Fatal(err)
	}
	h := newHandler(b, root)
	r := req("GET", "/m.txt")
	w := &discard{}
	b.ReportAllocs()
	for b.Loop() {
		h.cache.clear()
		if _, err := h.Serve(w, r); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAllocs guards the hot path: a cached file, 304 and HEAD cost no
// allocation (the window is made long so no revalidating stat falls in).
func TestAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	h := newHandler(t, makeSite(t))
	h.window = 1 << 62
	for _, c := range hotCases {
		w := &discard{}
		h.Serve(w, c.r)
		if n := testing.AllocsPerRun(200, func() { h.Serve(w, c.r) }); n != 0 {
			t.Errorf("%s: %v allocations per request, want 0", c.name, n)
		}
	}
}
