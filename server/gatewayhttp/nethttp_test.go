package gatewayhttp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// logBuffer is a log that tests read, safe for a handler's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// logged returns an Environ's logger writing to a buffer, at debug level.
func logged() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// serve runs h under FromHandler on env with Record.
func serve(t *testing.T, h http.HandlerFunc, env *gateway.Environ) (*gatewaytest.Recording, string, error) {
	t.Helper()
	log, buf := logged()
	env.Log = log
	rec, err := gatewaytest.Record(FromHandler(h), env)
	return rec, buf.String(), err
}

func TestFromHandlerRequest(t *testing.T) {
	t.Parallel()
	var got *http.Request
	var body []byte
	var bodyErr error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, bodyErr = io.ReadAll(r.Body)
	})
	tests := []struct {
		name string
		env  func() *gateway.Environ
		want func(t *testing.T, r *http.Request)
	}{
		{"get", func() *gateway.Environ {
			e := gatewaytest.NewEnviron("GET", "/a%2Fb/c.py?x=1&y=%20", nil)
			e.Header = append(e.Header, gateway.Field{Name: "user-agent", Value: "test/1"}, gateway.Field{Name: "X-Multi", Value: "1"}, gateway.Field{Name: "x-multi", Value: "2"})
			return e
		}, func(t *testing.T, r *http.Request) {
			check(t, "Method", r.Method, "GET")
			check(t, "URL.Path", r.URL.Path, "/a/b/c.py")
			check(t, "EscapedPath", r.URL.EscapedPath(), "/a%2Fb/c.py")
			check(t, "RawQuery", r.URL.RawQuery, "x=1&y=%20")
			check(t, "Query y", r.URL.Query().Get("y"), " ")
			check(t, "RequestURI", r.RequestURI, "/a%2Fb/c.py?x=1&y=%20")
			check(t, "Proto", r.Proto, "HTTP/1.1")
			checkInt(t, "ProtoMinor", r.ProtoMinor, 1)
			check(t, "Host", r.Host, "127.0.0.1:8080")
			check(t, "RemoteAddr", r.RemoteAddr, "127.0.0.1:50000")
			check(t, "User-Agent", r.Header.Get("User-Agent"), "test/1")
			check(t, "UserAgent()", r.UserAgent(), "test/1")
			check(t, "X-Multi", strings.Join(r.Header["X-Multi"], ","), "1,2")
			if _, ok := r.Header["Host"]; ok {
				t.Error("Host in Header; net/http keeps it in Request.Host")
			}
			if r.Body != http.NoBody {
				t.Errorf("Body = %T; want http.NoBody", r.Body)
			}
			if r.TLS != nil || r.Close {
				t.Errorf("TLS = %v, Close = %v", r.TLS, r.Close)
			}
		}},
		{"post", func() *gateway.Environ {
			return gatewaytest.NewEnviron("POST", "/form.py", strings.NewReader("a=1"))
		}, func(t *testing.T, r *http.Request) {
			checkInt(t, "ContentLength", int(r.ContentLength), 3)
			check(t, "body", string(body), "a=1")
		}},
		{"chunked", func() *gateway.Environ {
			e := gatewaytest.NewEnviron("PUT", "/up.py", io.LimitReader(strings.NewReader("stream"), 100))
			e.Header = append(e.Header, gateway.Field{Name: "Transfer-Encoding", Value: "chunked"})
			return e
		}, func(t *testing.T, r *http.Request) {
			checkInt(t, "ContentLength", int(r.ContentLength), -1)
			check(t, "TransferEncoding", strings.Join(r.TransferEncoding, ","), "chunked")
			if _, ok := r.Header["Transfer-Encoding"]; ok {
				t.Error("Transfer-Encoding in Header")
			}
			check(t, "body", string(body), "stream")
		}},
		{"http10", func() *gateway.Environ {
			e := gatewaytest.NewEnviron("GET", "/", nil)
			e.Protocol = "HTTP/1.0"
			return e
		}, func(t *testing.T, r *http.Request) {
			checkInt(t, "ProtoMinor", r.ProtoMinor, 0)
			if !r.Close {
				t.Error("HTTP/1.0 without keep-alive: Close = false")
			}
		}},
		{"connection_close", func() *gateway.Environ {
			e := gatewaytest.NewEnviron("GET", "/", nil)
			e.Header = append(e.Header, gateway.Field{Name: "Connection", Value: "Keep-Alive, close"})
			return e
		}, func(t *testing.T, r *http.Request) {
			if !r.Close {
				t.Error("Close = false")
			}
		}},
		{"script_name", func() *gateway.Environ {
			e := gatewaytest.NewEnviron("GET", "/app/x.py", nil)
			e.ScriptName, e.Path = "/app", "/x.py"
			return e
		}, func(t *testing.T, r *http.Request) {
			check(t, "URL.Path", r.URL.Path, "/app/x.py")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, body, bodyErr = nil, nil, nil
			if _, _, err := serve(t, h, tt.env()); err != nil {
				t.Fatal(err)
			}
			if bodyErr != nil {
				t.Fatalf("reading the body: %v", bodyErr)
			}
			tt.want(t, got)
		})
	}
}

