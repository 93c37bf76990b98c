package http1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// parseResult is what one parse of a fuzz input produced.
type parseResult struct {
	req      Request
	body     []byte
	err      error // from ReadRequest, or from reading the body
	headErr  bool  // err came from ReadRequest
	leftover int   // bytes after the body, buffered or not read
}

// parseInput reads one request and its whole body from in, all at once or one
// byte per Read.
func parseInput(in []byte, oneByte bool) parseResult {
	br := bytes.NewReader(in)
	var src io.Reader = br
	if oneByte {
		src = iotest.OneByteReader(src)
	}
	rd := NewReader(src, Limits{})
	var p parseResult
	if p.err = rd.ReadRequest(&p.req); p.err != nil {
		p.headErr = true
		return p
	}
	p.body, p.err = io.ReadAll(rd.Body(&p.req, 0))
	p.leftover = rd.Buffered() + br.Len()
	p.req.Header = slices.Clone(p.req.Header)
	p.req.Trailer = slices.Clone(p.req.Trailer)
	return p
}

// checkErr checks the invariants of an error from a Reader over an
// in-memory input: it is a protocol error or a premature end, and its text
// is bounded whatever the input.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if StatusOf(err) == 0 && err != io.EOF && err != io.ErrUnexpectedEOF {
		t.Fatalf("error %v is neither a protocol error nor an EOF", err)
	}
	if len(err.Error()) > 200 {
		t.Fatalf("error text of %d bytes: %.100s...", len(err.Error()), err)
	}
}

// sameParse compares two parses of one input.
func sameParse(t *testing.T, what string, a, b parseResult) {
	t.Helper()
	if (a.err == nil) != (b.err == nil) || a.err != nil && a.err.Error() != b.err.Error() {
		t.Fatalf("%s: err %v, then %v", what, a.err, b.err)
	}
	if a.err == nil && !reflect.DeepEqual(headOf(&a.req), headOf(&b.req)) {
		t.Fatalf("%s: request\n %+v\n %+v", what, a.req, b.req)
	}
	if !bytes.Equal(a.body, b.body) {
		t.Fatalf("%s: body %q, then %q", what, a.body, b.body)
	}
}

// FuzzReadRequest checks ReadRequest and Body against themselves and
// against net/http.
//
// Oracles:
//   - no panic, and every error is a protocol error or an EOF with a
//     bounded text;
//   - one byte per Read gives the same result as all at once, and a
//     request read again on the same Reader (the input sent twice) gives
//     the same result as on a fresh one;
//   - where http.ReadRequest also accepts the input and reads its body, the
//     method, target, Host, header fields, body, ContentLength, Close and
//     trailers agree.
//
// We are stricter than net/http, so inputs only we refuse are expected.
// Inputs only we accept are expected too, for these reasons, so they are
// not compared: url.ParseRequestURI refuses targets that RFC 9112 allows
// and we pass through still encoded, such as "/%zz" (bad escape) or
// "http://h/%" ; and http.ReadRequest refuses "Connection" values or field
// names it cannot canonicalise in a few corner cases. When both accept,
// the one known difference is the Host of an absolute-form target with a
// percent-encoded authority: net/url decodes it ("http://a%41/" has Host
// "aA"), we keep the bytes as sent, so Host is not compared then.
func FuzzReadRequest(f *testing.F) {
	for _, tt := range goodRequests {
		f.Add([]byte(tt.in))
	}
	for _, tt := range badRequests {
		if len(tt.in) < 4<<10 {
			f.Add([]byte(tt.in))
		}
	}
	for _, tt := range benchRequests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(checkRequest)
}

// checkRequest is the oracle of FuzzReadRequest and FuzzRequestParts.
func checkRequest(t *testing.T, in []byte) {
	ours := parseInput(in, false)
	checkErr(t, ours.err)
	sameParse(t, "one byte per read", ours, parseInput(in, true))
	if ours.err == nil && ours.leftover == 0 {
		// The same request twice on one connection: the second
		// must parse the same despite reused slices and interning.
		rd := NewReader(bytes.NewReader(append(slices.Clone(in), in...)), Limits{})
		var req Request
		for i := range 2 {
			if err := rd.ReadRequest(&req); err != nil {
				t.Fatalf("request %d of two: %v", i, err)
			}
			body, err := io.ReadAll(rd.Body(&req, 0))
			if err != nil || !bytes.Equal(body, ours.body) {
				t.Fatalf("request %d of two: body %q, %v", i, body, err)
			}
			if !reflect.DeepEqual(headOf(&req), headOf(&ours.req)) {
				t.Fatalf("request %d of two:\n %+v\n %+v", i, req, ours.req)
			}
		}
	}
	compareNetHTTP(t, in, ours)
	checkHeadBuffered(t, in, ours.err == nil)
}

