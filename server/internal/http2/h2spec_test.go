package http2

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/testnet"
)

// h2spec (github.com/summerwind/h2spec, installed by bash .ci/setup-h2spec)
// runs its 146 conformance cases (with --strict, which adds one) against a server on this package, on TLS
// and on h2c, with a static-like handler (a fixed body) and an app-like one
// (it reads the request body and streams its answer): every case must pass.

// appLike reads the whole request body, then streams an answer in three
// writes, naming the bytes it read.
var appLike = HandlerFunc(func(s *Stream) {
	n, err := io.Copy(io.Discard, s.Body())
	if err != nil {
		return
	}
	s.WriteHeader(200, []gateway.Field{{Name: "Content-Type", Value: "text/plain"}}, -1)
	s.Write([]byte("read "))
	s.Write(fmt.Appendf(nil, "%d", n))
	s.Write([]byte(" bytes\n"))
})

func TestH2spec(t *testing.T) {
	t.Parallel()
	cert := selfSigned(t)
	for _, tc := range []struct {
		name    string
		handler Handler
		tls     bool
	}{
		{"static/tls", hello, true},
		{"static/h2c", hello, false},
		{"app/tls", appLike, true},
		{"app/h2c", appLike, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var cfg *tls.Config
			if tc.tls {
				cfg = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}}
			}
			ts := serveTLS(t, tc.handler, cfg)
			passed := testnet.H2spec(t, ts.addr, "/", tc.tls)
			t.Logf("h2spec %s: %d/%d passed", tc.name, passed, testnet.H2specCases)
		})
	}
}

// serveTLS is serve with TLS (ALPN "h2") when cfg is not nil.
func serveTLS(t *testing.T, h Handler, cfg *tls.Config) *testServer {
	ts := serve(t, h, Limits{})
	if cfg == nil {
		return ts
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.wrap = func(nc net.Conn) (net.Conn, bool) {
		tc := tls.Server(nc, cfg)
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil || tc.ConnectionState().NegotiatedProtocol != "h2" {
			tc.Close()
			return nil, false
		}
		tc.SetDeadline(time.Time{})
		return tc, true
	}
	return ts
}

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