func check(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q; want %q", what, got, want)
	}
}

func checkInt(t *testing.T, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d; want %d", what, got, want)
	}
}

func TestFromHandlerResponse(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 40<<10)
	tests := []struct {
		name    string
		method  string // "" is GET
		h       http.HandlerFunc
		status  string
		header  gateway.Fields // fields that must be there, with these values
		absent  []string       // fields that must not be there
		body    string
		chunks  int    // -1: any
		log     string // a substring of the log; "" for none wanted
		errWant error  // from gatewaytest.Record
	}{
		{name: "default_200_sniffed",
			h:      func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Hello") },
			status: "200 OK", header: gateway.Fields{{Name: "Content-Length", Value: "5"}, {Name: "Content-Type", Value: "text/plain; charset=utf-8"}},
			body: "Hello", chunks: 1},
		{name: "sniff_html",
			h:      func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<!DOCTYPE html><p>x")) },
			status: "200 OK", header: gateway.Fields{{Name: "Content-Type", Value: "text/html; charset=utf-8"}}, body: "<!DOCTYPE html><p>x", chunks: 1},
		{name: "own_type",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte("<html>"))
			},
			status: "200 OK", header: gateway.Fields{{Name: "Content-Type", Value: "application/json"}}, body: "<html>", chunks: 1},
		{name: "nil_type_no_sniff",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = nil
				w.Write([]byte("<html>"))
			},
			status: "200 OK", absent: []string{"Content-Type"}, body: "<html>", chunks: 1},
		{name: "encoded_no_sniff",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Write([]byte("\x1f\x8b"))
			},
			status: "200 OK", absent: []string{"Content-Type"}, body: "\x1f\x8b", chunks: 1},
		{name: "status_404",
			h:      func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			status: "404 Not Found", header: gateway.Fields{{Name: "X-Content-Type-Options", Value: "nosniff"}}, body: "404 page not found\n", chunks: 1},
		{name: "status_without_reason",
			h:      func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) },
			status: "299", header: gateway.Fields{{Name: "Content-Length", Value: "0"}}, chunks: 0},
		{name: "superfluous_writeheader",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(201)
				w.WriteHeader(500)
			},
			status: "201 Created", log: "superfluous WriteHeader call", chunks: 0},
		{name: "header_fixed_at_writeheader",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Early", "1")
				w.WriteHeader(200)
				w.Header().Set("X-Late", "1")
			},
			status: "200 OK", header: gateway.Fields{{Name: "X-Early", Value: "1"}}, absent: []string{"X-Late"}, chunks: 0},
		{name: "empty",
			h:      func(w http.ResponseWriter, r *http.Request) {},
			status: "200 OK", header: gateway.Fields{{Name: "Content-Length", Value: "0"}}, absent: []string{"Content-Type"}, chunks: 0},
		{name: "head_with_body", method: "HEAD",
			h:      func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Hello") },
			status: "200 OK", header: gateway.Fields{{Name: "Content-Length", Value: "5"}, {Name: "Content-Type", Value: "text/plain; charset=utf-8"}}, body: "", chunks: 1},
		{name: "head_empty", method: "HEAD",
			h:      func(w http.ResponseWriter, r *http.Request) {},
			status: "200 OK", absent: []string{"Content-Length"}, chunks: 0},
		{name: "204_no_body",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "3")
				w.WriteHeader(204)
				if _, err := w.Write([]byte("abc")); err != http.ErrBodyNotAllowed {
					panic("Write on 204: " + errString(err))
				}
			},
			status: "204 No Content", absent: []string{"Content-Length", "Content-Type"}, chunks: 0},
		{name: "304_drops_type",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("ETag", `"x"`)
				w.WriteHeader(304)
			},
			status: "304 Not Modified", header: gateway.Fields{{Name: "Etag", Value: `"x"`}}, absent: []string{"Content-Type", "Content-Length"}, chunks: 0},
		{name: "own_length",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "5")
				io.WriteString(w, "Hel")
				io.WriteString(w, "lo")
			},
			status: "200 OK", header: gateway.Fields{{Name: "Content-Length", Value: "5"}}, body: "Hello", chunks: 1},
		{name: "own_length_exceeded",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "3")
				if _, err := io.WriteString(w, "Hello"); err != http.ErrContentLength {
					panic("Write past Content-Length: " + errString(err))
				}
				// As in net/http, the refused bytes count: this fails too,
				// and the body ends short, for the server to handle.
				if _, err := io.WriteString(w, "Hey"); err != http.ErrContentLength {
					panic("second Write past Content-Length: " + errString(err))
				}
			},
			status: "200 OK", header: gateway.Fields{{Name: "Content-Length", Value: "3"}}, body: "", chunks: 0},
		{name: "own_length_invalid",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "abc")
				io.WriteString(w, "Hello")
			},
			status: "200 OK", header: gateway.Fields{{Name: "Content-Length", Value: "5"}}, body: "Hello", chunks: 1, log: "invalid Content-Length dropped"},
		{name: "own_length_plus",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "+2")
				io.WriteString(w, "Hi")
			},
			status: "200 OK", header: gateway.Fields{{Name: "Content-Length", Value: "2"}}, body: "Hi", chunks: 1},
		{name: "hop_by_hop_dropped",
			h: func(w http.ResponseWriter, r *http.Request) {
				for _, k := range []string{"Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "TE"} {
					w.Header().Set(k, "x")
				}
				io.WriteString(w, "ok")
			},
			status: "200 OK", header: gateway.Fields{{Name: "Content-Length", Value: "2"}},
			absent: []string{"Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "Te"},
			body:   "ok", chunks: 1, log: "hop-by-hop field dropped"},
		{name: "trailers_dropped",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Trailer", "X-Sum")
				io.WriteString(w, "data")
				w.Header().Set("X-Sum", "1")
				w.Header().Set(http.TrailerPrefix+"X-Late", "2")
			},
			status: "200 OK", absent: []string{"Trailer", "X-Sum", "Content-Length"}, body: "data", chunks: 1,
			log: `"gatewayhttp: trailers dropped" field="X-Late, X-Sum"`},
		{name: "crlf_in_value",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Evil", "a\r\nSet-Cookie: pwned=1 ")
			},
			status: "200 OK", header: gateway.Fields{{Name: "X-Evil", Value: "a  Set-Cookie: pwned=1"}}, absent: []string{"Set-Cookie"}, chunks: 0},
		{name: "control_in_value",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Nul", "a\x00b")
				w.Header().Set("X-Ok", "fine\tvalue")
			},
			status: "200 OK", header: gateway.Fields{{Name: "X-Ok", Value: "fine\tvalue"}}, absent: []string{"X-Nul"}, chunks: 0, log: "invalid header field value dropped"},
		{name: "bad_name",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Bad Name"] = []string{"x"}
			},
			status: "200 OK", chunks: 0, log: "invalid header field name dropped"},
		{name: "informational_dropped",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Link", "</style.css>; rel=preload")
				w.WriteHeader(103)
				w.WriteHeader(202)
			},
			status: "202 Accepted", header: gateway.Fields{{Name: "Link", Value: "</style.css>; rel=preload"}}, chunks: 0, log: "informational response dropped"},
		{name: "status_600_refused",
			h:       func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(600) },
			errWant: gateway.ErrNotStarted, chunks: -1},
		{name: "switching_protocols_refused",
			h:       func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(101) },
			errWant: gateway.ErrNotStarted, chunks: -1},
		{name: "flushes_are_chunks",
			h: func(w http.ResponseWriter, r *http.Request) {
				for _, s := range []string{"a", "b", "c"} {
					io.WriteString(w, s)
					w.(http.Flusher).Flush()
				}
			},
			status: "200 OK", absent: []string{"Content-Length"}, body: "abc", chunks: 3},
		{name: "flush_then_status_ignored",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.(http.Flusher).Flush()
				w.WriteHeader(404)
				io.WriteString(w, "x")
			},
			status: "200 OK", absent: []string{"Content-Length"}, body: "x", chunks: 1, log: "superfluous"},
		{name: "controller_flush",
			h: func(w http.ResponseWriter, r *http.Request) {
				rc := http.NewResponseController(w)
				io.WriteString(w, "a")
				if err := rc.Flush(); err != nil {
					panic(err)
				}
				io.WriteString(w, "b")
			},
			status: "200 OK", body: "ab", chunks: 2},
		{name: "large_in_small_writes",
			h: func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i < len(big); i += 1000 {
					io.WriteString(w, big[i:min(i+1000, len(big))])
				}
			},
			status: "200 OK", header: gateway.Fields{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}, absent: []string{"Content-Length"},
			body: big, chunks: 3},
		{name: "large_in_one_write",
			h:      func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(big)) },
			status: "200 OK", absent: []string{"Content-Length"}, body: big, chunks: 1},
		{name: "buffer_exactly_full",
			h:      func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big[:bufferSize]) },
			status: "200 OK", header: gateway.Fields{{Name: "Content-Length", Value: "16384"}}, body: big[:bufferSize], chunks: 1},
		{name: "panic_propagates",
			h:       func(w http.ResponseWriter, r *http.Request) { panic("boom") },
			errWant: errPanicked, chunks: -1},
		{name: "invalid_code_panics",
			h:       func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(99) },
			errWant: errPanicked, chunks: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			rec, log, err := serve(t, tt.h, gatewaytest.NewEnviron(method, "/t.py", nil))
			if tt.errWant != nil {
				if tt.errWant == errPanicked {
					if err == nil || !strings.Contains(err.Error(), "panicked") {
						t.Fatalf("err = %v; want a panic", err)
					}
					return
				}
				if !errors.Is(err, tt.errWant) {
					t.Fatalf("err = %v; want %v", err, tt.errWant)
				}
				return
			}
			if err != nil {
				t.Fatalf("Record: %v\nlog:\n%s", err, log)
			}
			check(t, "status", rec.Status, tt.status)
			for _, f := range tt.header {
				if v, ok := rec.Header.Lookup(f.Name); !ok || v != f.Value {
					t.Errorf("%s = %q (present %v); want %q\nheader: %q", f.Name, v, ok, f.Value, rec.Header)
				}
			}
			for _, name := range tt.absent {
				if v, ok := rec.Header.Lookup(name); ok {
					t.Errorf("%s = %q; want none", name, v)
				}
			}
			for _, f := range rec.Header {
				if err := gateway.CheckHeader(f); err != nil {
					t.Errorf("field sent breaks the contract: %v", err)
				}
			}
			if string(rec.Body) != tt.body {
				t.Errorf("body = %q; want %q", snippet(string(rec.Body)), snippet(tt.body))
			}
			if tt.chunks >= 0 && rec.Chunks != tt.chunks {
				t.Errorf("chunks = %d; want %d", rec.Chunks, tt.chunks)
			}
			if tt.log != "" && !strings.Contains(log, tt.log) {
				t.Errorf("log does not say %q:\n%s", tt.log, log)
			}
			if tt.log == "" && log != "" {
				t.Errorf("unexpected log:\n%s", log)
			}
		})
	}
}

