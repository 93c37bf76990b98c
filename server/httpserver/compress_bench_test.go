package httpserver

import (
	"bufio"
	"io"
	"net"
	"testing"

	"github.com/miniweb/miniweb/server/compress"
)

// BenchmarkSocketCompress serves the 27 KB market page over loopback
// keep-alive connections to clients that accept nothing, gzip, or zstd, at
// the default levels: ns/op is the server's and the clients' CPU per
// request on the machine's cores, B-out the response size.
//
//	go test ./server/httpserver/ -run '^$' -bench SocketCompress
func BenchmarkSocketCompress(b *testing.B) {
	for _, accept := range []string{"identity", "gzip", "zstd"} {
		b.Run(accept, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			s := &Server{App: &compressApp{}, Suffix: ".py", Compress: &compress.Options{}}
			done := make(chan struct{})
			go func() { s.Serve(ln); close(done) }()
			defer func() { s.Shutdown(b.Context()); <-done }()
			req := []byte("GET /page.py HTTP/1.1\r\nHost: x\r\nAccept-Encoding: " + accept + "\r\n\r\n")
			size := answerSize(b, ln.Addr().String(), req)
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Error(err)
					return
				}
				defer c.Close()
				br := bufio.NewReader(c)
				resp := make([]byte, size)
				for pb.Next() {
					c.Write(req)
					if _, err := io.ReadFull(br, resp); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(size), "B-out")
		})
	}
}

// answerSize returns the size of the answer to req, head included.
func answerSize(b *testing.B, addr string, req []byte) int {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	c.Write(req)
	a, err := readAnswer(bufio.NewReader(c))
	if err != nil {
		b.Fatal(err)
	}
	return len(a)
}
