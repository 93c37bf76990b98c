package httpserver

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/miniweb/miniweb/server/gatewayhttp"
)

// BenchmarkHTTPSHello measures hello over keep-alive loopback connections,
// each parallel client holding one, by the path each protocol takes:
//
//   - plain: this engine on a socket (inline runs);
//   - https_h1: this engine over a *tls.Conn (the generic net.Conn path);
//   - https_h1_nethttp: net/http's server with gatewayhttp over TLS, what
//     serving all of HTTPS through net/http would cost;
//   - https_h2: this engine's HTTP/2 (server/internal/http2), the client
//     net/http's (its cost is in the figure: compare h2 with h2 only).
//
// The rows report req/s; client and server share the machine.
func BenchmarkHTTPSHello(b *testing.B) {
	c := newTestCert(b, 1)
	certFile, keyFile := writeTestCert(b, b.TempDir(), c)
	pool := x509.NewCertPool()
	pool.AddCert(c.cert)
	clientTLS := &tls.Config{RootCAs: pool, ServerName: "localhost"}
	req := []byte("GET /hello.py HTTP/1.1\r\nHost: localhost\r\n\r\n")

	engine := func(b *testing.B, tlsOn bool) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		s := &Server{App: helloApp(), Suffix: ".py"}
		if tlsOn {
			s.TLS = &TLSConfig{CertFile: certFile, KeyFile: keyFile}
		}
		done := make(chan struct{})
		go func() { s.Serve(ln); close(done) }()
		b.Cleanup(func() { s.Shutdown(b.Context()); <-done })
		return ln.Addr().String()
	}
	nethttp := func(b *testing.B) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := &http.Server{Handler: gatewayhttp.Handler(helloApp())}
		done := make(chan struct{})
		go func() { srv.ServeTLS(ln, certFile, keyFile); close(done) }()
		b.Cleanup(func() { srv.Shutdown(b.Context()); <-done })
		return ln.Addr().String()
	}
	// raw1 is a client of HTTP/1.1 bytes, plain or TLS.
	raw1 := func(b *testing.B, addr string, tlsOn bool) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			var conn net.Conn
			var err error
			if tlsOn {
				conn, err = tls.Dial("tcp", addr, clientTLS)
			} else {
				conn, err = net.Dial("tcp", addr)
			}
			if err != nil {
				b.Error(err)
				return
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			conn.Write(req)
			first, err := readAnswer(br)
			if err != nil {
				b.Error(err)
				return
			}
			resp := make([]byte, len(first))
			for pb.Next() {
				conn.Write(req)
				if _, err := io.ReadFull(br, resp); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}

	b.Run("plain", func(b *testing.B) {
		raw1(b, engine(b, false), false)
		report(b)
	})
	b.Run("https_h1", func(b *testing.B) {
		raw1(b, engine(b, true), true)
		report(b)
	})
	b.Run("https_h1_nethttp", func(b *testing.B) {
		raw1(b, nethttp(b), true)
		report(b)
	})
	b.Run("https_h2", func(b *testing.B) {
		addr := engine(b, true)
		tr := &http.Transport{TLSClientConfig: clientTLS, ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		url := "https://" + addr + "/hello.py"
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.ProtoMajor != 2 {
					b.Errorf("Proto = %s; want HTTP/2.0", resp.Proto)
					return
				}
			}
		})
		report(b)
	})
}
