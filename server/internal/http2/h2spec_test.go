package http2

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// h2spec (github.com/summerwind/h2spec, installed by bash .ci/setup-h2spec)
// runs its 146 conformance cases (with --strict, which adds one) against a server on this package, on TLS
// and on h2c, with a static-like handler (a fixed body) and an app-like one
// (it reads the request body and streams its answer): every case must pass.

// lookH2spec finds h2spec on PATH or in Go's bin directory; without it the
// test skips, unless MINIWEB_TOOLS=1 (as CI sets it), which makes it fail.
func lookH2spec(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("h2spec"); err == nil {
		return p
	}
	gobin := os.Getenv("GOBIN")
	if gobin == "" {
		out, err := exec.Command("go", "env", "GOPATH").Output()
		if err == nil {
			gobin = filepath.Join(strings.TrimSpace(string(out)), "bin")
		}
	}
	if p := filepath.Join(gobin, "h2spec"); gobin != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("MINIWEB_TOOLS") == "1" {
		t.Fatal("h2spec is not installed and MINIWEB_TOOLS=1: run bash .ci/setup-h2spec")
	}
	t.Skip("h2spec is not installed (bash .ci/setup-h2spec installs it; MINIWEB_TOOLS=1 makes this a failure)")
	return ""
}

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
	bin := lookH2spec(t)
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
			_, port, _ := net.SplitHostPort(ts.addr)
			report := filepath.Join(t.TempDir(), "report.xml")
			// -o: how long h2spec waits for each answer, in seconds; only
			// a hang reaches it (the whole suite takes under a second).
			args := []string{"-h", "127.0.0.1", "-p", port, "-j", report, "-o", "20", "--strict"}
			if tc.tls {
				args = append(args, "-t", "-k")
			}
			out, err := exec.Command(bin, args...).CombinedOutput()
			passed, total, failures := readJUnit(t, report)
			if err != nil || len(failures) > 0 || total != 146 || passed != total {
				t.Fatalf("h2spec: %d/%d passed (exit: %v)\nfailures:\n%s\n\noutput tail:\n%s", passed, total, err,
					strings.Join(failures, "\n"), tail(string(out), 3000))
			}
			t.Logf("h2spec %s: %d/%d passed", tc.name, passed, total)
		})
	}
}

// readJUnit reads h2spec's JUnit report: the cases passed, all cases, and
// the failed ones, each with its message.
func readJUnit(t *testing.T, path string) (passed, total int, failures []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("h2spec wrote no report: %v", err)
	}
	var r struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"classname,attr"`
				Package string `xml:"package,attr"`
				Failure *struct {
					Text string `xml:",innerxml"`
				} `xml:"failure"`
				Error *struct {
					Text string `xml:",innerxml"`
				} `xml:"error"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	// A failure's message may quote frame bytes, NULs included, which
	// XML does not allow.
	b = bytes.ReplaceAll(b, []byte{0}, []byte(`\x00`))
	if err := xml.Unmarshal(b, &r); err != nil {
		t.Fatalf("h2spec report: %v", err)
	}
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			total++
			switch {
			case c.Failure != nil:
				failures = append(failures, s.Name+" "+c.Name+": "+strings.TrimSpace(c.Failure.Text))
			case c.Error != nil:
				failures = append(failures, s.Name+" "+c.Name+": "+strings.TrimSpace(c.Error.Text))
			case c.Skipped != nil:
				failures = append(failures, s.Name+" "+c.Name+": skipped")
			default:
				passed++
			}
		}
	}
	return passed, total, failures
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
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
