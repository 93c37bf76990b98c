package httpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// accessLines waits until the log holds at least n lines (the access log
// flushes every 100ms) and returns them.
func accessLines(t *testing.T, log *syncBuffer, n int) []string {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		s := log.String()
		if lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n"); s != "" && len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("the access log has not %d lines after %v:\n%s", n, patience, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// combinedFields splits one line of Combined Log Format with the request
// time appended:
//
//	127.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "GET /index.py HTTP/1.1" 200 512 "-" "curl/8.0" 0.000
var combinedFields = regexp.MustCompile(`^(\S+) (\S+) (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)" (\d+\.\d{3})$`)

type combined struct {
	remote, ident, user string
	time                time.Time
	request             string
	status              int
	bytes               string
	referer, agent      string
	duration            float64
}

func parseCombined(t *testing.T, line string) combined {
	t.Helper()
	m := combinedFields.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("not a Combined Log Format line: %q", line)
	}
	when, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[4])
	if err != nil {
		t.Fatalf("time of %q: %v", line, err)
	}
	status, _ := strconv.Atoi(m[6])
	d, _ := strconv.ParseFloat(m[10], 64)
	return combined{m[1], m[2], m[3], when, m[5], status, m[7], m[8], m[9], d}
}

func TestAccessLogCombinedFields(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), map[string]string{"a.txt": "AAA"})
	before := time.Now().Add(-time.Second) // the log's time has whole seconds
	c := ts.dial(t)
	c.send("GET /hello.py?x=1 HTTP/1.1\r\nHost: x\r\nReferer: http://example.com/from\r\nUser-Agent: e2e/1.0 (test)\r\n\r\n")
	c.response("GET")
	c.send("GET /slow.py HTTP/1.1\r\nHost: x\r\n\r\n")
	c.response("GET")
	c.send("HEAD /a.txt HTTP/1.0\r\n\r\n")
	c.response("HEAD")

	lines := accessLines(t, ts.access, 3)
	if len(lines) != 3 {
		t.Fatalf("%d lines for 3 requests:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	tests := []struct {
		request, bytes, referer, agent string
		status                         int
		minDuration                    float64 // seconds
	}{
		{"GET /hello.py?x=1 HTTP/1.1", "13", "http://example.com/from", "e2e/1.0 (test)", 200, 0},
		{"GET /slow.py HTTP/1.1", "9", "-", "-", 200, 0.3}, // /slow.py sleeps 300ms
		{"HEAD /a.txt HTTP/1.0", "-", "-", "-", 200, 0},    // HEAD: no body bytes
	}
	for i, tt := range tests {
		got := parseCombined(t, lines[i])
		if got.remote != "127.0.0.1" || got.ident != "-" || got.user != "-" {
			t.Errorf("line %d: remote, ident, user = %q %q %q; want 127.0.0.1 - -", i, got.remote, got.ident, got.user)
		}
		if got.time.Before(before) || got.time.After(time.Now()) {
			t.Errorf("line %d: time %v is not the request's", i, got.time)
		}
		if got.request != tt.request || got.status != tt.status || got.bytes != tt.bytes ||
			got.referer != tt.referer || got.agent != tt.agent {
			t.Errorf("line %d = %q\nwant request %q status %d bytes %s referer %q agent %q",
				i, lines[i], tt.request, tt.status, tt.bytes, tt.referer, tt.agent)
		}
		if got.duration < tt.minDuration || got.duration > patience.Seconds() {
			t.Errorf("line %d: duration %.3fs; want at least %.3fs, and a request's, not a clock's", i, got.duration, tt.minDuration)
		}
	}
}

