package httpserver

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// testCert is a self-signed ECDSA certificate made at test time, its own
// CA, for "localhost" and 127.0.0.1.
type testCert struct {
	certPEM, keyPEM []byte
	cert            *x509.Certificate
}

// newTestCert makes a certificate with serial.
func newTestCert(t testing.TB, serial int64) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: "miniweb test " + big.NewInt(serial).String()},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return testCert{
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
		cert:    cert,
	}
}

// replaceFile writes b to path as a deployment tool does: into a
// temporary file beside it, then renamed over it.
func replaceFile(t testing.TB, path string, b []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// writeTestCert writes c as cert.pem and key.pem in dir and returns their
// paths.
func writeTestCert(t testing.TB, dir string, c testCert) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	replaceFile(t, certFile, c.certPEM)
	replaceFile(t, keyFile, c.keyPEM)
	return certFile, keyFile
}

// tlsTestServer is a testServer serving HTTPS with a test certificate.
type tlsTestServer struct {
	*testServer
	cert              testCert
	certFile, keyFile string
}

// startTLSServer starts a test server with TLS, the test app, and a static
// file /style.css; opts apply after TLS is set.
func startTLSServer(t *testing.T, opts ...func(*Server)) *tlsTestServer {
	t.Helper()
	c := newTestCert(t, 1)
	certFile, keyFile := writeTestCert(t, t.TempDir(), c)
	opts = append([]func(*Server){func(s *Server) {
		s.TLS = &TLSConfig{CertFile: certFile, KeyFile: keyFile, ReloadInterval: 20 * time.Millisecond}
	}}, opts...)
	ts := startServer(t, newTestApp(), map[string]string{"style.css": "body { color: teal }\n"}, opts...)
	return &tlsTestServer{testServer: ts, cert: c, certFile: certFile, keyFile: keyFile}
}

// client returns an HTTPS client that trusts the test certificate and
// speaks HTTP/2 when h2, else HTTP/1.1 only.
func (ts *tlsTestServer) client(t *testing.T, h2 bool) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(ts.cert.cert)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: h2}
	if !h2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	t.Cleanup(tr.CloseIdleConnections) // before the server's cleanup: cleanups run last first
	return &http.Client{Transport: tr, Timeout: patience}
}

// serial dials the server and returns the serial number of the
// certificate it presents.
func (ts *tlsTestServer) serial(t *testing.T) int64 {
	t.Helper()
	c, err := tls.Dial("tcp", ts.addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

func TestTLSServesH2AndH1(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t)
	tests := []struct {
		name      string
		h2        bool   // the client offers h2
		path      string // what it asks for
		wantProto string
		want      string // the body
	}{
		{"h2 app", true, "/hello.py", "HTTP/2.0", "Hello, World!"},
		{"h2 static", true, "/style.css", "HTTP/2.0", "body { color: teal }\n"},
		{"h2 missing", true, "/nope.css", "HTTP/2.0", ""},
		{"h1 app", false, "/hello.py", "HTTP/1.1", "Hello, World!"},
		{"h1 static", false, "/style.css", "HTTP/1.1", "body { color: teal }\n"},
		{"h1 missing", false, "/nope.css", "HTTP/1.1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := ts.client(t, tt.h2).Get("https://" + ts.addr + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body := bodyOf(t, resp)
			if resp.Proto != tt.wantProto {
				t.Errorf("Proto = %q; want %q", resp.Proto, tt.wantProto)
			}
			wantStatus := 200
			if tt.want == "" {
				wantStatus = 404
			} else if body != tt.want {
				t.Errorf("body = %q; want %q", body, tt.want)
			}
			if resp.StatusCode != wantStatus {
				t.Errorf("status = %d; want %d", resp.StatusCode, wantStatus)
			}
		})
	}
}

// schemeApp answers with the environ's Scheme.
var schemeApp = gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	start("200 OK", plain)
	return gateway.Bytes([]byte(env.Scheme))
})

func TestTLSEnvironScheme(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t, func(s *Server) { s.App = schemeApp })
	for _, h2 := range []bool{true, false} {
		resp, err := ts.client(t, h2).Get("https://" + ts.addr + "/scheme.py")
		if err != nil {
			t.Fatal(err)
		}
		if got := bodyOf(t, resp); got != "https" {
			t.Errorf("%s: Scheme = %q; want https", resp.Proto, got)
		}
		resp.Body.Close()
	}
}

