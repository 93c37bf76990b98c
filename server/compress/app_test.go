package compress

import (
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// page is the 27 KB market page of testdata: the demo's center.py with
// more rows.
var page = func() []byte {
	b, err := os.ReadFile("testdata/market.html")
	if err != nil {
		panic(err)
	}
	return b
}()

// bytesApp answers every request with status, the fields (name, value,
// ...) and body, as a byte slice.
func bytesApp(status string, body []byte, fields ...string) gateway.App {
	return gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start(status, pairs(fields))
		return gateway.Bytes(body)
	})
}

// streamApp answers with status and fields, and body as a stream of the
// given chunks; start is called inside the stream, before the first.
func streamApp(status string, chunks [][]byte, fields ...string) gateway.App {
	return gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		return gateway.Stream(func(yield func([]byte, error) bool) {
			start(status, pairs(fields))
			for _, c := range chunks {
				if !yield(c, nil) {
					return
				}
			}
		})
	})
}

func pairs(kv []string) []gateway.Field {
	var f []gateway.Field
	for i := 0; i+1 < len(kv); i += 2 {
		f = append(f, gateway.Field{Name: kv[i], Value: kv[i+1]})
	}
	return f
}

// record runs app wrapped with the default options on a request of method
// with the header fields (name, value, ...).
func record(t *testing.T, app gateway.App, method string, header ...string) *gatewaytest.Recording {
	t.Helper()
	env := gatewaytest.NewEnviron(method, "/page.py", nil)
	env.Header = append(env.Header, pairs(header)...)
	rec, err := gatewaytest.Record(App(app, Options{}), env)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	return rec
}

// decode returns body decoded from the coding named enc ("" for none):
// gzip with the standard library, an oracle independent of the encoder.
func decode(t testing.TB, enc string, body []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "":
		return body
	case "gzip":
		zr, err := stdgzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	default:
		t.Fatalf("unknown Content-Encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", enc, err)
	}
	return out
}

var big = bytes.Repeat([]byte("<p>a compressible paragraph of the page</p>\n"), 100)

