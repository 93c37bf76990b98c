package http2

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	xhttp2 "golang.org/x/net/http2"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/testnet"
)

// helloFirst is a GET / header block of HPACK static-table entries and
// :authority, which it adds to the dynamic table (RFC 7541 §6.2.1), as a
// browser or h2load does; helloBlock, of the requests after it, refers to
// that entry (index 62), so that the client allocates nothing and the
// server decodes no string.
var (
	helloFirst = append([]byte{0x82, 0x86, 0x84, 0x41, 11}, "example.com"...)
	helloBlock = []byte{0x82, 0x86, 0x84, 0xbe}
)

// BenchmarkHelloGET serves hello over a real loopback connection to a
// pipelined client (10 requests in flight, written in one write). The
// allocations are the server's: the client's frames are prebuilt.
//
//	go test -run '^$' -bench HelloGET -benchmem ./server/internal/http2
func BenchmarkHelloGET(b *testing.B) {
	b.Run("miniweb", func(b *testing.B) {
		benchHello(b, serve(b, helloLean, Limits{}).addr)
	})
	// The peer, in the same run: golang.org/x/net/http2's server (what
	// net/http serves HTTP/2 with), h2c, with the same client.
	b.Run("x-net-http2", func(b *testing.B) {
		benchHello(b, serveXNet(b))
	})
}

// serveXNet serves hello with golang.org/x/net/http2 on 127.0.0.1:0.
func serveXNet(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &xhttp2.Server{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "13")
		w.Write(helloBody)
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				srv.ServeConn(nc, &xhttp2.ServeConnOpts{Handler: h})
			}()
		}
	}()
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// benchHello runs b.N hello requests on one connection to addr, 10 in
// flight.
func benchHello(b *testing.B, addr string) {
	b.ReportAllocs()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(testnet.Patience))
	start := append([]byte(Preface), AppendSettings(nil, Setting{SettingInitialWindowSize, maxWindow})...)
	start = AppendWindowUpdate(start, 0, maxWindow-65535)
	if _, err := nc.Write(start); err != nil {
		b.Fatal(err)
	}
	fr := NewFrameReader(nc, make([]byte, 64<<10))
	const depth = 10
	batch := make([]byte, 0, depth*(FrameHeaderLen+len(helloBlock)))
	id := uint32(1)
	n := 0
	cpu0 := testnet.CPUTime(b)
	for b.Loop() {
		if n == 0 {
			batch = batch[:0]
			for i := 0; i < depth; i++ {
				block := helloBlock
				if id == 1 {
					block = helloFirst
				}
				batch = AppendHeaderBlock(batch, id, true, block, DefaultMaxFrameSize)
				id += 2
			}
			if _, err := nc.Write(batch); err != nil {
				b.Fatal(err)
			}
			n = depth
		}
		for {
			h, _, err := fr.ReadFrame()
			if err != nil {
				b.Fatal(err)
			}
			if h.Type == FrameGoAway || h.Type == FrameRSTStream {
				b.Fatalf("got %s", h.Type)
			}
			if h.Type == FrameData && h.Flags.Has(FlagEndStream) {
				break
			}
		}
		n--
	}
	// CPU time (user and system, server and client together: the client
	// is the same for both peers) tells more than wall time on a busy
	// machine.
	testnet.ReportCPU(b, cpu0)
	for ; n > 0; n-- { // the requests of the last batch
		for {
			h, _, err := fr.ReadFrame()
			if err != nil {
				b.Fatal(err)
			}
			if h.Type == FrameData && h.Flags.Has(FlagEndStream) {
				break
			}
		}
	}
}

var (
	helloBody   = []byte("Hello, World!")
	helloFields = []gateway.Field{{Name: "Content-Type", Value: "text/plain"}}
)

// helloLean is hello without allocations of its own.
var helloLean = HandlerFunc(func(s *Stream) {
	s.WriteHeader(200, helloFields, int64(len(helloBody)))
	s.Write(helloBody)
})

// replay is an io.Reader that reads b over and over.
type replay struct {
	b   []byte
	off int
}

func (r *replay) Read(p []byte) (int, error) {
	n := copy(p, r.b[r.off:])
	r.off = (r.off + n) % len(r.b)
	return n, nil
}

// BenchmarkFrameReader reads and parses a mix of frames: HEADERS, DATA of
// 1 KiB and 16 KiB, WINDOW_UPDATE, PING.
//
//	go test -run '^$' -bench FrameReader -benchmem ./server/internal/http2
func BenchmarkFrameReader(b *testing.B) {
	b.ReportAllocs()
	var in []byte
	frames := 0
	for i := uint32(1); i < 40; i += 2 {
		in = AppendHeaderBlock(in, i, false, helloBlock, DefaultMaxFrameSize)
		in = AppendData(in, i, false, make([]byte, 1024))
		in = AppendData(in, i, true, make([]byte, DefaultMaxFrameSize))
		in = AppendWindowUpdate(in, i, 1000)
		in = AppendPing(in, false, [8]byte{})
		frames += 5
	}
	fr := NewFrameReader(&replay{b: in}, nil)
	b.SetBytes(int64(len(in) / frames))
	for b.Loop() {
		h, p, err := fr.ReadFrame()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ParseFrame(h, p); err != nil {
			b.Fatal(err)
		}
	}
}
