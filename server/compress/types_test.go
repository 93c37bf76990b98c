package compress

import (
	"strings"
	"testing"
)

func TestCompressible(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ct   string // the Content-Type
		want bool
	}{
		{"text/html; charset=utf-8", true},
		{"TEXT/CSS", true},
		{"text/event-stream", true},
		{"application/json", true},
		{"application/json ; charset=utf-8", true},
		{"application/problem+json", true},
		{"application/manifest+json; charset=utf-8", true},
		{"application/javascript", true},
		{"application/xml", true},
		{"application/rss+xml", true},
		{"image/svg+xml", true},
		{"application/wasm", true},
		{"image/x-icon", true},
		{"font/ttf", true},

		{"", false},
		{"text/", false},
		{"image/png", false},
		{"image/jpeg", false},
		{"image/webp", false},
		{"video/mp4", false},
		{"audio/mpeg", false},
		{"font/woff2", false},
		{"application/zip", false},
		{"application/gzip", false},
		{"application/zstd", false},
		{"application/pdf", false},
		{"application/octet-stream", false},
		{"+json", false},
		{"application/x+jsonx", false},
	}
	for _, tt := range tests {
		if got := Compressible(tt.ct); got != tt.want {
			t.Errorf("Compressible(%q) = %v; want %v", tt.ct, got, tt.want)
		}
	}
}

func TestVariantETag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		etag string
		enc  Encoding
		want string
	}{
		{`"abc"`, Zstd, `"abc-zstd"`},
		{`"abc"`, Gzip, `"abc-gzip"`},
		{`"abc"`, Identity, `"abc"`},
		{`W/"abc"`, Zstd, `W/"abc"`}, // weak stays weak, and as it is
		{`abc`, Gzip, `abc`},         // malformed: untouched
		{``, Gzip, ``},
	}
	for _, tt := range tests {
		if got := VariantETag(tt.etag, tt.enc); got != tt.want {
			t.Errorf("VariantETag(%q, %v) = %q; want %q", tt.etag, tt.enc, got, tt.want)
		}
	}
}

func TestOptionsCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o    Options
		want string // substring of the error, "" for none
	}{
		{Options{}, ""},
		{Options{GzipLevel: 9, ZstdLevel: 22, MinBytes: 1, StaticMaxBytes: -1}, ""},
		{Options{GzipLevel: 10}, "GzipLevel 10"},
		{Options{GzipLevel: -1}, "GzipLevel -1"},
		{Options{ZstdLevel: 23}, "ZstdLevel 23"},
		{Options{MinBytes: -1}, "MinBytes -1"},
		{Options{StaticCacheBytes: -5}, "StaticCacheBytes -5"},
	}
	for _, tt := range tests {
		err := tt.o.Check()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: Check() = %v", tt.o, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: Check() = %v; want an error with %q", tt.o, err, tt.want)
		}
	}
}