var errPanicked = errors.New("panicked")

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// The caller named in a superfluous WriteHeader line is the handler's
// code, not the adapter's or net/http's.
func TestFromHandlerCaller(t *testing.T) {
	t.Parallel()
	_, log, err := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		http.Error(w, "late", 500) // net/http's helper calls WriteHeader
	}, gatewaytest.NewEnviron("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log, "TestFromHandlerCaller") || !strings.Contains(log, "nethttp_test.go:") {
		t.Errorf("log does not name the handler's line:\n%s", log)
	}
}

func TestFromHandlerRefusals(t *testing.T) {
	t.Parallel()
	_, _, err := serve(t, func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if _, _, err := rc.Hijack(); !errors.Is(err, http.ErrNotSupported) || !strings.Contains(err.Error(), "owns the connection") {
			t.Errorf("Hijack: %v", err)
		}
		if _, _, err := w.(http.Hijacker).Hijack(); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("Hijacker.Hijack: %v", err)
		}
		if err := rc.SetWriteDeadline(time.Now()); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		if err := rc.SetReadDeadline(time.Now()); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("SetReadDeadline: %v", err)
		}
		if err := rc.EnableFullDuplex(); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("EnableFullDuplex: %v", err)
		}
	}, gatewaytest.NewEnviron("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
}