func TestAppRules(t *testing.T) {
	t.Parallel()
	html := []string{"Content-Type", "text/html; charset=utf-8"}
	with := func(kv ...string) []string { return append(append([]string(nil), html...), kv...) }
	tests := []struct {
		name    string
		method  string
		accept  string // Accept-Encoding; "-" sends none
		app     gateway.App
		enc     string // wanted Content-Encoding, "" for none
		vary    bool   // wanted Vary: Accept-Encoding
		etag    string // wanted ETag, "" for any
		body    []byte // wanted body, decoded; nil for the app's
		request []string
	}{
		{name: "gzip wins a tie", accept: "gzip, deflate, br, zstd", app: bytesApp("200 OK", page, html...), enc: "gzip", vary: true},
		{name: "gzip alone", accept: "gzip", app: bytesApp("200 OK", page, html...), enc: "gzip", vary: true},
		{name: "q=0 refuses zstd", accept: "zstd;q=0, gzip", app: bytesApp("200 OK", page, html...), enc: "gzip", vary: true},
		{name: "q prefers gzip", accept: "gzip;q=1, zstd;q=0.5", app: bytesApp("200 OK", page, html...), enc: "gzip", vary: true},
		{name: "no Accept-Encoding", accept: "-", app: bytesApp("200 OK", page, html...), vary: true},
		{name: "malformed", accept: "gzip;q=abc, ,;;,zstd;q=2", app: bytesApp("200 OK", page, html...), vary: true},
		{name: "small", accept: "zstd", app: bytesApp("200 OK", big[:1000], html...), vary: true},
		{name: "small, identity refused", accept: "zstd, identity;q=0", app: bytesApp("200 OK", big[:100], html...), enc: "zstd", vary: true},
		{name: "png", accept: "zstd", app: bytesApp("200 OK", big, "Content-Type", "image/png")},
		{name: "no type", accept: "zstd", app: bytesApp("200 OK", big)},
		{name: "json", accept: "gzip", app: bytesApp("200 OK", big, "Content-Type", "application/json"), enc: "gzip", vary: true},
		{name: "problem+json 404", accept: "gzip", app: bytesApp("404 Not Found", big, "Content-Type", "application/problem+json"), enc: "gzip", vary: true},
		{name: "206", accept: "zstd", app: bytesApp("206 Partial Content", big, with("Content-Range", "bytes 0-4499/9000")...), vary: true},
		{name: "301", accept: "zstd", app: bytesApp("301 Moved Permanently", big, with("Location", "/x")...)},
		{name: "already coded", accept: "zstd", app: bytesApp("200 OK", big, with("Content-Encoding", "br")...)},
		{name: "no-transform", accept: "zstd", app: bytesApp("200 OK", big, with("Cache-Control", "public, no-transform")...)},
		{name: "strong ETag", accept: "zstd", app: bytesApp("200 OK", big, with("ETag", `"v1"`)...), enc: "zstd", vary: true, etag: `"v1-zstd"`},
		{name: "weak ETag", accept: "gzip", app: bytesApp("200 OK", big, with("ETag", `W/"v1"`)...), enc: "gzip", vary: true, etag: `W/"v1"`},
		{name: "identity ETag", accept: "-", app: bytesApp("200 OK", big, with("ETag", `"v1"`)...), vary: true, etag: `"v1"`},
		{name: "Vary kept", accept: "zstd", app: bytesApp("200 OK", big, with("Vary", "Cookie")...), enc: "zstd", vary: true},
		{name: "declared length", accept: "zstd", app: bytesApp("200 OK", big, with("Content-Length", strconv.Itoa(len(big)))...), enc: "zstd", vary: true},
		{name: "HEAD", method: "HEAD", accept: "zstd", app: bytesApp("200 OK", big, with("ETag", `"v1"`)...), enc: "zstd", vary: true, etag: `"v1-zstd"`, body: []byte{}},
		{name: "HEAD small", method: "HEAD", accept: "zstd", app: bytesApp("200 OK", big[:10], html...), vary: true, body: []byte{}},
		{name: "stream", accept: "gzip", app: streamApp("200 OK", split(page, 700), html...), enc: "gzip", vary: true},
		{name: "stream small", accept: "gzip", app: streamApp("200 OK", split(big[:900], 300), html...), vary: true},
		{name: "stream HEAD", method: "HEAD", accept: "zstd", app: streamApp("200 OK", split(page, 700), html...), enc: "zstd", vary: true, body: []byte{}},
		{name: "stream declared", accept: "zstd", app: streamApp("200 OK", split(big, 100), with("Content-Length", strconv.Itoa(len(big)))...), enc: "zstd", vary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			var header []string
			if tt.accept != "-" {
				header = []string{"Accept-Encoding", tt.accept}
			}
			plain := record(t, tt.app, method)
			rec := record(t, tt.app, method, header...)
			if got := rec.Header.Get("Content-Encoding"); got != tt.enc && !(tt.enc == "" && got == "br") {
				t.Errorf("Content-Encoding %q; want %q", got, tt.enc)
			}
			if got := varies(rec.Header); got != tt.vary {
				t.Errorf("Vary %q; want Accept-Encoding: %v", rec.Header.Values("Vary"), tt.vary)
			}
			if len(rec.Header.Values("Vary")) > 1 && !strings.Contains(tt.name, "Vary") {
				t.Errorf("Vary twice: %q", rec.Header.Values("Vary"))
			}
			if tt.etag != "" && rec.Header.Get("ETag") != tt.etag {
				t.Errorf("ETag %q; want %q", rec.Header.Get("ETag"), tt.etag)
			}
			if _, ok := rec.Header.Lookup("Content-Length"); ok && tt.enc != "" {
				t.Errorf("a coded response kept Content-Length %s", rec.Header.Get("Content-Length"))
			}
			if rec.Code != plain.Code {
				t.Errorf("status %d; %d without the wrapper", rec.Code, plain.Code)
			}
			want := tt.body
			if want == nil {
				want = plain.Body
			}
			enc := rec.Header.Get("Content-Encoding")
			if enc == "br" {
				enc = ""
			}
			if got := decode(t, enc, rec.Body); !bytes.Equal(got, want) {
				t.Errorf("decoded body of %d bytes differs from the %d wanted", len(got), len(want))
			}
		})
	}
}