func TestTLSRefusesOldVersions(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t)
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		c, err := tls.Dial("tcp", ts.addr, &tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v})
		if err == nil {
			c.Close()
			t.Errorf("TLS version %x: handshake succeeded; want it refused", v)
		}
	}
	c, err := tls.Dial("tcp", ts.addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("TLS 1.2: %v", err)
	}
	c.Close()
}

// waitSerial waits (up to patience) for a new connection to see the
// certificate with serial.
func (ts *tlsTestServer) waitSerial(t *testing.T, want int64) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		got := ts.serial(t)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("certificate serial = %d after %v; want %d", got, patience, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTLSReloadOnFileChange(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t)
	if got := ts.serial(t); got != 1 {
		t.Fatalf("serial = %d; want 1", got)
	}
	// An open connection keeps its certificate; a new one gets the new.
	old, err := tls.Dial("tcp", ts.addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()

	writeTestCert(t, filepath.Dir(ts.certFile), newTestCert(t, 2))
	ts.waitSerial(t, 2)
	if got := old.ConnectionState().PeerCertificates[0].SerialNumber.Int64(); got != 1 {
		t.Errorf("open connection's serial = %d; want 1", got)
	}

	// A broken certificate is refused; the one in force stays.
	replaceFile(t, ts.certFile, []byte("-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n"))
	waitLog(t, ts.testServer, "TLS certificate not reloaded")
	if got := ts.serial(t); got != 2 {
		t.Errorf("serial after a broken certificate = %d; want 2", got)
	}
	if !strings.Contains(ts.log.String(), ts.certFile) {
		t.Errorf("log does not name %s:\n%s", ts.certFile, ts.log)
	}

	// Fixed again: served again.
	writeTestCert(t, filepath.Dir(ts.certFile), newTestCert(t, 3))
	ts.waitSerial(t, 3)
}

func TestTLSReloadCertificate(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t, func(s *Server) { s.TLS.ReloadInterval = -1 }) // no watch
	writeTestCert(t, filepath.Dir(ts.certFile), newTestCert(t, 7))
	if got := ts.serial(t); got != 1 {
		t.Fatalf("serial without a reload = %d; want 1", got)
	}
	if err := ts.ReloadCertificate(); err != nil {
		t.Fatal(err)
	}
	if got := ts.serial(t); got != 7 {
		t.Errorf("serial after ReloadCertificate = %d; want 7", got)
	}
	replaceFile(t, ts.keyFile, newTestCert(t, 8).keyPEM) // a key of another certificate
	err := ts.ReloadCertificate()
	if err == nil || !strings.Contains(err.Error(), ts.keyFile) {
		t.Errorf("ReloadCertificate with a mismatched key: %v; want an error naming %s", err, ts.keyFile)
	}
	if got := ts.serial(t); got != 7 {
		t.Errorf("serial after a failed reload = %d; want 7", got)
	}
}

// waitLog waits (up to patience) for the server's log to hold s.
func waitLog(t *testing.T, ts *testServer, s string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !strings.Contains(ts.log.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log after %v:\n%s", s, patience, ts.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTLSLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := newTestCert(t, 1), newTestCert(t, 2)
	write := func(name string, content []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certA, keyA, keyB := write("a.pem", a.certPEM), write("a.key", a.keyPEM), write("b.key", b.keyPEM)
	garbage := write("garbage.pem", []byte("not a certificate\n"))
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name      string
		cert, key string
		want      []string // what the error names
	}{
		{"missing cert", missing, keyA, []string{missing}},
		{"missing key", certA, missing, []string{missing}},
		{"cert not PEM", garbage, keyA, []string{garbage}},
		{"key not PEM", certA, garbage, []string{garbage}},
		{"key of another cert", certA, keyB, []string{keyB, certA, "does not match"}},
		{"key in place of cert", keyA, certA, []string{keyA}},
		{"no files", "", "", []string{"cert", "key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &TLSConfig{CertFile: tt.cert, KeyFile: tt.key}
			err := cfg.Check()
			if err == nil {
				t.Fatal("Check: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check: %v; want it to name %q", err, w)
				}
			}
			// Serve stops with the same error.
			ln, lerr := net.Listen("tcp", "127.0.0.1:0")
			if lerr != nil {
				t.Fatal(lerr)
			}
			s := &Server{TLS: cfg}
			if serr := s.Serve(ln); serr == nil || serr.Error() != err.Error() {
				t.Errorf("Serve: %v; want %v", serr, err)
			}
		})
	}
	if err := (&TLSConfig{CertFile: certA, KeyFile: keyA}).Check(); err != nil {
		t.Errorf("Check of a good pair: %v", err)
	}
}

