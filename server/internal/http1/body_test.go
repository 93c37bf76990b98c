package http1

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// chunkedHead starts every chunked test request.
const chunkedHead = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"

// lengthHead returns the head of a request with Content-Length n.
func lengthHead(n int) string {
	return fmt.Sprintf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n", n)
}

// readBody reads the head of in, then its body with maxBody, all at once or
// one byte per Read, and returns the body, the error that ended it, and
// the request and its Reader.
func readBody(t *testing.T, in string, maxBody int64, oneByte bool) (string, *Request, *Reader, error) {
	t.Helper()
	req, rd, err := readHead(in, Limits{}, oneByte)
	if err != nil {
		t.Fatalf("ReadRequest: %v", err)
	}
	var p []byte
	if oneByte {
		p = make([]byte, 1)
	} else {
		p = make([]byte, 64<<10)
	}
	var out bytes.Buffer
	b := rd.Body(req, maxBody)
	for {
		n, err := b.Read(p)
		out.Write(p[:n])
		if err == io.EOF {
			return out.String(), req, rd, nil
		}
		if err != nil {
			return out.String(), req, rd, err
		}
	}
}

func TestBodyGood(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("0123456789abcdef", 1<<12) // 64 KiB, larger than a buffer
	tests := []struct {
		name    string
		in      string
		want    string
		trailer []Field
	}{
		{"length", lengthHead(5) + "hello", "hello", nil},
		{"length_big_direct_read", lengthHead(len(big)) + big, big, nil},
		{"no_body", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "", nil},
		{"chunked_one", chunkedHead + "5\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"chunked_many", chunkedHead + "1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n", "abcdef", nil},
		{"chunked_empty", chunkedHead + "0\r\n\r\n", "", nil},
		{"chunked_hex_case", chunkedHead + "A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", "01234567890123456789", nil},
		{"chunked_leading_zeros", chunkedHead + "0005\r\nhello\r\n000\r\n\r\n", "hello", nil},
		{"chunked_big", chunkedHead + fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(big), big), big, nil},
		{"chunked_data_with_crlf", chunkedHead + "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n", nil},
		{"ext_token", chunkedHead + "5;a=b\r\nhello\r\n0;last\r\n\r\n", "hello", nil},
		{"ext_bws", chunkedHead + "5 ; a = b\t;\tc\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"ext_quoted", chunkedHead + "5;a=\"x y;\\\"z\\\\\"\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"ext_obs_text_quoted", chunkedHead + "5;a=\"caf\xc3\xa9\"\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"trailers", chunkedHead + "5\r\nhello\r\n0\r\nX-Sum: 1\r\nx-other:  two \r\n\r\n", "hello", fieldList("X-Sum", "1", "x-other", "two")},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/onebyte=%v", tt.name, oneByte), func(t *testing.T) {
				got, req, rd, err := readBody(t, tt.in, 0, oneByte)
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if got != tt.want {
					t.Errorf("body = %.40q (%d bytes), want %.40q (%d bytes)", got, len(got), tt.want, len(tt.want))
				}
				if !fieldsEqual(req.Trailer, tt.trailer) {
					t.Errorf("Trailer = %v, want %v", req.Trailer, tt.trailer)
				}
				if !rd.Body(req, 0).Done() {
					t.Error("Done = false after io.EOF")
				}
			})
		}
	}
}

