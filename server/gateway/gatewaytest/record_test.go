package gatewaytest

import (
	"errors"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
)

func TestRecordContract(t *testing.T) {
	t.Parallel()
	hello := []byte("hi")
	tests := []struct {
		name    string
		method  string
		app     gateway.AppFunc
		err     error  // wanted error (errors.Is), nil for success
		errText string // or a wanted substring of the error
		body    string // wanted body on success
	}{
		{
			name: "bytes",
			app: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				start("200 OK", nil)
				return gateway.Bytes(hello)
			},
			body: "hi",
		},
		{
			name:   "head_has_no_body",
			method: "HEAD",
			app: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				start("200 OK", nil)
				return gateway.Bytes(hello)
			},
		},
		{
			name: "304_has_no_body",
			app: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				start("304 Not Modified", nil)
				return gateway.Bytes(hello)
			},
		},
		{
			name: "never_started",
			app:  func(env *gateway.Environ, start gateway.StartResponse) gateway.Body { return gateway.Bytes(hello) },
			err:  gateway.ErrNotStarted,
		},
		{
			name: "started_twice",
			app: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				start("200 OK", nil)
				if err := start("500 Oops", nil); !errors.Is(err, gateway.ErrAlreadyStarted) {
					panic("second start returned " + err.Error())
				}
				return gateway.Bytes(hello)
			},
			body: "hi",
		},
		{
			name: "bad_header_not_recorded",
			app: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				if err := start("200 OK", []gateway.Field{{Name: "X", Value: "a\r\nb"}}); err == nil {
					panic("bad header accepted")
				}
				return gateway.Bytes(hello)
			},
			err: gateway.ErrNotStarted,
		},
		{
			name: "stream_started_late",
			app: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				return gateway.Stream(func(yield func([]byte, error) bool) {
					yield(nil, nil) // empty chunks need no start
					start("200 OK", nil)
					yield([]byte("a"), nil)
					yield([]byte("b"), nil)
				})
			},
			body: "ab",
		},
		{
			name: "stream_chunk_before_start",
			app: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				return gateway.Stream(func(yield func([]byte, error) bool) { yield([]byte("a"), nil) })
			},
			err: gateway.ErrNotStarted,
		},
		{
			name: "stream_error",
			app: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				start("200 OK", nil)
				return gateway.Stream(func(yield func([]byte, error) bool) {
					yield([]byte("a"), nil)
					yield(nil, errors.New("disk on fire"))
				})
			},
			errText: "disk on fire",
		},
		{
			name:    "panic",
			app:     func(env *gateway.Environ, start gateway.StartResponse) gateway.Body { panic("boom") },
			errText: "application panicked: boom",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			closed := 0
			app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				return tt.app(env, start).OnClose(func() { closed++ })
			})
			rec, err := Record(app, NewEnviron(method, "/x.py", nil))
			switch {
			case tt.err != nil || tt.errText != "":
				if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err = %v; want %v %q", err, tt.err, tt.errText)
				}
			case err != nil:
				t.Fatalf("err = %v", err)
			case string(rec.Body) != tt.body:
				t.Fatalf("body = %q; want %q", rec.Body, tt.body)
			}
			if tt.name != "panic" && closed != 1 {
				t.Fatalf("OnClose ran %d times; want 1", closed)
			}
		})
	}
}