func TestTLSRedirect(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t, func(s *Server) { s.RedirectHTTP = "127.0.0.1:0" })
	redirect := ts.tls.redirect.ln.Addr().String()
	_, tlsPort, _ := net.SplitHostPort(ts.addr)
	client := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{},
	}
	t.Cleanup(client.CloseIdleConnections)
	tests := []struct {
		host, target string
		want         string // Location; "" for 400
	}{
		{"example.org", "/a/b?x=1&y=%20", "https://example.org:" + tlsPort + "/a/b?x=1&y=%20"},
		{"example.org:80", "/", "https://example.org:" + tlsPort + "/"},
		{"[2001:db8::1]:80", "/p", "https://[2001:db8::1]:" + tlsPort + "/p"},
		{"evil.org/x", "/", ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", "http://"+redirect+tt.target, nil)
		req.Host = tt.host
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if tt.want == "" {
			if resp.StatusCode != 400 {
				t.Errorf("Host %q: status %d; want 400", tt.host, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != tt.want {
			t.Errorf("Host %q %s: %d %q; want 308 %q", tt.host, tt.target, resp.StatusCode, resp.Header.Get("Location"), tt.want)
		}
	}
}

func TestTLSRedirectNeedsTLS(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := (&Server{RedirectHTTP: "127.0.0.1:0"}).Serve(ln); err == nil || !strings.Contains(err.Error(), "RedirectHTTP") {
		t.Errorf("Serve with RedirectHTTP and no TLS: %v; want an error", err)
	}
}

// TestTLSShutdown checks that Shutdown, and a restart's Handoff, let an
// HTTP/2 and an HTTP/1.1 request in flight finish (HTTP/2's by a GOAWAY
// that leaves its open stream be), then stop the TLS port and the
// redirect listener; and that a request that does not finish is cut at
// the context's end.
func TestTLSShutdown(t *testing.T) {
	t.Parallel()
	for _, stop := range []struct {
		name string
		f    func(*Server, context.Context) error
	}{{"Shutdown", (*Server).Shutdown}, {"Handoff", (*Server).Handoff}} {
		t.Run(stop.name, func(t *testing.T) {
			t.Parallel()
			testTLSStop(t, stop.f)
		})
	}
}

func testTLSStop(t *testing.T, stop func(*Server, context.Context) error) {
	started, release := make(chan struct{}, 4), make(chan struct{})
	slow := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		started <- struct{}{}
		<-release
		start("200 OK", plain)
		return gateway.Bytes([]byte("done"))
	})
	ts := startTLSServer(t, func(s *Server) { s.App, s.RedirectHTTP = slow, "127.0.0.1:0" })
	redirect := ts.tls.redirect.ln.Addr().String()
	type result struct {
		proto, body string
		err         error
	}
	results := make(chan result, 2)
	for _, h2 := range []bool{true, false} {
		c := ts.client(t, h2)
		go func() {
			resp, err := c.Get("https://" + ts.addr + "/slow.py")
			if err != nil {
				results <- result{err: err}
				return
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- result{resp.Proto, string(b), err}
		}()
	}
	<-started
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- stop(ts.Server, ctx) }()
	// Shutdown has closed the TLS port: it waits for the requests in
	// flight, and must not return before they end.
	if !waitFor(patience, func() bool {
		c, err := net.DialTimeout("tcp", ts.addr, patience)
		if err == nil {
			c.Close()
		}
		return err != nil
	}) {
		t.Fatal("the TLS port still accepts after Shutdown began")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with requests in flight", err)
	default:
	}
	close(release)
	for range 2 {
		r := <-results
		if r.err != nil || r.body != "done" {
			t.Errorf("request in flight: %s %q %v; want it answered", r.proto, r.body, r.err)
		}
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	for _, addr := range []string{ts.addr, redirect} {
		if c, err := net.DialTimeout("tcp", addr, patience); err == nil {
			c.Close()
			t.Errorf("%s still accepts after Shutdown", addr)
		}
	}
}

func TestTLSShutdownContext(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}, 1), make(chan struct{})
	// An application that finishes only when released or when its context
	// ends: Shutdown cancels the contexts when its own ends, then waits for
	// the handlers, over HTTP/2 as over HTTP/1.1 (TestShutdownGraceExpires).
	stuck := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		started <- struct{}{}
		select {
		case <-release:
		case <-env.Context().Done():
		}
		start("200 OK", plain)
		return gateway.Bytes(nil)
	})
	ts := startTLSServer(t, func(s *Server) { s.App = stuck })
	defer close(release) // before the server's cleanup checks goroutines
	c := ts.client(t, true)
	go func() {
		if resp, err := c.Get("https://" + ts.addr + "/stuck.py"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(ctx) }()
	select {
	case err := <-shut:
		if err != context.DeadlineExceeded {
			t.Errorf("Shutdown = %v; want %v", err, context.DeadlineExceeded)
		}
	case <-time.After(patience):
		t.Fatalf("Shutdown has not returned %v after its context ended", patience)
	}
}