// checkHeadBuffered: when HeadBuffered says the buffered bytes are enough,
// ReadRequest must not read again (a connection asks it from inside a
// RawConn callback, where a read would wait forever); and a good head that
// fits the first read must be seen as enough.
func checkHeadBuffered(t *testing.T, in []byte, good bool) {
	src := &oneRead{in: in}
	rd := NewReader(src, Limits{})
	if err := rd.Fill(); err != nil {
		return // empty input
	}
	whole := src.calls == 1 && rd.Buffered() == len(in)
	if !rd.HeadBuffered() {
		if good && whole {
			t.Fatalf("HeadBuffered() = false for a good head read whole: %q", in)
		}
		return
	}
	var req Request
	rd.ReadRequest(&req)
	if src.calls > 1 {
		t.Fatalf("HeadBuffered() = true, then ReadRequest read again: %q", in)
	}
}

// oneRead gives its bytes in the first Read and counts the calls.
type oneRead struct {
	in    []byte
	calls int
}

func (o *oneRead) Read(p []byte) (int, error) {
	o.calls++
	if o.calls > 1 {
		return 0, io.EOF
	}
	return copy(p, o.in), nil
}

// FuzzRequestParts fuzzes the parts of a request that is otherwise well
// formed, so that far more inputs reach the comparison with net/http than
// random bytes do, with the oracle of FuzzReadRequest.
func FuzzRequestParts(f *testing.F) {
	f.Add("GET", "/a%20b?x=1", "example.com", "X-Name", "value", []byte(nil), false, true)
	f.Add("POST", "http://h:80/p", "other", "connection", "keep-alive, close", []byte("hello"), true, true)
	f.Add("OPTIONS", "*", "[::1]:8080", "Pragma", "no-cache", []byte("x"), false, false)
	f.Add("PUT", "/", "h", "Expect", "100-continue", []byte("0123456789"), true, true)
	f.Fuzz(func(t *testing.T, method, target, host, name, value string, body []byte, chunked, http11 bool) {
		var b strings.Builder
		minor := 0
		if http11 {
			minor = 1
		}
		fmt.Fprintf(&b, "%s %s HTTP/1.%d\r\nHost: %s\r\n%s: %s\r\n", method, target, minor, host, name, value)
		if chunked {
			b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
			for len(body) > 0 {
				n := min(len(body), 7)
				fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
				body = body[n:]
			}
			b.WriteString("0\r\nX-Trailer: " + value + "\r\n\r\n")
		} else {
			fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
		}
		checkRequest(t, []byte(b.String()))
	})
}

// compareNetHTTP compares our parse of in with http.ReadRequest's and
// reports whether both accepted it, so that a comparison was made.
func compareNetHTTP(t *testing.T, in []byte, ours parseResult) bool {
	t.Helper()
	if ours.err != nil {
		return false
	}

	hreq, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(in)))
	if err != nil {
		return false // only we accept: see FuzzReadRequest
	}
	hbody, err := io.ReadAll(hreq.Body)
	if err != nil {
		return false
	}
	req := &ours.req
	if req.Method != hreq.Method {
		t.Errorf("Method %q, net/http %q", req.Method, hreq.Method)
	}
	if req.Target != hreq.RequestURI {
		t.Errorf("Target %q, net/http %q", req.Target, hreq.RequestURI)
	}
	if req.Host != hreq.Host && !(req.Path != req.Target && strings.Contains(req.Host, "%")) {
		t.Errorf("Host %q, net/http %q", req.Host, hreq.Host)
	}
	if req.ContentLength != hreq.ContentLength {
		t.Errorf("ContentLength %d, net/http %d", req.ContentLength, hreq.ContentLength)
	}
	if req.Close != hreq.Close {
		t.Errorf("Close %v, net/http %v", req.Close, hreq.Close)
	}
	if !bytes.Equal(ours.body, hbody) {
		t.Errorf("body %q, net/http %q", ours.body, hbody)
	}
	// net/http removes Host and Transfer-Encoding from Header, and
	// adds "Cache-Control: no-cache" for "Pragma: no-cache".
	want := headerMap(req.Header, "Host", "Transfer-Encoding")
	got := http.Header{}
	for k, v := range hreq.Header {
		got[k] = v
	}
	if _, ok := want["Cache-Control"]; !ok && len(got["Pragma"]) > 0 && got["Pragma"][0] == "no-cache" {
		delete(got, "Cache-Control")
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("Header\n ours     %q\n net/http %q", want, got)
	}
	// net/http declares the names of a Trailer field with nil values.
	trailer := http.Header{}
	for k, v := range hreq.Trailer {
		if v != nil {
			trailer[k] = v
		}
	}
	if want := headerMap(req.Trailer); !reflect.DeepEqual(want, trailer) {
		t.Errorf("Trailer\n ours     %q\n net/http %q", want, trailer)
	}
	return true
}

