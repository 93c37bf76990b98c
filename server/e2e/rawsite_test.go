package e2e

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/miniweb/miniweb/sites/raw"
)

// The raw site's /echo.py over real sockets (issue 12): a form over its
// 64 KiB cap is answered 413, whether its length is declared or not, and
// what it echoes into its UTF-8 page is valid UTF-8 without NUL.
func TestRawSiteEcho(t *testing.T) {
	t.Parallel()
	const form = "application/x-www-form-urlencoded"
	big := "first=" + strings.Repeat("x", 64<<10)
	dirty := "first=A%00da%FF&l%FFast=\xff"
	tests := []struct {
		name   string
		req    string
		status int
		want   string // a substring of the body
	}{
		{"over_cap_declared_413", "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Type: " + form +
			"\r\nContent-Length: " + strconv.Itoa(len(big)) + "\r\n\r\n" + big, 413, "413 Content Too Large"},
		{"over_cap_chunked_413", "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Type: " + form +
			"\r\nTransfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(len(big)), 16) + "\r\n" + big + "\r\n0\r\n\r\n",
			413, "413 Content Too Large"},
		{"invalid_utf8_and_nul_cleaned", "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Type: " + form +
			"\r\nContent-Length: " + strconv.Itoa(len(dirty)) + "\r\n\r\n" + dirty, 200, "<dt>l\uFFFDast</dt><dd>\uFFFD</dd>"},
	}
	ts := startServer(t, raw.App(), nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.dial(t)
			c.send(tt.req)
			r := c.response("POST")
			body := bodyOf(t, r)
			if r.StatusCode != tt.status || !strings.Contains(body, tt.want) {
				t.Fatalf("%d %.200q; want %d containing %q", r.StatusCode, body, tt.status, tt.want)
			}
			if !utf8.ValidString(body) || strings.IndexByte(body, 0) >= 0 || strings.Contains(body, "xxxx") {
				t.Fatalf("body holds invalid UTF-8, NUL or the request: %.200q", body)
			}
		})
	}
}
