package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exposition is a scrape parsed: each sample's value by its name and
// sorted labels, `http_requests_total{method="GET",route="static",status="2xx"}`.
type exposition map[string]float64

// sampleLine is one sample of the text format, without a timestamp.
var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)

// labelPair is one label of a sample: name="value", with \\, \" and \n
// escaped in the value.
var labelPair = regexp.MustCompile(`^ *([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"(,|$)`)

// parseExposition parses the text exposition format (version 0.0.4)
// strictly: every line a HELP, a TYPE or a sample, each sample of a family
// with a TYPE, no sample twice.
func parseExposition(t *testing.T, text string) exposition {
	t.Helper()
	types := map[string]string{}
	out := exposition{}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			switch typ {
			case "counter", "gauge", "histogram", "summary", "untyped":
			default:
				t.Fatalf("line %d: %q: unknown type", i+1, line)
			}
			if types[name] != "" {
				t.Fatalf("line %d: %q: a second TYPE for %s", i+1, line, name)
			}
			types[name] = typ
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line %d: %q is not a sample", i+1, line)
		}
		name, labels := m[1], m[2]
		if _, err := strconv.ParseFloat(m[3], 64); err != nil && m[3] != "+Inf" && m[3] != "NaN" {
			t.Fatalf("line %d: %q: bad value", i+1, line)
		}
		family := name
		if types[family] == "" {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if f, ok := strings.CutSuffix(name, suffix); ok && (types[f] == "histogram" || types[f] == "summary") {
					family = f
				}
			}
		}
		if types[family] == "" {
			t.Fatalf("line %d: %q: no TYPE line for %s before it", i+1, line, name)
		}
		var pairs []string
		for labels != "" {
			p := labelPair.FindStringSubmatch(labels)
			if p == nil {
				t.Fatalf("line %d: %q: bad labels at %q", i+1, line, labels)
			}
			pairs = append(pairs, p[1]+`="`+p[2]+`"`)
			labels = labels[len(p[0]):]
		}
		sort.Strings(pairs)
		key := name
		if len(pairs) > 0 {
			key += "{" + strings.Join(pairs, ",") + "}"
		}
		if _, dup := out[key]; dup {
			t.Fatalf("line %d: %q: %s twice", i+1, line, key)
		}
		v, _ := strconv.ParseFloat(m[3], 64)
		if m[3] == "+Inf" {
			v = float64(1 << 62)
		}
		out[key] = v
	}
	return out
}

// sum adds the values of the samples named name whose labels include
// every one of labels ("route", "static", ...).
func (e exposition) sum(name string, labels ...string) float64 {
	var total float64
	for key, v := range e {
		n, rest, _ := strings.Cut(key, "{")
		if n != name {
			continue
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(","+rest, ","+labels[i]+`="`+labels[i+1]+`"`) {
				ok = false
			}
		}
		if ok {
			total += v
		}
	}
	return total
}

// scrape GETs the metrics at url from the local address from (nil: any)
// and returns the status and body.
func scrape(t *testing.T, url string, from net.IP, header ...string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: patience, Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: from}}).DialContext,
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == 200 && resp.Header.Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, string(b)
}

var metricsLine = regexp.MustCompile(`msg="metrics serving" addr=(http://127\.0\.0\.1:\d+/metrics)`)

// metricsRequest is one request of TestProgramMetrics, and the route it
// must be counted under.
type metricsRequest struct {
	method, target, body string
	route                string
}