// headerMap groups fields by canonical name as net/http does, leaving out
// the names in skip.
func headerMap(fields []Field, skip ...string) http.Header {
	h := http.Header{}
	for _, f := range fields {
		k := textproto.CanonicalMIMEHeaderKey(f.Name)
		if slices.Contains(skip, k) {
			continue
		}
		h[k] = append(h[k], f.Value)
	}
	return h
}

// FuzzChunkedBody checks the chunked body reader against itself (one byte
// per Read) and against httputil.NewChunkedReader: where both read a body
// to its end, the data agree; and a body we accept, the otherwise more
// lenient net/http reader accepts too, except where httputilStricter says.
func FuzzChunkedBody(f *testing.F) {
	seeds := []string{
		"5\r\nhello\r\n0\r\n\r\n",
		"1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n",
		"0\r\n\r\n",
		"A\r\n0123456789\r\n0;x=y\r\nT: 1\r\n\r\n",
		"5 ; a = \"q\\\"\" ; b\r\nhello\r\n0\r\n\r\n",
		"0005\r\nhello\r\n000\r\n\r\n",
		"+5\r\nhello\r\n0\r\n\r\n",
		"5 \r\nhello\r\n0\r\n\r\n",
		"fffffffffffffffff\r\n",
		"5\nhello\n0\n\n",
		"5\r\nhello!\r\n0\r\n\r\n",
		"4\r\n\r\n\r\n\r\n0\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		read := func(oneByte bool) ([]byte, []Field, error) {
			var src io.Reader = bytes.NewReader(in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			rd := NewReader(src, Limits{})
			req := &Request{Chunked: true, ContentLength: -1}
			b := rd.Body(req, 0)
			data, err := io.ReadAll(b)
			if err == nil && !b.Done() {
				t.Fatal("io.EOF but not Done")
			}
			return data, req.Trailer, err
		}
		data, trailer, err := read(false)
		checkErr(t, err)
		data1, trailer1, err1 := read(true)
		if (err == nil) != (err1 == nil) || err != nil && err.Error() != err1.Error() ||
			!bytes.Equal(data, data1) || !slices.Equal(trailer, trailer1) {
			t.Fatalf("one byte per read: %q %v %v, all at once: %q %v %v", data1, trailer1, err1, data, trailer, err)
		}
		hdata, herr := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(in)))
		if err == nil && herr != nil && !httputilStricter(herr) {
			t.Fatalf("we accept %q, httputil refuses: %v", in, herr)
		}
		if err == nil && herr == nil && !bytes.Equal(data, hdata) {
			t.Fatalf("data %q, httputil %q", data, hdata)
		}
		if errors.Is(err, ErrBodyTooLarge) {
			t.Fatal("ErrBodyTooLarge without a limit")
		}
	})
}

// httputilStricter reports whether err is one of the ways the chunked
// reader of net/http refuses a body that RFC 9112 §7.1 allows and we
// accept:
//   - "too much non-data": its amplification guard counts extension bytes
//     against data per chunk; ours bounds them per body (maxChunkExtBytes);
//   - "invalid byte in chunk length": it trims trailing whitespace, cuts
//     at ';' and parses the rest as hex, so "5 ;a" (BWS before ';', which
//     the chunk-ext grammar allows) fails; a body we accept has nothing
//     else between the size and ';';
//   - "http chunk length too large": it refuses more than 16 hex digits,
//     even leading zeros ("00000000000000005"); we bound the value, not
//     the digits, and the line by maxChunkLine.
func httputilStricter(err error) bool {
	for _, s := range []string{"too much non-data", "invalid byte in chunk length", "http chunk length too large"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

// TestNetHTTPOracle checks that the differential oracle of FuzzReadRequest
// does compare: net/http accepts every good request of the table, except
// the ones listed with the reason, and agrees with us on each.
func TestNetHTTPOracle(t *testing.T) {
	t.Parallel()
	onlyUs := map[string]string{
		"leading_empty_lines": "http.ReadRequest does not skip empty lines before the request line",
	}
	for _, tt := range goodRequests {
		compared := compareNetHTTP(t, []byte(tt.in), parseInput([]byte(tt.in), false))
		if _, ok := onlyUs[tt.name]; compared == ok {
			t.Errorf("%s: compared with net/http = %v", tt.name, compared)
		}
	}
}