// A goroutine the handler leaves behind finds the ResponseWriter, the body
// and the context closed, and the first misuse is logged once.
func TestFromHandlerAfterReturn(t *testing.T) {
	t.Parallel()
	env := gatewaytest.NewEnviron("POST", "/", strings.NewReader("body"))
	ctxMade := 0
	env.SetContextFunc(func() context.Context { ctxMade++; return context.Background() })
	var w http.ResponseWriter
	var r *http.Request
	logger, log := logged()
	env.Log = logger
	_, err := gatewaytest.Record(FromHandler(http.HandlerFunc(func(ww http.ResponseWriter, rr *http.Request) {
		w, r = ww, rr
		io.WriteString(w, "ok")
	})), env)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := w.Write([]byte("late")); err != ErrHandlerDone {
			t.Errorf("Write after return: %v", err)
		}
		w.WriteHeader(500)
		if err := http.NewResponseController(w).Flush(); err != ErrHandlerDone {
			t.Errorf("Flush after return: %v", err)
		}
		if _, err := r.Body.Read(make([]byte, 4)); err != http.ErrBodyReadAfterClose {
			t.Errorf("body Read after return: %v", err)
		}
		select {
		case <-r.Context().Done():
		default:
			t.Error("context not done after return")
		}
	}()
	<-done
	if ctxMade != 0 {
		t.Errorf("the Environ's context was made %d times; want 0 (unused while the handler ran)", ctxMade)
	}
	if n := strings.Count(log.String(), "used after ServeHTTP returned"); n != 1 {
		t.Errorf("%d log lines for late use; want 1:\n%s", n, log)
	}
}