// No request byte can forge or split a line: quotes, backslashes, control
// and non-ASCII bytes are written as \xHH.
func TestAccessLogEscapes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), nil)
	tests := []struct {
		name    string
		req     string
		status  int
		request string // the request field of the line
		agent   string // the user-agent field of the line
	}{
		{
			name:    "quote_backslash_tab_obs_text_in_agent",
			req:     "GET /hello.py HTTP/1.1\r\nHost: x\r\nUser-Agent: a\"b\\c\td\xff\" 200 0 \"-\" \"forged\r\n\r\n",
			status:  200,
			request: "GET /hello.py HTTP/1.1",
			agent:   `a\x22b\x5Cc\x09d\xFF\x22 200 0 \x22-\x22 \x22forged`,
		},
		{
			name:    "quote_backslash_in_target",
			req:     "GET /q.py?a=\"b\\c\"&d HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n",
			status:  404, // the test application's unknown path
			request: `GET /q.py?a=\x22b\x5Cc\x22&d HTTP/1.1`,
			agent:   "t",
		},
		{
			// ESC is not allowed in a field value: the request is a 400,
			// logged without its (unparsed) fields.
			name:    "escape_in_agent",
			req:     "GET /hello.py HTTP/1.1\r\nHost: x\r\nUser-Agent: \x1b[2J\x1b]0;pwned\x07\"\r\n\r\n",
			status:  400,
			request: "-",
			agent:   "-",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logged := strings.Count(ts.access.String(), "\n") // the lines of earlier cases, all flushed
			c := ts.dial(t)
			c.send(tt.req)
			if r := c.response("GET"); r.StatusCode != tt.status {
				t.Fatalf("status %d; want %d", r.StatusCode, tt.status)
			}
			line := accessLines(t, ts.access, logged+1)[logged]
			for _, b := range []byte(line) {
				if b < 0x20 || b >= 0x7f {
					t.Fatalf("raw byte %#x in the line %q", b, line)
				}
			}
			got := parseCombined(t, line)
			if got.request != tt.request || got.agent != tt.agent || got.status != tt.status {
				t.Fatalf("line %q\nwant request %q agent %q status %d", line, tt.request, tt.agent, tt.status)
			}
		})
	}
}

// Pipelined requests get one line each, in order; a request that cannot be
// parsed gets its line too, and the line does not echo the bad bytes.
func TestAccessLogPipelinedAndBadRequest(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newTestApp(), map[string]string{"a.txt": "AAA"})
	c := ts.dial(t)
	c.send("GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi" +
		"GET /nothere.txt HTTP/1.1\r\nHost: x\r\nUser-Agent: pipe/1\r\n\r\n" +
		"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, method := range []string{"GET", "GET", "POST", "GET", "GET"} {
		c.response(method)
	}
	if !c.closed() {
		t.Fatal("connection open after a 400")
	}
	want := []struct {
		request string
		status  int
		bytes   string
	}{
		{"GET /hello.py HTTP/1.1", 200, "13"},
		{"GET /a.txt HTTP/1.1", 200, "3"},
		{"POST /echo.py HTTP/1.1", 200, itoa(len("POST /echo.py  hi"))},
		{"GET /nothere.txt HTTP/1.1", 404, ""}, // the static 404 page
		{"-", 400, "12"},                       // "Bad Request\n"
	}
	lines := accessLines(t, ts.access, len(want))
	if len(lines) != len(want) {
		t.Fatalf("%d lines for %d requests:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, w := range want {
		got := parseCombined(t, lines[i])
		if got.request != w.request || got.status != w.status || w.bytes != "" && got.bytes != w.bytes {
			t.Errorf("line %d = %q; want %q %d %s", i, lines[i], w.request, w.status, w.bytes)
		}
	}
	// The bad request's line carries nothing of the request before it.
	if got := parseCombined(t, lines[3]).agent; got != "pipe/1" {
		t.Errorf("agent of the 404 line %q; want pipe/1", got)
	}
	if got := parseCombined(t, lines[4]).agent; got != "-" {
		t.Errorf("agent of the 400 line %q; want - (the previous request's leaked?)", got)
	}
}

