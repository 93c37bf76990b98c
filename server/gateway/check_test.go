package gateway

import (
	"errors"
	"testing"
)

func TestCheckStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status string
		code   int   // wanted code when err is nil
		err    error // wanted error, nil for a good status
	}{
		{"200 OK", 200, nil},
		{"404 Not Found", 404, nil},
		{"599 x", 599, nil},
		{"204", 204, nil},
		{"200 ", 200, nil},
		{"500 Internal\tError", 500, nil},
		{"", 0, ErrStatus},
		{"20", 0, ErrStatus},
		{"2000 OK", 0, ErrStatus},
		{"200OK", 0, ErrStatus},
		{"abc OK", 0, ErrStatus},
		{"100 Continue", 0, ErrStatus},
		{"101 Switching Protocols", 0, ErrStatus},
		{"600 Nope", 0, ErrStatus},
		{"200 OK\r\nX-Injected: 1", 0, ErrStatus},
		{"200 OK\n", 0, ErrStatus},
		{"200 O\x00K", 0, ErrStatus},
	}
	for _, tt := range tests {
		code, err := CheckStatus(tt.status)
		if !errors.Is(err, tt.err) || (tt.err == nil && code != tt.code) {
			t.Errorf("CheckStatus(%q) = %d, %v; want %d, %v", tt.status, code, err, tt.code, tt.err)
		}
	}
}

func TestCheckHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		err         error
	}{
		{"Content-Type", "text/html; charset=utf-8", nil},
		{"X-Tab", "a\tb", nil},
		{"Set-Cookie", "a=b; Path=/", nil},
		{"X-Obs", "caf\xc3\xa9", nil},
		{"Content-Length", "13", nil},
		{"", "x", ErrHeaderName},
		{"Bad Name", "x", ErrHeaderName},
		{"Bad:Name", "x", ErrHeaderName},
		{"X\r\nInjected", "x", ErrHeaderName},
		{"X-Split", "a\r\nSet-Cookie: evil=1", ErrHeaderValue}, // CVE-2018-1000164
		{"X-LF", "a\nb", ErrHeaderValue},
		{"X-CR", "a\rb", ErrHeaderValue},
		{"X-NUL", "a\x00b", ErrHeaderValue},
		{"X-DEL", "a\x7fb", ErrHeaderValue},
		{"Content-Length", "-1", ErrHeaderValue},
		{"content-length", "1 2", ErrHeaderValue},
		{"Connection", "close", ErrHopByHop},
		{"transfer-encoding", "chunked", ErrHopByHop},
		{"Keep-Alive", "timeout=5", ErrHopByHop},
		{"Upgrade", "h2c", ErrHopByHop},
		{"TE", "trailers", ErrHopByHop},
		{"Trailer", "X", ErrHopByHop},
		{"Proxy-Connection", "close", ErrHopByHop},
	}
	for _, tt := range tests {
		if err := CheckHeader(Field{tt.name, tt.value}); !errors.Is(err, tt.err) {
			t.Errorf("CheckHeader(%q: %q) = %v; want %v", tt.name, tt.value, err, tt.err)
		}
	}
}
