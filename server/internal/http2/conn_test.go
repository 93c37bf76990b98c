package http2

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
)

func TestHelloGET(t *testing.T) {
	t.Parallel()
	ts := serve(t, hello, Limits{})
	c := dial(t, ts.addr)
	r := c.get(1, "/")
	if r.status != 200 || string(r.body) != "Hello, World!" || field(r.fields, "content-length") != "13" || field(r.fields, "content-type") != "text/plain" {
		t.Fatalf("got %+v", r)
	}
	r = c.get(3, "/again")
	if r.status != 200 || string(r.body) != "Hello, World!" {
		t.Fatalf("second: got %+v", r)
	}
}

// The request as the handler sees it: pseudo-header fields, fields in
// order with cookie crumbs joined, content length.
func TestRequestAsSeen(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 1)
	ts := serve(t, HandlerFunc(func(s *Stream) {
		var b strings.Builder
		b.WriteString(s.Method() + " " + s.Scheme() + " " + s.Authority() + " " + s.Path())
		for _, f := range s.Fields() {
			b.WriteString("|" + f.Name + "=" + f.Value)
		}
		seen <- b.String()
		s.WriteHeader(204, nil, -1)
	}), Limits{})
	c := dial(t, ts.addr)
	c.request(1, true, "GET", "/a%20b?x=1", "accept", "*/*", "cookie", "a=1", "x-y", "z", "cookie", "b=2")
	if r := c.response(1); r.status != 204 {
		t.Fatalf("status %d", r.status)
	}
	want := "GET http example.com /a%20b?x=1|accept=*/*|cookie=a=1; b=2|x-y=z"
	if got := <-seen; got != want {
		t.Fatalf("handler saw\n%s\nwant\n%s", got, want)
	}
}

// Malformed requests (RFC 9113 §8.1.1) are reset with PROTOCOL_ERROR, and
// the connection goes on serving.
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	ts := serve(t, hello, Limits{})
	for _, tc := range []struct {
		name string
		more []string
	}{
		{"uppercase name", []string{"Accept", "*/*"}},
		{"connection", []string{"connection", "keep-alive"}},
		{"keep-alive", []string{"keep-alive", "5"}},
		{"transfer-encoding", []string{"transfer-encoding", "chunked"}},
		{"upgrade", []string{"upgrade", "h2c"}},
		{"te gzip", []string{"te", "gzip"}},
		{"pseudo after regular", []string{"accept", "*/*", ":method", "GET"}},
		{"unknown pseudo", []string{":protocol", "websocket"}},
		{"two content-lengths", []string{"content-length", "1", "content-length", "2"}},
		{"bad content-length", []string{"content-length", "-1"}},
		{"content-length, no DATA to come", []string{"content-length", "5"}},
		{"host differs", []string{"host", "other.example"}},
		{"empty host", []string{"host", ""}},
		{"value with NUL", []string{"x", "a\x00b"}},
		{"value with trailing space", []string{"x", "a "}},
	} {
		c := dial(t, ts.addr)
		c.request(1, true, "GET", "/", tc.more...)
		if r := c.response(1); !r.wasReset || r.reset != ErrCodeProtocol {
			t.Errorf("%s: got %+v, want RST_STREAM PROTOCOL_ERROR", tc.name, r)
		}
		if r := c.get(3, "/"); r.status != 200 {
			t.Errorf("%s: the next request got %+v", tc.name, r)
		}
	}
}

// ContentLength is 0 for a request whose HEADERS ended the stream, as for
// an HTTP/1.1 request without a body; -1 when DATA may follow unannounced.
func TestContentLengthOfBodiless(t *testing.T) {
	t.Parallel()
	ts := serve(t, HandlerFunc(func(s *Stream) {
		io.Copy(io.Discard, s.Body())
		s.WriteHeader(200, nil, -1)
		fmt.Fprint(s, s.ContentLength())
	}), Limits{})
	c := dial(t, ts.addr)
	c.request(1, true, "GET", "/")
	if r := c.response(1); r.status != 200 || string(r.body) != "0" {
		t.Errorf("GET with END_STREAM: %d %q; want ContentLength 0", r.status, r.body)
	}
	c.request(3, false, "POST", "/")
	c.write(AppendData(nil, 3, true, []byte("abc")))
	if r := c.response(3); r.status != 200 || string(r.body) != "-1" {
		t.Errorf("POST with DATA and no content-length: %d %q; want ContentLength -1", r.status, r.body)
	}
}