func TestAccessLogJSON(t *testing.T) {
	t.Parallel()
	out := &syncBuffer{}
	ts := startServer(t, newTestApp(), map[string]string{"a.txt": "AAA"}, func(s *Server) {
		s.AccessLog, s.AccessLogFormat = out, "json"
	})
	c := ts.dial(t)
	c.send("GET /hello.py?q=\"x\" HTTP/1.1\r\nHost: x\r\nUser-Agent: j\"son\xff\r\n\r\n" +
		"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n")
	for range 3 {
		c.response("GET")
	}
	type entry struct {
		Msg      string   `json:"msg"`
		Remote   string   `json:"remote"`
		Method   string   `json:"method"`
		Target   string   `json:"target"`
		Proto    string   `json:"proto"`
		Status   *int     `json:"status"`
		Bytes    *int64   `json:"bytes"`
		Duration *float64 `json:"duration"` // nanoseconds
		Agent    string   `json:"user_agent"`
	}
	want := []struct {
		method, target, agent string
		status                int
		bytes                 int64
	}{
		{"GET", `/hello.py?q="x"`, "j\"son\ufffd", 200, 13},
		{"GET", "/a.txt", "", 200, 3},
		{"GET", "/a%zz", "", 400, 12}, // a bad escape: "Bad Request\n"
	}
	lines := accessLines(t, out, len(want))
	if len(lines) != len(want) {
		t.Fatalf("%d lines for %d requests:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, w := range want {
		var e entry
		if err := json.Unmarshal([]byte(lines[i]), &e); err != nil {
			t.Fatalf("line %d is not one JSON object: %v\n%s", i, err, lines[i])
		}
		var keys map[string]any
		json.Unmarshal([]byte(lines[i]), &keys)
		for _, k := range []string{"remote", "method", "target", "status", "bytes", "duration"} {
			if _, ok := keys[k]; !ok {
				t.Errorf("line %d lacks key %q: %s", i, k, lines[i])
			}
		}
		if !strings.HasPrefix(e.Remote, "127.0.0.1:") || e.Method != w.method || e.Target != w.target ||
			e.Proto != "HTTP/1.1" || e.Agent != w.agent || e.Status == nil || *e.Status != w.status ||
			e.Bytes == nil || *e.Bytes != w.bytes || e.Duration == nil || *e.Duration < 0 || *e.Duration > 5e9 {
			t.Errorf("line %d = %s\nwant method %s target %q agent %q status %d bytes %d", i, lines[i], w.method, w.target, w.agent, w.status, w.bytes)
		}
		if e.Msg != "request" {
			t.Errorf("line %d: msg %q; want request", i, e.Msg)
		}
	}
}

// TestAccessLogBytesSent: the bytes field counts the body bytes the
// connection took, not those handed to the server's buffer. A client that
// never reads a 64 MiB answer makes the write time out part way. For a file
// (Content-Length, sendfile) the line's bytes are then exactly the body
// bytes the client finds when it reads at last; for a streamed (chunked)
// body they lie between the payload the client got and the raw bytes,
// chunk framing included.
func TestAccessLogBytesSent(t *testing.T) {
	t.Parallel()
	const size = 64 << 20
	ts := startServer(t, newHardApp(), nil, func(s *Server) { s.WriteTimeout = time.Second })
	sparseFile(t, ts.root, "big.bin", size)

	for i, path := range []string{"/big.bin", "/big.py?64"} {
		c := ts.dial(t)
		c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		// The line is written once the write has timed out and the
		// connection is closed.
		line := parseCombined(t, accessLines(t, ts.access, i+1)[i])
		c.SetReadDeadline(time.Now().Add(patience))
		got, err := io.ReadAll(c.br)
		if err != nil && !isReset(err) {
			t.Fatalf("%s: reading what was sent: %v", path, err)
		}
		c.Close()
		head, raw, ok := bytes.Cut(got, []byte("\r\n\r\n"))
		if !ok {
			t.Fatalf("%s: no response head in %d bytes", path, len(got))
		}
		lo, hi := len(raw), len(raw)
		if bytes.Contains(head, []byte("Transfer-Encoding: chunked")) {
			lo = chunkedPayload(t, raw)
		}
		logged, _ := strconv.Atoi(line.bytes)
		t.Logf("%s: the client got %d body bytes of %d (payload %d) before the write timeout; logged %s", path, len(raw), size, lo, line.bytes)
		if line.status != 200 || logged < lo || logged > hi {
			t.Errorf("%s: logged status %d bytes %s; want 200 and %d to %d", path, line.status, line.bytes, lo, hi)
		}
		if logged >= size {
			t.Errorf("%s: logged %d bytes, the whole body, though the write timed out", path, logged)
		}
	}
}

// chunkedPayload returns the data bytes in a chunked body cut anywhere.
func chunkedPayload(t *testing.T, b []byte) int {
	t.Helper()
	n := 0
	for len(b) > 0 {
		line, rest, ok := bytes.Cut(b, []byte("\r\n"))
		if !ok {
			break // cut in a size line
		}
		size, err := strconv.ParseInt(string(line), 16, 64)
		if err != nil {
			t.Fatalf("chunk size line %q: %v", line, err)
		}
		take := min(int(size), len(rest))
		n += take
		b = rest[take:]
		b = b[min(2, len(b)):] // the CRLF after the data
	}
	return n
}