// The Environ's context is made only when the handler uses it, and is the
// one the handler sees.
func TestFromHandlerContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	for _, use := range []bool{false, true} {
		env := gatewaytest.NewEnviron("GET", "/", nil)
		made := 0
		env.SetContextFunc(func() context.Context {
			made++
			return context.WithValue(context.Background(), key{}, "server's")
		})
		_, _, err := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if use {
				if v := r.Context().Value(key{}); v != "server's" {
					t.Errorf("context value = %v", v)
				}
				ctx, cancel := context.WithTimeout(r.Context(), time.Hour)
				defer cancel()
				if ctx.Err() != nil {
					t.Errorf("derived context: %v", ctx.Err())
				}
			}
		}, env)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: 0, true: 1}[use]; made != want {
			t.Errorf("use=%v: context made %d times; want %d", use, made, want)
		}
	}
}

// When the server reports the client gone, Write and Flush fail and the
// handler can stop; the stream never yields again.
func TestFromHandlerClientGone(t *testing.T) {
	t.Parallel()
	var errs []error
	app := FromHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 5 {
			if _, err := io.WriteString(w, "tick"); err != nil {
				errs = append(errs, err)
				return
			}
			if err := http.NewResponseController(w).Flush(); err != nil {
				errs = append(errs, err)
			}
		}
	}))
	started := false
	body := app.ServeGateway(gatewaytest.NewEnviron("GET", "/", nil), func(string, []gateway.Field) error { started = true; return nil })
	yields := 0
	for range body.Stream() {
		yields++
		break // the client has gone
	}
	body.Close()
	if !started || yields != 1 {
		t.Fatalf("started %v, yields %d; want true, 1", started, yields)
	}
	if len(errs) != 2 || errs[0] != ErrClientGone || errs[1] != ErrClientGone {
		t.Errorf("errors = %v; want ErrClientGone from the Flush, then from the Write", errs)
	}
}

