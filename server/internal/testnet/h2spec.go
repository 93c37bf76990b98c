package testnet

import (
	"bytes"
	"encoding/xml"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// H2specCases is how many cases h2spec runs with --strict.
const H2specCases = 146

// H2spec runs h2spec (github.com/summerwind/h2spec, installed by bash
// .ci/setup-h2spec) with --strict against the server at addr
// ("127.0.0.1:port"), its requests for path: over TLS (ALPN h2, any
// certificate accepted) when tls is set, else h2c with prior knowledge.
// It fails t unless every one of the H2specCases passes, and returns how
// many did. Without h2spec it skips t, unless MINIWEB_TOOLS=1 (as CI
// sets it), which makes that a failure.
func H2spec(t *testing.T, addr, path string, tls bool) int {
	t.Helper()
	bin := lookH2spec(t)
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("h2spec: address %q: %v", addr, err)
	}
	report := filepath.Join(t.TempDir(), "report.xml")
	// -o: how long h2spec waits for each answer, in seconds; only a hang
	// reaches it (the whole suite takes about a second).
	args := []string{"-h", host, "-p", port, "-P", path, "-j", report, "-o", "20", "--strict"}
	if tls {
		args = append(args, "-t", "-k")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	passed, total, failures := readH2specReport(t, report)
	if err != nil || len(failures) > 0 || total != H2specCases || passed != total {
		t.Fatalf("h2spec %s: %d/%d passed, want all %d (exit: %v)\nfailures:\n%s\n\noutput's end:\n%s", path, passed, total, H2specCases, err,
			strings.Join(failures, "\n"), lastBytes(string(out), 3000))
	}
	return passed
}

// lookH2spec finds h2spec on PATH or in Go's bin directory.
func lookH2spec(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("h2spec"); err == nil {
		return p
	}
	gobin := os.Getenv("GOBIN")
	if gobin == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gobin = filepath.Join(strings.TrimSpace(string(out)), "bin")
		}
	}
	if gobin != "" {
		p := filepath.Join(gobin, "h2spec")
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

// readH2specReport reads h2spec's JUnit report: the cases passed, all
// cases, and the failed ones, each with its message.
func readH2specReport(t *testing.T, path string) (passed, total int, failures []string) {
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
		t.Fatalf("h2spec report %s: %v", path, err)
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

// lastBytes returns the last n bytes of s, or s.
func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
