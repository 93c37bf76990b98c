package gateway_test

import (
	"context"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

func TestEnvironGet(t *testing.T) {
	t.Parallel()
	env := gatewaytest.NewEnviron("GET", "/a%20b.py?x=1&y=2", nil)
	env.RemoteAddr = "192.0.2.7:4321"
	env.Header = append(env.Header,
		gateway.Field{"User-Agent", "curl/8"},
		gateway.Field{"Content-Type", "text/plain"},
		gateway.Field{"Accept", "text/html"},
		gateway.Field{"accept", "*/*"},
		gateway.Field{"X_Forwarded_For", "spoofed"},
		gateway.Field{"X-Forwarded-For", "10.0.0.1"},
	)
	tests := []struct{ name, want string }{
		{"REQUEST_METHOD", "GET"},
		{"PATH_INFO", "/a b.py"},
		{"REQUEST_URI", "/a%20b.py?x=1&y=2"},
		{"QUERY_STRING", "x=1&y=2"},
		{"SERVER_PROTOCOL", "HTTP/1.1"},
		{"SERVER_NAME", "127.0.0.1"},
		{"SERVER_PORT", "8080"},
		{"REMOTE_ADDR", "192.0.2.7"},
		{"REMOTE_PORT", "4321"},
		{"CONTENT_TYPE", "text/plain"},
		{"CONTENT_LENGTH", ""},
		{"wsgi.url_scheme", "http"},
		{"HTTP_USER_AGENT", "curl/8"},
		{"HTTP_HOST", "127.0.0.1:8080"},
		{"HTTP_ACCEPT", "text/html, */*"},
		{"HTTP_X_FORWARDED_FOR", "10.0.0.1"},
		{"HTTP_", ""},
		{"HTTP_NOPE", ""},
		{"NOPE", ""},
	}
	for _, tt := range tests {
		if got := env.Get(tt.name); got != tt.want {
			t.Errorf("Get(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestEnvironContext(t *testing.T) {
	t.Parallel()
	env := gatewaytest.NewEnviron("GET", "/", nil)
	if env.Context() != context.Background() {
		t.Fatal("Context without a server context is not Background")
	}
	calls := 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env.SetContextFunc(func() context.Context { calls++; return ctx })
	if calls != 0 {
		t.Fatal("SetContextFunc called f eagerly")
	}
	if env.Context() != ctx || env.Context() != ctx || calls != 1 {
		t.Fatalf("Context did not make the context once (calls=%d)", calls)
	}
	env.Reset()
	if env.Context() != context.Background() || len(env.Header) != 0 {
		t.Fatal("Reset kept the old context or header")
	}
}
