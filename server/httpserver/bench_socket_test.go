package httpserver

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkSocketKeepAlive measures keep-alive requests over real loopback
// sockets, the path through inline runs: each parallel client holds one
// connection and sends a request and reads its answer in turn. With a
// connection cap, every request's idle wait also goes through the cap's
// bookkeeping (capacity.go), which must cost neither allocations nor
// contention: compare the rows with and without the cap, and with this
// benchmark on the commit before the cap (issue 12).
func BenchmarkSocketKeepAlive(b *testing.B) {
	for _, maxConns := range []int{0, 64} {
		b.Run("max_conns_"+strconv.Itoa(maxConns), func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			s := &Server{App: helloApp(), Suffix: ".py", MaxConns: maxConns, MaxConnsPerAddr: -1}
			done := make(chan struct{})
			go func() { s.Serve(ln); close(done) }()
			defer func() { s.Shutdown(b.Context()); <-done }()
			req := []byte("GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n")
			b.ReportAllocs()
			b.SetParallelism(4) // 4 clients per GOMAXPROCS
			b.RunParallel(func(pb *testing.PB) {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Error(err)
					return
				}
				defer c.Close()
				br := bufio.NewReader(c)
				c.Write(req)
				first, err := readAnswer(br)
				if err != nil {
					b.Error(err)
					return
				}
				resp := make([]byte, len(first))
				for pb.Next() {
					c.Write(req)
					if _, err := io.ReadFull(br, resp); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// readAnswer reads one answer with a Content-Length from br and returns it.
func readAnswer(br *bufio.Reader) ([]byte, error) {
	var out []byte
	length := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		out = append(out, line...)
		if len(line) == 2 {
			break
		}
		if name, v, ok := strings.Cut(string(line), ":"); ok && strings.EqualFold(name, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	body := make([]byte, max(length, 0))
	if _, err := io.ReadFull(br, body); err != nil {
		return nil, err
	}
	return append(out, body...), nil
}
