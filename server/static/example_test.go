package static_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/miniweb/miniweb/server/static"
)

// printer is a Response that prints the head and counts the body.
type printer struct{ body int64 }

func (p *printer) AddHeader(name, value string) { fmt.Printf("  %s: %s\n", name, value) }

func (p *printer) WriteHeader(status int, n int64) error {
	fmt.Printf("  => %d, %d bytes\n", status, n)
	return nil
}

func (p *printer) Write(b []byte) (int, error) { p.body += int64(len(b)); return len(b), nil }

func (p *printer) ReadFrom(r io.Reader) (int64, error) {
	n, err := io.Copy(io.Discard, r)
	p.body += n
	return n, err
}

func Example() {
	dir, err := os.MkdirTemp("", "static-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	index := filepath.Join(dir, "index.html")
	os.WriteFile(index, []byte("<!doctype html><h1>Hello</h1>\n"), 0o644)
	mtime := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	os.Chtimes(index, mtime, mtime)

	h, err := static.New(dir)
	if err != nil {
		panic(err)
	}
	defer h.Close()

	for _, r := range []*static.Request{
		{Method: "GET", Path: "/"},
		{Method: "GET", Path: "/index.html", IfNoneMatch: `"1828ac0686338000-1e"`},
		{Method: "GET", Path: "/index.html", Range: "bytes=0-14"},
		{Method: "GET", Path: "/%2e%2e/etc/passwd"},
		{Method: "POST", Path: "/"},
	} {
		fmt.Println(r.Method, r.Path)
		h.Serve(&printer{}, r)
	}
	// Output:
	// GET /
	//   Content-Type: text/html; charset=utf-8
	//   X-Content-Type-Options: nosniff
	//   Last-Modified: Sat, 01 Mar 2025 12:00:00 GMT
	//   ETag: "1828ac0686338000-1e"
	//   Accept-Ranges: bytes
	//   => 200, 30 bytes
	// GET /index.html
	//   ETag: "1828ac0686338000-1e"
	//   Last-Modified: Sat, 01 Mar 2025 12:00:00 GMT
	//   => 304, -1 bytes
	// GET /index.html
	//   Content-Type: text/html; charset=utf-8
	//   X-Content-Type-Options: nosniff
	//   Last-Modified: Sat, 01 Mar 2025 12:00:00 GMT
	//   ETag: "1828ac0686338000-1e"
	//   Accept-Ranges: bytes
	//   Content-Range: bytes 0-14/30
	//   => 206, 15 bytes
	// GET /%2e%2e/etc/passwd
	//   Content-Type: text/html; charset=utf-8
	//   X-Content-Type-Options: nosniff
	//   => 400, 155 bytes
	// POST /
	//   Allow: GET, HEAD
	//   Content-Type: text/html; charset=utf-8
	//   X-Content-Type-Options: nosniff
	//   => 405, 168 bytes
}