// TestTLSH1Context checks the engine's watch for a client leaving over
// TLS: a request whose application asks for its context leaves the
// keep-alive connection usable, and a client that leaves cancels it.
func TestTLSH1Context(t *testing.T) {
	t.Parallel()
	app := newTestApp()
	ctxApp := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		if env.Path == "/wait.py" {
			return app.ServeGateway(env, start)
		}
		_ = env.Context() // starts the watch
		start("200 OK", plain)
		return gateway.Bytes([]byte("ok"))
	})
	ts := startTLSServer(t, func(s *Server) { s.App = ctxApp })
	c, err := tls.Dial("tcp", ts.addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(patience))
	rc := &rawConn{t: t, Conn: c, br: bufio.NewReader(c)}
	for i := range 3 {
		rc.send("GET /ctx.py HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if r := rc.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "ok" {
			t.Fatalf("request %d on one connection: %d", i, r.StatusCode)
		}
	}
	rc.send("GET /wait.py HTTP/1.1\r\nHost: localhost\r\n\r\n")
	app.waitWaiting(t)
	c.Close()
	select {
	case got := <-app.cancelled:
		if got != context.Canceled.Error() {
			t.Errorf("context of a request whose client left: %q; want %q", got, context.Canceled)
		}
	case <-time.After(patience):
		t.Errorf("context not cancelled %v after the client left", patience)
	}
}

// TestTLSH2ReleasesSlots checks that an HTTP/2 connection gives its slot
// of MaxConns back when it closes: more connections than slots, one after
// another, are all served.
func TestTLSH2ReleasesSlots(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t, func(s *Server) { s.MaxConns, s.MaxConnsPerAddr = 2, -1 })
	for i := range 5 {
		c := ts.client(t, true)
		resp, err := c.Get("https://" + ts.addr + "/hello.py")
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.Proto != "HTTP/2.0" {
			t.Fatalf("connection %d: %s; want HTTP/2.0", i, resp.Proto)
		}
		c.CloseIdleConnections()
	}
}

// A restart's successor starts while its predecessor still serves: its
// redirect listener must bind the same port, and answer once the
// predecessor has gone.
func TestTLSRedirectSharedByRestart(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("SO_REUSEPORT for the redirect listener is set on Linux only")
	}
	old := startTLSServer(t, func(s *Server) { s.RedirectHTTP = "127.0.0.1:0" })
	port := old.tls.redirect.ln.Addr().String()
	successor := startTLSServer(t, func(s *Server) { s.RedirectHTTP = port })
	if got := successor.tls.redirect.ln.Addr().String(); got != port {
		t.Fatalf("successor's redirect listener on %s, want %s", got, port)
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := old.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{DisableKeepAlives: true},
	}
	_, tlsPort, _ := net.SplitHostPort(successor.addr)
	for i := range 5 {
		req, _ := http.NewRequest("GET", "http://"+port+"/x", nil)
		req.Host = "example.org"
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d after the predecessor stopped: %v", i+1, err)
		}
		resp.Body.Close()
		if want := "https://example.org:" + tlsPort + "/x"; resp.StatusCode != 308 || resp.Header.Get("Location") != want {
			t.Fatalf("request %d: %d %q; want 308 to the successor's %q", i+1, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
}