// fieldsEqual compares field lists, nil equal to empty.
func fieldsEqual(a, b []Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBodyBad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		maxBody int64
		err     error
	}{
		{"size_plus", chunkedHead + "+5\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_0x", chunkedHead + "0x5\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_leading_space", chunkedHead + " 5\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_trailing_space", chunkedHead + "5 \r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_trailing_tab", chunkedHead + "5\t\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_empty", chunkedHead + "\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_overflow", chunkedHead + "fffffffffffffffff\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_overflow_int63", chunkedHead + "8000000000000000\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_negative", chunkedHead + "-1\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_underscore", chunkedHead + "1_0\r\n0123456789abcdef\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_bare_lf", chunkedHead + "5\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"size_bare_cr", chunkedHead + "5\rhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"last_chunk_bare_lf", chunkedHead + "5\r\nhello\r\n0\n\r\n", 0, ErrBadChunk},
		{"data_no_crlf", chunkedHead + "5\r\nhello!\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"data_bare_lf", chunkedHead + "5\r\nhello\n0\r\n\r\n", 0, ErrBadChunk},
		{"data_bare_cr", chunkedHead + "5\r\nhello\r0\r\n\r\n", 0, ErrBadChunk},
		{"data_short", chunkedHead + "6\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"ext_empty", chunkedHead + "5;\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"ext_no_name", chunkedHead + "5;=x\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"ext_no_value", chunkedHead + "5;a=\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"ext_no_semicolon", chunkedHead + "5 a\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"ext_trailing_space", chunkedHead + "5;a=b \r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"ext_unterminated_quote", chunkedHead + "5;a=\"x\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"ext_ctl_in_quote", chunkedHead + "5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"ext_nul", chunkedHead + "5;a\x00\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"ext_line_too_long", chunkedHead + "5;a=" + strings.Repeat("b", maxChunkLine) + "\r\nhello\r\n0\r\n\r\n", 0, ErrBadChunk},
		{"ext_total_too_long", chunkedHead + strings.Repeat("1;"+strings.Repeat("e", 1000)+"\r\nx\r\n", 5) + "0\r\n\r\n", 0, ErrBadChunk},
		{"trailer_bare_lf", chunkedHead + "0\r\nX: 1\n\r\n", 0, ErrBadChunk},
		{"trailer_obs_fold", chunkedHead + "0\r\nX: 1\r\n 2\r\n\r\n", 0, ErrBadHeader},
		{"trailer_space_before_colon", chunkedHead + "0\r\nX : 1\r\n\r\n", 0, ErrBadHeader},
		{"trailer_nul", chunkedHead + "0\r\nX: \x00\r\n\r\n", 0, ErrBadHeader},
		{"trailer_too_large", chunkedHead + "0\r\nX: " + strings.Repeat("y", 32<<10) + "\r\n\r\n", 0, ErrHeaderTooLarge},
		{"trailer_too_many", chunkedHead + "0\r\n" + strings.Repeat("X: y\r\n", 101) + "\r\n", 0, ErrTooManyHeaders},
		{"length_over_max", lengthHead(11) + "hello world", 10, ErrBodyTooLarge},
		{"chunked_over_max", chunkedHead + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 10, ErrBodyTooLarge},
		{"chunked_huge_size_over_max", chunkedHead + "7fffffffffffffff\r\nhello", 10, ErrBodyTooLarge},
		{"length_early_eof", lengthHead(10) + "hello", 0, io.ErrUnexpectedEOF},
		{"chunked_eof_in_data", chunkedHead + "a\r\nhello", 0, io.ErrUnexpectedEOF},
		{"chunked_eof_in_size", chunkedHead + "5\r\nhello\r\n", 0, io.ErrUnexpectedEOF},
		{"chunked_eof_in_trailer", chunkedHead + "5\r\nhello\r\n0\r\nX: 1\r\n", 0, io.ErrUnexpectedEOF},
		{"chunked_eof_before_final_crlf", chunkedHead + "0\r\n", 0, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/onebyte=%v", tt.name, oneByte), func(t *testing.T) {
				_, req, rd, err := readBody(t, tt.in, tt.maxBody, oneByte)
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if len(err.Error()) > 200 {
					t.Errorf("error text is %d bytes: %.80s...", len(err.Error()), err)
				}
				b := rd.Body(req, tt.maxBody)
				if b.Done() {
					t.Error("Done after an error")
				}
				if _, err2 := b.Read(make([]byte, 8)); err2 != err {
					t.Errorf("error not sticky: then %v", err2)
				}
				if b.Discard(1 << 30) {
					t.Error("Discard = true after an error")
				}
			})
		}
	}
}