// Once made, the context never waits for a body read blocked on another
// goroutine (a slow upload).
func TestFromHandlerContextDuringRead(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	env := gatewaytest.NewEnviron("POST", "/", pr)
	env.ContentLength = 10
	_, _, err := serve(t, func(w http.ResponseWriter, r *http.Request) {
		r.Context().Done() // made here
		reading := make(chan struct{})
		read := make(chan error, 1)
		go func() {
			close(reading)
			_, err := io.ReadAll(r.Body) // blocks: the client is slow
			read <- err
		}()
		<-reading
		waitBlocked(t, "TestFromHandlerContextDuringRead", "io.(*pipe).read(") // the read blocks
		got := make(chan error, 1)
		go func() { got <- r.Context().Err() }()
		select {
		case err := <-got:
			if err != nil {
				t.Errorf("context: %v", err)
			}
		case <-time.After(time.Minute): // the read waits for the body, which never comes until then
			t.Error("r.Context().Err() waited for the body read")
		}
		pw.Write([]byte("0123456789"))
		pw.Close()
		if err := <-read; err != nil {
			t.Errorf("read: %v", err)
		}
	}, env)
	if err != nil {
		t.Fatal(err)
	}
}

// waitBlocked waits until a goroutine started by the test function test
// is in the function call (a frame such as "io.(*pipe).read("), and
// reports an error after a minute. It may run on any goroutine.
func waitBlocked(t *testing.T, test, call string) {
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, "."+test+".") && strings.Contains(g, call) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("no goroutine of %s in %s after a minute", test, call)
			return
		}
	}
}

// TestFromHandlerRoute: a ServeMux's matched pattern, without its method,
// names the request's route for the server's metrics; no match names
// none.
func TestFromHandlerRoute(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/time.py", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "now") })
	mux.HandleFunc("/api/items/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.PathValue("id")) })
	app := FromHandler(mux)
	for _, tt := range []struct {
		method, path string
		code         int
		route        string
	}{
		{"GET", "/api/time.py", 200, "/api/time.py"},
		{"GET", "/api/items/7", 200, "/api/items/{id}"},
		{"GET", "/api/nothing", 404, ""},
		{"POST", "/api/time.py", 405, ""},
	} {
		env := gatewaytest.NewEnviron(tt.method, tt.path, nil)
		rec, err := gatewaytest.Record(app, env)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Code != tt.code || env.Route != tt.route {
			t.Errorf("%s %s: %d, Route %q; want %d, %q", tt.method, tt.path, rec.Code, env.Route, tt.code, tt.route)
		}
	}
}
