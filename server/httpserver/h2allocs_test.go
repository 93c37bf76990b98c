package httpserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/http2"
)

// HTTP/2's keep-alive path through the engine, as TestInlineAllocs is
// HTTP/1.1's: hello from a gateway application, on one h2c connection to
// a real Server, one stream after another, allocates nothing once the
// connection is warm, client included. The client's frames are built in
// reused buffers, and its header blocks refer to HPACK's dynamic table
// after the first, as a browser's or h2load's do, so that it allocates
// nothing itself.

// h2Blocks returns the header blocks of a GET of path: the first adds
// each field (a static-table name, RFC 7541 Appendix A, and a value under
// 127 bytes) to HPACK's dynamic table (§6.2.1), and the next, of every
// request after it, refers to those entries, as a browser's or h2load's
// do: the client allocates nothing, and the server decodes no string.
func h2Blocks(fields ...h2Field) (first, next []byte) {
	first = []byte{0x82, 0x86} // :method GET, :scheme http
	next = []byte{0x82, 0x86}
	for i, f := range fields {
		first = append(append(first, 0x40|f.name, byte(len(f.value))), f.value...)
		next = append(next, 0x80|byte(62+len(fields)-1-i)) // the newest entry is 62
	}
	return first, next
}

// h2Field is a field of h2Blocks: its static-table name index and value.
type h2Field struct {
	name  byte
	value string
}

var (
	h2Hello1, h2HelloNext = h2Blocks(h2Field{4, "/hello.py"}, h2Field{1, "127.0.0.1"})
	// A browser's fields, as in TestKeepAliveAllocs's browserReq.
	h2Browser1, h2BrowserNext = h2Blocks(h2Field{4, "/hello.py"}, h2Field{1, "127.0.0.1"},
		h2Field{58, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"},
		h2Field{19, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		h2Field{16, "gzip, deflate, br"}, h2Field{17, "en-US,en;q=0.9"})
)

// h2Hello is an h2c client asking for /hello.py, one stream at a time.
type h2Hello struct {
	nc    net.Conn
	fr    *http2.FrameReader
	id    uint32
	first []byte // the first request's header block
	next  []byte // the others'
	frame []byte // the next HEADERS frame, reused
	body  int    // body bytes of the last answer
}

// dialH2Hello opens the client's connection to addr, with a window large
// enough that the server never waits on it.
func dialH2Hello(tb testing.TB, addr string, first, next []byte) *h2Hello {
	tb.Helper()
	nc, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		tb.Fatal(err)
	}
	return startH2Hello(tb, nc, first, next)
}

// startH2Hello starts the client on nc, an h2c connection or a TLS one
// whose ALPN chose h2.
func startH2Hello(tb testing.TB, nc net.Conn, first, next []byte) *h2Hello {
	tb.Helper()
	tb.Cleanup(func() { nc.Close() })
	const window = 1<<31 - 1
	start := append([]byte(http2.Preface), http2.AppendSettings(nil, http2.Setting{ID: http2.SettingInitialWindowSize, Val: window})...)
	start = http2.AppendWindowUpdate(start, 0, window-65535)
	if _, err := nc.Write(start); err != nil {
		tb.Fatal(err)
	}
	return &h2Hello{nc: nc, fr: http2.NewFrameReader(nc, make([]byte, 64<<10)), id: 1, first: first, next: next, frame: make([]byte, 0, 512)}
}

// roundTrip sends the next request and reads frames until its answer's
// last DATA frame. It panics when the answer is not a 200 with a body.
func (c *h2Hello) roundTrip() {
	block := c.next
	if c.id == 1 {
		block = c.first
	}
	c.frame = http2.AppendHeaderBlock(c.frame[:0], c.id, true, block, http2.DefaultMaxFrameSize)
	if _, err := c.nc.Write(c.frame); err != nil {
		panic(fmt.Sprint("writing a request: ", err))
	}
	c.body = 0
	status := false
	for {
		h, p, err := c.fr.ReadFrame()
		if err != nil {
			panic(fmt.Sprint("reading an answer: ", err))
		}
		if h.StreamID != c.id {
			if h.Type == http2.FrameGoAway {
				panic("GOAWAY")
			}
			continue
		}
		switch h.Type {
		case http2.FrameHeaders:
			// :status 200 is the static table's entry 8, the first
			// field the engine sends (http2's response.go).
			status = len(p) > 0 && p[0] == 0x88
		case http2.FrameData:
			c.body += len(p)
		case http2.FrameRSTStream:
			panic(fmt.Sprintf("stream %d reset: %x", c.id, p))
		}
		if h.Flags.Has(http2.FlagEndStream) {
			break
		}
	}
	if !status || c.body != len(helloBody) {
		panic(fmt.Sprintf("stream %d: status 200 %v, %d body bytes; want 200 and %d", c.id, status, c.body, len(helloBody)))
	}
	c.id += 2
}

// TestH2KeepAliveAllocs is the allocation guard of HTTP/2's path through
// the engine: a stream for hello from a gateway application, on a warm
// h2c connection, allocates nothing in the server or the client, the
// access log and the Server and Date fields included.
func TestH2KeepAliveAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	ts := startServer(t, helloApp(), nil, func(s *Server) { s.H2C = true })
	for _, tt := range []struct {
		name        string
		first, next []byte
	}{
		{"hello", h2Hello1, h2HelloNext},
		{"hello_browser_headers", h2Browser1, h2BrowserNext},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := dialH2Hello(t, ts.addr, tt.first, tt.next)
			c.nc.SetDeadline(time.Now().Add(patience))
			for range 50 { // warm up: pools, interned strings, the log's buffer
				c.roundTrip()
			}
			if n := testing.AllocsPerRun(1000, c.roundTrip); n != 0 {
				t.Errorf("%v allocations per request; want 0", n)
			}
		})
	}
	ts.alog.Load().flush()
	log := ts.access.String()
	if n := strings.Count(log, `"GET /hello.py HTTP/2.0" 200 13 "-" "`); n != 2*(50+1001) {
		t.Errorf("%d access-log lines of an HTTP/2 hello; want %d", n, 2*(50+1001))
	}
	if n := strings.Count(log, ` "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36" `); n != 50+1001 {
		t.Errorf("%d access-log lines with the browser's User-Agent; want %d", n, 50+1001)
	}
}