// split cuts b into chunks of n bytes.
func split(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

// A coded stream is flushed chunk by chunk: each chunk the server gets
// decodes, with what came before, to everything the application yielded
// so far. The first chunks are held until MinBytes have come; a stream of
// server-sent events is coded from its first chunk.
func TestAppStreamFlushes(t *testing.T) {
	t.Parallel()
	events := [][]byte{[]byte("data: one\n\n"), []byte("data: two\n\n"), []byte("data: three\n\n")}
	tests := []struct {
		name    string
		ct      string
		enc     string
		chunks  [][]byte
		wantOut []int // how many of the app's chunks each server chunk completes
	}{
		{"html zstd", "text/html", "zstd", split(page[:4000], 500), []int{3, 4, 5, 6, 7, 8}},
		{"html gzip", "text/html", "gzip", split(page[:4000], 500), []int{3, 4, 5, 6, 7, 8}},
		{"events zstd", "text/event-stream", "zstd", events, []int{1, 2, 3}},
		{"events gzip", "text/event-stream", "gzip", events, []int{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := gatewaytest.NewEnviron("GET", "/events.py", nil)
			env.Header = append(env.Header, gateway.Field{Name: "Accept-Encoding", Value: tt.enc})
			var header []gateway.Field
			start := func(status string, h []gateway.Field) error { header = h; return nil }
			body := App(streamApp("200 OK", tt.chunks, "Content-Type", tt.ct), Options{}).ServeGateway(env, start)
			defer body.Close()
			var got []byte
			n := 0
			for chunk, err := range body.Stream() {
				if err != nil {
					t.Fatal(err)
				}
				if gateway.Fields(header).Get("Content-Encoding") != tt.enc {
					t.Fatalf("head %v", header)
				}
				got = append(got, chunk...)
				if n < len(tt.wantOut) {
					want := bytes.Join(tt.chunks[:tt.wantOut[n]], nil)
					if dec := decodePrefix(t, tt.enc, got, len(want)); !bytes.Equal(dec, want) {
						t.Fatalf("after server chunk %d: decoded %q; want %q", n+1, dec, want)
					}
				}
				n++
			}
			if n != len(tt.wantOut)+1 { // and the frame's end
				t.Errorf("%d server chunks; want %d", n, len(tt.wantOut)+1)
			}
			if dec := decode(t, tt.enc, got); !bytes.Equal(dec, bytes.Join(tt.chunks, nil)) {
				t.Errorf("whole body decodes to %d bytes; want %d", len(dec), len(bytes.Join(tt.chunks, nil)))
			}
		})
	}
}

// decodePrefix decodes the first n bytes of an unfinished coded body.
func decodePrefix(t *testing.T, enc string, body []byte, n int) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "gzip":
		zr, err := stdgzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	}
	out := make([]byte, n)
	got, err := io.ReadFull(r, out)
	if err != nil {
		t.Fatalf("decoding %d bytes of an unfinished %s body: got %d: %v", n, enc, got, err)
	}
	return out
}

// The wrapper leaves the contract's errors to the server: a refused
// field is refused by the server's start_response; a second call reaches
// it too, after the held head.
func TestAppForwardsContractErrors(t *testing.T) {
	t.Parallel()
	type call struct {
		status string
		header gateway.Fields
	}
	// serve runs app under the wrapper with a start_response that records
	// what reaches the server.
	serve := func(app gateway.AppFunc) []call {
		var calls []call
		start := func(status string, h []gateway.Field) error {
			if len(calls) > 0 {
				calls = append(calls, call{status, append(gateway.Fields(nil), h...)})
				return gateway.ErrAlreadyStarted
			}
			for _, f := range h {
				if err := gateway.CheckHeader(f); err != nil {
					return err
				}
			}
			calls = append(calls, call{status, append(gateway.Fields(nil), h...)})
			return nil
		}
		env := gatewaytest.NewEnviron("GET", "/x.py", nil)
		env.Header = append(env.Header, gateway.Field{Name: "Accept-Encoding", Value: "gzip"})
		App(app, Options{}).ServeGateway(env, start).Close()
		return calls
	}
	twice := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/html"}})
		if err := start("500 Oops", nil); !errors.Is(err, gateway.ErrAlreadyStarted) {
			panic("second start_response: " + errString(err))
		}
		return gateway.Bytes(big)
	}
	calls := serve(twice)
	if len(calls) != 2 || calls[1].status != "500 Oops" || calls[0].header.Get("Content-Encoding") != "gzip" {
		t.Errorf("twice: the server got %+v; want the coded head, then the second call", calls)
	}

	var refused error
	bad := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		refused = start("200 OK", []gateway.Field{{Name: "Connection", Value: "close"}})
		return gateway.Bytes(big)
	}
	calls = serve(bad)
	if !errors.Is(refused, gateway.ErrHopByHop) || len(calls) != 0 {
		t.Errorf("hop-by-hop field: start returned %v, server got %+v; want ErrHopByHop and nothing", refused, calls)
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// A conditional request naming a coded variant's tag reaches the
// application with its own tag, and the 304 carries the variant's back.
func TestAppConditionalVariant(t *testing.T) {
	t.Parallel()
	var seenINM, seenIfMatch string
	app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		seenINM, seenIfMatch = env.Header.Get("If-None-Match"), env.Header.Get("If-Match")
		if seenINM == `"v1"` {
			start("304 Not Modified", []gateway.Field{{Name: "ETag", Value: `"v1"`}})
			return gateway.Body{}
		}
		start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/html"}, {Name: "ETag", Value: `"v1"`}})
		return gateway.Bytes(big)
	})
	rec := record(t, app, "GET", "Accept-Encoding", "zstd", "If-None-Match", `"v0-gzip", "v1-zstd"`, "If-Match", `"v1-gzip"`)
	if seenINM != `"v0", "v1"` || seenIfMatch != `"v1"` {
		t.Errorf("the application saw If-None-Match %q, If-Match %q", seenINM, seenIfMatch)
	}
	seenINM = ""
	rec = record(t, app, "GET", "Accept-Encoding", "zstd", "If-None-Match", `"v1-zstd"`)
	if rec.Code != 304 || rec.Header.Get("ETag") != `"v1-zstd"` || !varies(rec.Header) {
		t.Errorf("304: %d %v; want the variant's ETag and Vary", rec.Code, rec.Header)
	}
	rec = record(t, app, "GET", "Accept-Encoding", "zstd", "If-None-Match", `"v1"`)
	if rec.Code != 304 || rec.Header.Get("ETag") != `"v1"` {
		t.Errorf("304 for the plain tag: %d %v", rec.Code, rec.Header)
	}
}