// TestProgramMetrics: the demo with [metrics] on a listener of its own.
// A known set of requests on one keep-alive connection (pages of two
// routes, a 404, a static file, a health check, a POST) moves the scraped
// figures by exactly those requests, by route, method and status class;
// the histogram counts them; bytes and connections move; the database
// pool, the hash gate, restarts and the build are there, with the Go
// runtime's and the process's figures.
func TestProgramMetrics(t *testing.T) {
	t.Parallel()
	dir, cfg := siteDir(t, demoConfig(t)+`
[health]
path = "/healthz"

[metrics]
listen = "127.0.0.1:0"
`)
	_, _, stderr, exited := startProgram(t, dir, "-config", cfg, "-addr", "127.0.0.1:0")
	addr := servingAddr(t, stderr, exited)
	m := metricsLine.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no \"metrics serving\" line before \"miniweb serving\":\n%s", stderr)
	}
	metricsURL := m[1]

	c, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(patience))
	br := bufio.NewReader(c)
	want := map[string]float64{} // route method class -> count
	send := func(r metricsRequest) {
		t.Helper()
		req := r.method + " " + r.target + " HTTP/1.1\r\nHost: " + addr + "\r\nSec-Fetch-Site: same-origin\r\n"
		if r.body != "" {
			req += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(r.body)) + "\r\n"
		}
		if _, err := io.WriteString(c, req+"\r\n"+r.body); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: r.method})
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, r.target, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		want[fmt.Sprintf("%s %s %dxx", r.route, r.method, resp.StatusCode/100)]++
	}
	requests := []metricsRequest{
		{"GET", "/index.py", "", "/index.py"},
		{"GET", "/stock/600519.py", "", "/stock/{code}.py"},
		{"GET", "/stock/000001.py", "", "/stock/{code}.py"},
		{"HEAD", "/stock/600519.py", "", "/stock/{code}.py"},
		{"GET", "/nope.py", "", "app"},
		{"GET", "/index.html", "", "static"},
		{"GET", "/missing.css", "", "static"},
		{"GET", "/healthz", "", "health"},
		{"POST", "/login.py", "user=nobody&password=wrong-password", "/login.py"},
	}
	for _, r := range requests {
		send(r)
	}

	// The figures are counted once each answer has left: scrape until the
	// last is in (or patience runs out), then compare them all.
	var e exposition
	deadline := time.Now().Add(patience)
	for {
		status, body := scrape(t, metricsURL, nil)
		if status != 200 {
			t.Fatalf("scrape: %d %s", status, body)
		}
		e = parseExposition(t, body)
		counted := e.sum("http_request_duration_seconds_count") == float64(len(requests))
		if counted && e.sum("http_connections_idle") == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	got := map[string]float64{}
	for key, v := range e {
		if !strings.HasPrefix(key, "http_requests_total{") {
			continue
		}
		l := labelsOf(key)
		got[l["route"]+" "+l["method"]+" "+l["status"]] = v
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("http_requests_total\n got %v\nwant %v", got, want)
	}
	for _, route := range []string{"/index.py", "/stock/{code}.py", "app", "static", "health", "/login.py"} {
		var n float64
		for key, v := range want {
			if strings.HasPrefix(key, route+" ") {
				n += v
			}
		}
		count := e.sum("http_request_duration_seconds_count", "route", route)
		inf := e.sum("http_request_duration_seconds_bucket", "route", route, "le", "+Inf")
		if count != n || inf != n {
			t.Errorf("route %s: histogram count %v, +Inf bucket %v; want %v", route, count, inf, n)
		}
	}
	for _, name := range []string{"http_received_bytes_total", "http_sent_bytes_total", "db_connections_max", "process_cpu_seconds_total", "go_goroutines"} {
		if e.sum(name) <= 0 {
			t.Errorf("%s = %v; want > 0", name, e.sum(name))
		}
	}
	for name, v := range map[string]float64{
		"http_connections_accepted_total": 1, // the one keep-alive connection; the scrapes have their own listener
		"http_connections_open":           1,
		"http_connections_idle":           1, // waiting for its next request
		"http_connections_refused_total":  0,
		"http2_connections_open":          0, // no TLS, no h2c: the families are there, at 0
		"http2_streams_total":             0,
		"demo_hash_gate_running":          0,
		"demo_hash_gate_waiting":          0,
		"demo_hash_gate_refused_total":    0,
		"miniweb_restarts_total":          0,
		"db_connections_in_use":           0,
	} {
		if _, ok := e[name]; !ok || e[name] != v {
			t.Errorf("%s = %v (present: %v); want %v", name, e[name], ok, v)
		}
	}
	found := false
	for key, v := range e {
		found = found || strings.HasPrefix(key, "miniweb_build_info{") && strings.Contains(key, `goversion="go1.`) && v == 1
	}
	if !found {
		t.Error("no miniweb_build_info 1 with a goversion label")
	}

	// One more request moves its route's count by one, and nothing else's.
	send(metricsRequest{"GET", "/index.py", "", "/index.py"})
	before := e.sum("http_requests_total")
	for deadline := time.Now().Add(patience); ; time.Sleep(10 * time.Millisecond) {
		_, body := scrape(t, metricsURL, nil)
		e2 := parseExposition(t, body)
		if e2.sum("http_requests_total") == before+1 {
			if n := e2.sum("http_requests_total", "route", "/index.py") - e.sum("http_requests_total", "route", "/index.py"); n != 1 {
				t.Errorf("/index.py moved by %v; want 1", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the last request was not counted within %v", patience)
		}
	}
}

// labelsOf returns the labels of a key of an exposition.
func labelsOf(key string) map[string]string {
	out := map[string]string{}
	_, rest, _ := strings.Cut(key, "{")
	rest = strings.TrimSuffix(rest, "}")
	for rest != "" {
		p := labelPair.FindStringSubmatch(rest)
		if p == nil {
			break
		}
		out[p[1]] = p[2]
		rest = rest[len(p[0]):]
	}
	return out
}

// TestProgramMetricsPath: [metrics] path on the site's listener answers
// the allowed network alone (127.0.0.2 here); a client from elsewhere
// (127.0.0.1), or one that sends forwarding fields no trusted proxy
// vouches for, gets the site's 404, and the scrape counts under its own
// route.
func TestProgramMetricsPath(t *testing.T) {
	t.Parallel()
	dir, cfg := siteDir(t, goodConfig+`
[metrics]
path = "/metrics"
allow = ["127.0.0.2/32"]
`)
	_, _, stderr, exited := startProgram(t, dir, "-config", cfg, "-addr", "127.0.0.1:0")
	addr := servingAddr(t, stderr, exited)
	url := "http://" + addr + "/metrics"

	if status, body := scrape(t, url, net.IPv4(127, 0, 0, 1)); status != 404 || strings.Contains(body, "http_requests_total") {
		t.Errorf("from 127.0.0.1: %d %q; want the site's 404", status, body)
	}
	if status, body := scrape(t, url, net.IPv4(127, 0, 0, 2), "X-Forwarded-For", "127.0.0.2"); status != 404 || strings.Contains(body, "http_requests_total") {
		t.Errorf("from 127.0.0.2 with X-Forwarded-For: %d %q; want the site's 404", status, body)
	}
	// The two refusals are the raw site's 404s, counted under "app"; each
	// scrape is counted under "metrics" once its answer has left, so a
	// later scrape sees the earlier ones.
	for deadline := time.Now().Add(patience); ; time.Sleep(10 * time.Millisecond) {
		status, body := scrape(t, url, net.IPv4(127, 0, 0, 2))
		if status != 200 {
			t.Fatalf("from 127.0.0.2: %d %q; want the metrics", status, body)
		}
		e := parseExposition(t, body)
		refused := e.sum("http_requests_total", "route", "app", "status", "4xx")
		scrapes := e.sum("http_requests_total", "route", "metrics", "method", "GET", "status", "2xx")
		if refused == 2 && scrapes >= 1 {
			break
		}
		if refused > 2 || time.Now().After(deadline) {
			t.Fatalf("refusals counted as the site's 404s: %v (want 2), scrapes under route metrics: %v (want 1 or more):\n%s", refused, scrapes, body)
		}
	}
}

// TestProgramMetricsRestarts: restarts carry on across processes. A
// failed restart counts in the process that served on; a good one makes
// a successor, on its own metrics listener, that counts one restart.
func TestProgramMetricsRestarts(t *testing.T) {
	t.Parallel()
	good := goodConfig + "\n[metrics]\nlisten = \"127.0.0.1:0\"\n"
	dir, cfg := siteDir(t, good)
	f := startFamily(t, dir, nil, nil, "", "-config", cfg, "-addr", "127.0.0.1:0")
	_, pid := f.serving()
	figures := func(url string) (restarts, failures float64) {
		t.Helper()
		status, body := scrape(t, url, nil)
		if status != 200 {
			t.Fatalf("scrape %s: %d", url, status)
		}
		e := parseExposition(t, body)
		return e["miniweb_restarts_total"], e["miniweb_restart_failures_total"]
	}
	first := f.waitLog(metricsLine, 1, patience)[0][1]
	if r, fl := figures(first); r != 0 || fl != 0 {
		t.Errorf("first process: restarts %v, failures %v; want 0 and 0", r, fl)
	}

	if err := os.WriteFile(cfg, []byte(good+"\n[limits]\nbodybytes = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	f.waitCount("restart failed; serving on", 1, patience)
	if r, fl := figures(first); r != 0 || fl != 1 {
		t.Errorf("after a failed restart: restarts %v, failures %v; want 0 and 1", r, fl)
	}

	if err := os.WriteFile(cfg, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	f.restart(pid, patience)
	second := f.waitLog(metricsLine, 2, patience)[1][1]
	if r, fl := figures(second); r != 1 || fl != 0 {
		t.Errorf("the successor: restarts %v, failures %v; want 1 and 0", r, fl)
	}
}

// TestProgramMetricsCheck: -check says where the metrics are, and a
// [metrics] table that would expose them to anyone stops the start with
// status 2 and the file's line.
func TestProgramMetricsCheck(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, metrics string
		status        int
		want          string // in stdout for status 0, in stderr otherwise; "@" is the config's path
	}{
		{"off", "", 0, "\n  metrics    off\n"},
		{"listen", "[metrics]\nlisten = \"127.0.0.1:9090\"\n", 0, "\n  metrics    http://127.0.0.1:9090/metrics (a listener of their own)\n"},
		{"path", "[metrics]\npath = \"/metrics\"\nallow = [\"10.0.0.0/8\"]\n", 0, "\n  metrics    /metrics on the site's listener, to 10.0.0.0/8 (others: 404)\n"},
		{"path_open", "[metrics]\npath = \"/metrics\"\n", 2, "miniweb: @:13: metrics.path: metrics on the site's listener need metrics.allow"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, cfg := siteDir(t, goodConfig+tt.metrics)
			status, stdout, stderr := runMiniweb(t, dir, "-config", cfg, "-check")
			out := stdout
			if tt.status != 0 {
				out = stderr
			}
			if want := strings.ReplaceAll(tt.want, "@", cfg); status != tt.status || !strings.Contains(out, want) {
				t.Errorf("-check: status %d, stdout %q, stderr %q; want %d and %q", status, stdout, stderr, tt.status, want)
			}
		})
	}
}