// BenchmarkH2KeepAlive serves hello from a gateway application over one
// HTTP/2 connection to a real Server, h2c or TLS, one stream at a time;
// the allocations are the server's and the client's (none of its own;
// over TLS, crypto/tls's: 2 a request, none the engine's).
//
//	go test -run '^$' -bench H2KeepAlive -benchmem ./server/httpserver
func BenchmarkH2KeepAlive(b *testing.B) {
	plain := startBenchServer(b, nil)
	cert := newTestCert(b, 1)
	certFile, keyFile := writeTestCert(b, b.TempDir(), cert)
	secure := startBenchServer(b, &TLSConfig{CertFile: certFile, KeyFile: keyFile})
	for _, bb := range []struct {
		name        string
		first, next []byte
		tls         bool
	}{
		{"hello", h2Hello1, h2HelloNext, false},
		{"hello_browser_headers", h2Browser1, h2BrowserNext, false},
		// Over TLS, crypto/tls allocates once a record read
		// (readFromUntil's atLeastReader): once on each side here.
		{"hello_tls", h2Hello1, h2HelloNext, true},
	} {
		b.Run(bb.name, func(b *testing.B) {
			var c *h2Hello
			if bb.tls {
				pool := x509.NewCertPool()
				pool.AddCert(cert.cert)
				tc, err := tls.DialWithDialer(&net.Dialer{Timeout: patience}, "tcp", secure,
					&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", NextProtos: []string{"h2"}})
				if err != nil {
					b.Fatal(err)
				}
				c = startH2Hello(b, tc, bb.first, bb.next)
			} else {
				c = dialH2Hello(b, plain, bb.first, bb.next)
			}
			c.roundTrip()
			b.ReportAllocs()
			for b.Loop() {
				c.roundTrip()
			}
		})
	}
}

// startBenchServer serves hello from a gateway application on
// 127.0.0.1:0, h2c, or HTTP/2 over TLS when tc is set, with its access
// log, until the benchmark's end, and returns its address.
func startBenchServer(b *testing.B, tc *TLSConfig) string {
	s := &Server{App: helloApp(), Suffix: ".py", ServerHeader: "miniweb", H2C: tc == nil, TLS: tc,
		AccessLog: io.Discard, Log: slog.New(slog.DiscardHandler)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s.init()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		s.Shutdown(ctx)
		<-served
	})
	return ln.Addr().String()
}