// When every stream encoder is taken, a stream goes out uncoded.
func TestAppStreamSlots(t *testing.T) {
	t.Parallel()
	app := App(streamApp("200 OK", split(page, 2000), "Content-Type", "text/html"), Options{}).(*app)
	for range maxStreamEncoders {
		app.streams <- struct{}{}
	}
	env := gatewaytest.NewEnviron("GET", "/x.py", nil)
	env.Header = append(env.Header, gateway.Field{Name: "Accept-Encoding", Value: "zstd"})
	rec, err := gatewaytest.Record(app, env)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Header.Get("Content-Encoding") != "" || !varies(rec.Header) || !bytes.Equal(rec.Body, page) {
		t.Errorf("with no encoder free: %v, %d bytes; want identity with Vary", rec.Header, len(rec.Body))
	}
	for range maxStreamEncoders {
		<-app.streams
	}
	rec, _ = gatewaytest.Record(app, env)
	if rec.Header.Get("Content-Encoding") != "zstd" || len(app.streams) != 0 {
		t.Errorf("with encoders free: %v, %d slots held after the end", rec.Header, len(app.streams))
	}
}

// A stream that fails after its head left ends with the error; a stream
// whose length differs from its declared Content-Length too.
func TestAppStreamErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	failing := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		return gateway.Stream(func(yield func([]byte, error) bool) {
			start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/plain"}})
			if yield(big, nil) {
				yield(nil, boom)
			}
		})
	})
	env := gatewaytest.NewEnviron("GET", "/x.py", nil)
	env.Header = append(env.Header, gateway.Field{Name: "Accept-Encoding", Value: "zstd"})
	if _, err := gatewaytest.Record(App(failing, Options{}), env); !errors.Is(err, boom) {
		t.Errorf("failing stream: %v; want boom", err)
	}
	lying := streamApp("200 OK", [][]byte{big}, "Content-Type", "text/plain", "Content-Length", "99999")
	if _, err := gatewaytest.Record(App(lying, Options{}), env); err == nil || !strings.Contains(err.Error(), "declared Content-Length 99999") {
		t.Errorf("stream shorter than declared: %v", err)
	}
}

// Once warm, a coded page costs no allocation.
func TestAppAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	header := []gateway.Field{{Name: "Content-Type", Value: "text/html"}}
	a := App(gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", header)
		return gateway.Bytes(page)
	}), Options{})
	env := gatewaytest.NewEnviron("GET", "/x.py", nil)
	env.Header = append(env.Header, gateway.Field{Name: "Accept-Encoding", Value: "gzip, zstd"})
	start := func(string, []gateway.Field) error { return nil }
	a.ServeGateway(env, start).Close()
	if n := testing.AllocsPerRun(100, func() { a.ServeGateway(env, start).Close() }); n > 0 {
		t.Errorf("%v allocations per coded page; want 0", n)
	}
}
