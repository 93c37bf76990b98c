package gateway

import (
	"errors"
	"strings"
	"testing"
)

func TestRecordContract(t *testing.T) {
	hello := []byte("hi")
	tests := []struct {
		name    string
		method  string
		app     AppFunc
		err     error  // wanted error (errors.Is), nil for success
		errText string // or a wanted substring of the error
		body    string // wanted body on success
	}{
		{
			name: "bytes",
			app: func(env *Environ, start StartResponse) Body {
				start("200 OK", nil)
				return Bytes(hello)
			},
			body: "hi",
		},
		{
			name:   "head_has_no_body",
			method: "HEAD",
			app: func(env *Environ, start StartResponse) Body {
				start("200 OK", nil)
				return Bytes(hello)
			},
		},
		{
			name: "304_has_no_body",
			app: func(env *Environ, start StartResponse) Body {
				start("304 Not Modified", nil)
				return Bytes(hello)
			},
		},
		{
			name: "never_started",
			app:  func(env *Environ, start StartResponse) Body { return Bytes(hello) },
			err:  ErrNotStarted,
		},
		{
			name: "started_twice",
			app: func(env *Environ, start StartResponse) Body {
				start("200 OK", nil)
				if err := start("500 Oops", nil); !errors.Is(err, ErrAlreadyStarted) {
					panic("second start returned " + err.Error())
				}
				return Bytes(hello)
			},
			body: "hi",
		},
		{
			name: "bad_header_not_recorded",
			app: func(env *Environ, start StartResponse) Body {
				if err := start("200 OK", []Field{{"X", "a\r\nb"}}); err == nil {
					panic("bad header accepted")
				}
				return Bytes(hello)
			},
			err: ErrNotStarted,
		},
		{
			name: "stream_started_late",
			app: func(env *Environ, start StartResponse) Body {
				return Stream(func(yield func([]byte, error) bool) {
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
			app: func(env *Environ, start StartResponse) Body {
				return Stream(func(yield func([]byte, error) bool) { yield([]byte("a"), nil) })
			},
			err: ErrNotStarted,
		},
		{
			name: "stream_error",
			app: func(env *Environ, start StartResponse) Body {
				start("200 OK", nil)
				return Stream(func(yield func([]byte, error) bool) {
					yield([]byte("a"), nil)
					yield(nil, errors.New("disk on fire"))
				})
			},
			errText: "disk on fire",
		},
		{
			name:    "panic",
			app:     func(env *Environ, start StartResponse) Body { panic("boom") },
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
			app := AppFunc(func(env *Environ, start StartResponse) Body {
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
