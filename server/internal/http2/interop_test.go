package http2

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	xhttp2 "golang.org/x/net/http2"
)

// Another implementation's client, golang.org/x/net/http2's Transport (what
// net/http's client speaks HTTP/2 with), over TLS with ALPN and over h2c:
// hello, a 4 MiB echo both ways with trailers, and 64 requests at once on
// one connection.
func TestInteropXNetTransport(t *testing.T) {
	t.Parallel()
	cert := selfSigned(t)
	for _, useTLS := range []bool{true, false} {
		name := "h2c"
		if useTLS {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var cfg *tls.Config
			if useTLS {
				cfg = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}}
			}
			ts := serveTLS(t, HandlerFunc(func(s *Stream) {
				if s.Path() == "/echo" {
					echo(s)
					return
				}
				hello(s)
			}), cfg)
			tr := &xhttp2.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
			if !useTLS {
				tr.AllowHTTP = true
				tr.DialTLSContext = func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, network, addr)
				}
			}
			defer tr.CloseIdleConnections()
			scheme := "http"
			if useTLS {
				scheme = "https"
			}
			base := scheme + "://" + ts.addr
			client := &http.Client{Transport: tr}

			resp, err := client.Get(base + "/")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != "Hello, World!" || resp.Proto != "HTTP/2.0" {
				t.Fatalf("hello: %d %q %s", resp.StatusCode, b, resp.Proto)
			}

			body := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
			req, _ := http.NewRequest("POST", base+"/echo", bytes.NewReader(body))
			req.Trailer = http.Header{"X-Sum": nil}
			req.ContentLength = -1
			req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), trailerSetter{req}))
			resp, err = client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("echo: %d bytes back (%v)", len(got), err)
			}
			if resp.Trailer.Get("X-Sum") != "42" {
				t.Fatalf("echo trailers: %v", resp.Trailer)
			}

			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for i := 0; i < 64; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := client.Get(fmt.Sprintf("%s/%d", base, i))
					if err != nil {
						errs <- err
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if string(b) != "Hello, World!" {
						errs <- fmt.Errorf("request %d: %q", i, b)
					}
				}()
			}
			wg.Wait()
			close(errs)
			var msgs []string
			for err := range errs {
				msgs = append(msgs, err.Error())
			}
			if len(msgs) > 0 {
				t.Fatalf("concurrent requests:\n%s", strings.Join(msgs, "\n"))
			}
		})
	}
}

// trailerSetter sets the request's trailer when the body has been read,
// as a client computing a checksum would.
type trailerSetter struct{ req *http.Request }

func (ts trailerSetter) Read([]byte) (int, error) {
	ts.req.Trailer.Set("X-Sum", "42")
	return 0, io.EOF
}