// TestBodyTooLargeReadsNothing checks that a Content-Length over maxBody
// fails before any byte is read.
func TestBodyTooLargeReadsNothing(t *testing.T) {
	t.Parallel()
	req, rd, err := readHead(lengthHead(11)+"hello world", Limits{}, false)
	if err != nil {
		t.Fatal(err)
	}
	before := rd.Buffered()
	n, err := rd.Body(req, 10).Read(make([]byte, 100))
	if n != 0 || err != ErrBodyTooLarge || StatusOf(err) != 413 {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if rd.Buffered() != before {
		t.Errorf("Buffered %d -> %d", before, rd.Buffered())
	}
}

// TestBodyMaxExact checks that a body of exactly maxBody bytes is read.
func TestBodyMaxExact(t *testing.T) {
	t.Parallel()
	for _, in := range []string{lengthHead(10) + "0123456789", chunkedHead + "5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n"} {
		got, _, _, err := readBody(t, in, 10, false)
		if err != nil || got != "0123456789" {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
}

func TestDiscard(t *testing.T) {
	t.Parallel()
	next := "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"
	tests := []struct {
		name     string
		in       string // request with body, then next
		readBuf  int    // bytes to Read before Discard
		max      int64  // Discard's max
		want     bool   // Discard's result
		buffered bool   // the next request must be read after a true Discard
	}{
		{"length_within", lengthHead(5) + "hello", 0, 5, true, true},
		{"length_over_reads_nothing", lengthHead(5) + "hello", 0, 4, false, false},
		{"length_after_partial_read", lengthHead(5) + "hello", 2, 3, true, true},
		{"length_early_eof", lengthHead(50) + "hello", 0, 100, false, false},
		{"chunked_within", chunkedHead + "5\r\nhello\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n", 0, 8, true, true},
		{"chunked_over", chunkedHead + "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n", 0, 7, false, false},
		{"chunked_after_partial_read", chunkedHead + "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n", 3, 5, true, true},
		{"chunked_malformed", chunkedHead + "5\r\nhello\r\nzz\r\n", 0, 100, false, false},
		{"no_body", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 0, 0, true, true},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/onebyte=%v", tt.name, oneByte), func(t *testing.T) {
				in := tt.in
				if tt.buffered {
					in += next
				}
				req, rd, err := readHead(in, Limits{}, oneByte)
				if err != nil {
					t.Fatal(err)
				}
				b := rd.Body(req, 0)
				if tt.readBuf > 0 {
					if _, err := io.ReadFull(b, make([]byte, tt.readBuf)); err != nil {
						t.Fatal(err)
					}
				}
				if got := b.Discard(tt.max); got != tt.want {
					t.Fatalf("Discard(%d) = %v, want %v", tt.max, got, tt.want)
				}
				if b.Done() != tt.want {
					t.Errorf("Done = %v", b.Done())
				}
				err = rd.ReadRequest(req)
				switch {
				case tt.want && tt.buffered:
					if err != nil || req.Target != "/next" {
						t.Errorf("next request: %v %q", err, req.Target)
					}
				case !tt.want && err == nil:
					t.Error("ReadRequest succeeded after a failed Discard")
				}
			})
		}
	}
}

// TestBodyNoOverRead checks that reading a body leaves the bytes after it
// in the buffer, whatever the size of the reads.
func TestBodyNoOverRead(t *testing.T) {
	t.Parallel()
	rest := "GET /next HTTP/1.1\r\n"
	for _, in := range []string{lengthHead(5) + "hello", chunkedHead + "5\r\nhello\r\n0\r\n\r\n"} {
		req, rd, err := readHead(in+rest, Limits{}, false)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rd.Body(req, 0))
		if err != nil || string(b) != "hello" {
			t.Fatalf("body %q, %v", b, err)
		}
		if rd.Buffered() != len(rest) {
			t.Errorf("Buffered = %d, want %d", rd.Buffered(), len(rest))
		}
	}
}

// TestBodyCalledTwice checks that Body returns the same reader, in its
// current state, for the same request.
func TestBodyCalledTwice(t *testing.T) {
	t.Parallel()
	req, rd, err := readHead(lengthHead(5)+"hello", Limits{}, false)
	if err != nil {
		t.Fatal(err)
	}
	b := rd.Body(req, 0)
	if _, err := io.ReadFull(b, make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	if b2 := rd.Body(req, 0); b2 != b {
		t.Fatal("a second Body call returned another reader")
	}
	rest, err := io.ReadAll(b)
	if err != nil || string(rest) != "llo" {
		t.Fatalf("rest %q, %v", rest, err)
	}
}

// TestBodyEmptyRead checks that Read with an empty buffer neither blocks
// nor fails.
func TestBodyEmptyRead(t *testing.T) {
	t.Parallel()
	req, rd, err := readHead(lengthHead(5), Limits{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := rd.Body(req, 0).Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v", n, err)
	}
}

// TestChunkExtAmplification sends many chunks with extensions that stay
// under the line limit: their total must be bounded (CVE-2023-39326).
func TestChunkExtAmplification(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(chunkedHead)
	for range 100 {
		b.WriteString("1;" + strings.Repeat("x", 100) + "\r\na\r\n")
	}
	b.WriteString("0\r\n\r\n")
	_, _, _, err := readBody(t, b.String(), 0, false)
	if !errors.Is(err, ErrBadChunk) {
		t.Fatalf("err = %v, want ErrBadChunk", err)
	}
}

// TestChunkedOneByteReader exercises the chunked reader over a connection
// that returns one byte per Read with reads into large buffers.
func TestChunkedOneByteReader(t *testing.T) {
	t.Parallel()
	in := chunkedHead + "3\r\nabc\r\n2;x=\"y\"\r\nde\r\n0\r\nT: v\r\n\r\n"
	rd := NewReader(iotest.OneByteReader(strings.NewReader(in)), Limits{})
	var req Request
	if err := rd.ReadRequest(&req); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rd.Body(&req, 0))
	if err != nil || string(got) != "abcde" || len(req.Trailer) != 1 {
		t.Fatalf("%q %v %v", got, err, req.Trailer)
	}
}