// A content-length the DATA contradicts is a stream error, even when the
// handler answered before the body came (h2spec 8.1.2.6).
func TestContentLengthAfterEarlyAnswer(t *testing.T) {
	t.Parallel()
	ts := serve(t, hello, Limits{})
	for _, body := range []string{"toolong", "s"} {
		c := dial(t, ts.addr)
		c.request(1, false, "POST", "/", "content-length", "3")
		if r := c.response(1); r.status != 200 {
			t.Fatalf("early answer: %+v", r)
		}
		c.write(AppendData(nil, 1, true, []byte(body)))
		f := c.until("RST_STREAM", func(f Frame) bool { return f.Type == FrameRSTStream })
		if f.StreamID != 1 || f.ErrCode != ErrCodeProtocol {
			t.Fatalf("body %q: got %v %v", body, f.StreamID, f.ErrCode)
		}
	}
}

// Request bodies stream to the handler and responses stream back, with
// trailers both ways.
func TestStreamedBodyAndTrailers(t *testing.T) {
	t.Parallel()
	ts := serve(t, echo, Limits{})
	c := dial(t, ts.addr)
	c.request(1, false, "POST", "/echo", "te", "trailers")
	c.write(AppendData(nil, 1, false, []byte("first ")))
	c.write(AppendData(nil, 1, false, []byte("second")))
	c.write(AppendHeaderBlock(nil, 1, true, c.trailerBlock("x-checksum", "abc"), DefaultMaxFrameSize))
	r := c.response(1)
	if r.status != 200 || string(r.body) != "first second" || field(r.trailers, "x-checksum") != "abc" {
		t.Fatalf("got status %d body %q trailers %v", r.status, r.body, r.trailers)
	}
}

// A body larger than the stream's window arrives whole, the window given
// back as the handler reads it.
func TestLargeUpload(t *testing.T) {
	t.Parallel()
	ts := serve(t, appLike, Limits{})
	c := dial(t, ts.addr)
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	c.request(1, false, "POST", "/up")
	c.upload(1, body)
	r := c.response(1)
	if r.status != 200 || string(r.body) != "read 1048576 bytes\n" {
		t.Fatalf("got %d %q", r.status, r.body)
	}
}

func TestResponseTrailersAndEnds(t *testing.T) {
	t.Parallel()
	ts := serve(t, HandlerFunc(func(s *Stream) {
		switch s.Path() {
		case "/trailers":
			s.WriteHeader(200, nil, -1)
			s.Write([]byte("body"))
			s.SetTrailers([]gateway.Field{{Name: "Grpc-Status", Value: "0"}})
		case "/short":
			s.WriteHeader(200, nil, 10)
			s.Write([]byte("12345"))
		case "/long":
			s.WriteHeader(200, nil, 2)
			if _, err := s.Write([]byte("12345")); err != ErrContentLength {
				panic("want ErrContentLength")
			}
		case "/panic":
			s.WriteHeader(200, nil, -1)
			s.Write([]byte("partial"))
			panic("handler failed")
		case "/abort":
			s.Write([]byte("partial"))
			s.Abort()
		case "/nothing":
		case "/head":
			s.WriteHeader(200, nil, 5)
			s.Write([]byte("hello"))
		}
	}), Limits{})
	c := dial(t, ts.addr)
	r := c.get(1, "/trailers")
	if string(r.body) != "body" || field(r.trailers, "grpc-status") != "0" {
		t.Fatalf("trailers: %+v", r)
	}
	for i, p := range []string{"/short", "/long", "/panic", "/abort"} {
		if r := c.get(uint32(3+2*i), p); !r.wasReset || r.reset != ErrCodeInternal {
			t.Fatalf("%s: got %+v, want RST_STREAM INTERNAL_ERROR", p, r)
		}
	}
	if r := c.get(11, "/nothing"); r.status != 200 || len(r.body) != 0 || r.wasReset {
		t.Fatalf("/nothing: %+v", r)
	}
	c.request(13, true, "HEAD", "/head")
	if r := c.response(13); r.status != 200 || len(r.body) != 0 || field(r.fields, "content-length") != "5" {
		t.Fatalf("HEAD: %+v", r)
	}
}
