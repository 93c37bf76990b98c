package httpserver

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// The request smuggling and framing corpus of issue 6, over real sockets:
// one named case per advisory class that servers of this family have
// shipped, each citing its CVE. Every case checks the status of the first
// response, whether the connection closes, how often the application ran,
// and that the request smuggled behind or inside the attack never ran.

// smuggleCase is one attack.
type smuggleCase struct {
	name   string // the CVE and the trick
	req    string // the attack; smuggledReq or plainReq is sent after it (see keep)
	status int    // the status of the response to the attack
	calls  int64  // times the application runs for the attack: 1 when the head is good and only the body is bad
	// keep: the attack is well-framed and the connection stays open; a
	// plain request sent after it must be answered. Otherwise the
	// connection closes after the error response, and smuggledReq sent
	// after the attack must never run.
	keep bool
	// late: the connection closes, but the decision came after the
	// response head was written (the server found the unread body bad or
	// unsendable while draining it), so the head lacks Connection: close.
	late bool
}

// chunkedPost starts a POST to path with a chunked body.
func chunkedPost(path string) string {
	return "POST " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
}

var smuggleCases = []smuggleCase{
	// CVE-2024-1135, CVE-2024-6827 (gunicorn): Transfer-Encoding with
	// Content-Length, Transfer-Encoding lists and repeated lines that a
	// lenient parser resolves to the Content-Length framing (TE.CL) or the
	// other way round (CL.TE). Both fields together are refused outright.
	{name: "CVE-2024-1135/cl_te", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggledReq, status: 400},
	{name: "CVE-2024-1135/te_cl", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" +
		"26\r\n" + smuggledReq + "\r\n0\r\n\r\n", status: 400},
	{name: "CVE-2024-1135/te_twice_chunked", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400},
	{name: "CVE-2024-1135/te_lines_chunked_then_gzip", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n", status: 400},
	{name: "CVE-2024-1135/te_lines_gzip_then_chunked", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 501},
	{name: "CVE-2024-6827/te_unknown_with_cl", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 400},
	{name: "CVE-2024-6827/te_chunked_identity", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", status: 400},
	{name: "CVE-2024-6827/te_identity_with_cl", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 400},
	{name: "CVE-2024-6827/te_empty_with_cl", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 400},
	{name: "CVE-2024-6827/te_http10", req: "POST /echo.py HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400},

	// CVE-2019-16785 (waitress): a bare LF taken as the end of a line in
	// the head, so that two servers split the same bytes differently.
	{name: "CVE-2019-16785/bare_lf_request_line", req: "GET /hello.py HTTP/1.1\nHost: x\r\n\r\n", status: 400},
	{name: "CVE-2019-16785/bare_lf_field_line", req: "GET /hello.py HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", status: 400},
	{name: "CVE-2019-16785/bare_lf_end_of_head", req: "GET /hello.py HTTP/1.1\r\nHost: x\r\n\n", status: 400},
	{name: "CVE-2019-16785/bare_lf_everywhere", req: "GET /hello.py HTTP/1.1\nHost: x\n\n", status: 400},
	{name: "CVE-2019-16785/bare_cr_in_field", req: "GET /hello.py HTTP/1.1\r\nHost: x\r\nX-A: a\rTransfer-Encoding: chunked\r\n\r\n", status: 400},
	{name: "CVE-2019-16785/lf_hides_te", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nX-A: a\nTransfer-Encoding: chunked\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 400},

	// CVE-2025-22871 (Go net/http): a bare LF ending a chunk line. The
	// head is good, so the application runs once and fails reading the
	// body; what the server answers is the 400 of the body.
	{name: "CVE-2025-22871/lf_after_chunk_size", req: chunkedPost("/echo.py") + "5\nhello\r\n0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2025-22871/lf_after_chunk_ext", req: chunkedPost("/echo.py") + "5;a=b\nhello\r\n0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2025-22871/lf_after_chunk_data", req: chunkedPost("/echo.py") + "5\r\nhello\n0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2025-22871/lf_after_last_chunk", req: chunkedPost("/echo.py") + "0\n\r\n", status: 400, calls: 1},
	{name: "CVE-2025-22871/lf_ends_trailers", req: chunkedPost("/echo.py") + "0\r\n\n", status: 400, calls: 1},
	{name: "CVE-2025-22871/lf_in_trailer", req: chunkedPost("/echo.py") + "0\r\nX-T: 1\n\r\n", status: 400, calls: 1},
	// The classic form: a lenient reader takes "1;\n" as a line and reads
	// the smuggled request as a second one.
	{name: "CVE-2025-22871/lf_smuggles", req: chunkedPost("/echo.py") + "2;\nxx\r\n45\r\n0\r\n\r\n" + smuggledReq + "\r\n0\r\n\r\n", status: 400, calls: 1},
	// The same bodies to an application that does not read them: the
	// server's drain finds the error, so the answer goes out but the
	// connection closes.
	{name: "CVE-2025-22871/lf_unread_body", req: chunkedPost("/ignore.py") + "5\nhello\r\n0\r\n\r\n", status: 200, calls: 1, late: true},

	// CVE-2022-24761 (waitress): a Content-Length or chunk size that is
	// not plain digits ("+", "-", "0x", other scripts' digits, ...).
	{name: "CVE-2022-24761/cl_plus", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", status: 400},
	{name: "CVE-2022-24761/cl_minus", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nhello", status: 400},
	{name: "CVE-2022-24761/cl_hex", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello", status: 400},
	{name: "CVE-2022-24761/cl_underscore", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 1_0\r\n\r\nhello", status: 400},
	{name: "CVE-2022-24761/cl_arabic_indic_digit", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: \u0665\r\n\r\nhello", status: 400},
	{name: "CVE-2022-24761/cl_space_inside", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 1 0\r\n\r\nhello", status: 400},
	{name: "CVE-2022-24761/cl_empty", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\nhello", status: 400},
	{name: "CVE-2022-24761/cl_overflow", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\nhello", status: 400},
	{name: "CVE-2022-24761/chunk_size_plus", req: chunkedPost("/echo.py") + "+5\r\nhello\r\n0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2022-24761/chunk_size_minus", req: chunkedPost("/echo.py") + "-5\r\nhello\r\n0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2022-24761/chunk_size_0x", req: chunkedPost("/echo.py") + "0x5\r\nhello\r\n0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2022-24761/chunk_size_leading_space", req: chunkedPost("/echo.py") + " 5\r\nhello\r\n0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2022-24761/chunk_size_trailing_space", req: chunkedPost("/echo.py") + "5 \r\nhello\r\n0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2022-24761/chunk_size_empty", req: chunkedPost("/echo.py") + "\r\nhello\r\n0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2022-24761/chunk_size_overflow", req: chunkedPost("/echo.py") + "10000000000000005\r\nhello\r\n0\r\n\r\n", status: 400, calls: 1},

	// CVE-2019-16792 (waitress): more than one Content-Length, as lines
	// or as a list, equal or not.
	{name: "CVE-2019-16792/two_cl_lines_differ", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 400},
	{name: "CVE-2019-16792/two_cl_lines_equal", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", status: 400},
	{name: "CVE-2019-16792/cl_list_equal", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello", status: 400},
	{name: "CVE-2019-16792/cl_list_differ", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 0,38\r\n\r\n" + smuggledReq, status: 400},

	// CVE-2019-16789 (waitress): whitespace that is not OWS around a
	// framing value or name (\x0b, \x0c, NBSP), which some parsers strip.
	{name: "CVE-2019-16789/te_vtab_chunked", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \x0bchunked\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 400},
	{name: "CVE-2019-16789/te_vtab_alone", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n", status: 400},
	{name: "CVE-2019-16789/te_chunked_vtab", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\x0b\r\n\r\n0\r\n\r\n", status: 400},
	{name: "CVE-2019-16789/te_formfeed", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \x0cchunked\r\n\r\n0\r\n\r\n", status: 400},
	{name: "CVE-2019-16789/te_nbsp", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \xa0chunked\r\n\r\n0\r\n\r\n", status: 400},
	{name: "CVE-2019-16789/cl_vtab", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: \x0b5\r\n\r\nhello", status: 400},
	{name: "CVE-2019-16789/name_trailing_tab", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding\t: chunked\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 400},
	{name: "CVE-2019-16789/name_leading_space_obs_fold", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nX-A: a\r\n Transfer-Encoding: chunked\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 400},
	{name: "CVE-2019-16789/chunk_ext_vtab", req: chunkedPost("/echo.py") + "5;\x0b\r\nhello\r\n0\r\n\r\n", status: 400, calls: 1},
	// The whitespace that is allowed, HTAB and SP as OWS, frames as usual.
	{name: "CVE-2019-16789/te_htab_is_ows", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked \t\r\n\r\n5\r\nhello\r\n0\r\n\r\n", status: 200, calls: 1, keep: true},

	// CVE-2019-16276 (Go net/http): whitespace between the field name and
	// the colon.
	{name: "CVE-2019-16276/space_before_colon_te", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 400},
	{name: "CVE-2019-16276/space_before_colon_cl", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length : 38\r\n\r\n" + smuggledReq, status: 400},
	{name: "CVE-2019-16276/space_before_colon_host", req: "GET /hello.py HTTP/1.1\r\nHost : x\r\n\r\n", status: 400},
	{name: "CVE-2019-16276/tab_before_colon", req: "GET /hello.py HTTP/1.1\r\nHost\t: x\r\n\r\n", status: 400},

	// CVE-2024-49768 (waitress): an invalid request followed by a
	// pipelined valid one, which must not run: after a framing error
	// nothing later on the connection is trusted. The first request is
	// cut at sizes around the read buffer (4 KiB) and waitress's
	// recv_bytes (8 KiB) too.
	{name: "CVE-2024-49768/nul_in_field", req: "GET /hello.py HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", status: 400},
	{name: "CVE-2024-49768/bad_request_line", req: "GET  /hello.py HTTP/1.1\r\nHost: x\r\n\r\n", status: 400},
	{name: "CVE-2024-49768/bad_method", req: "G@T /hello.py HTTP/1.1\r\nHost: x\r\n\r\n", status: 400},
	{name: "CVE-2024-49768/unknown_method", req: "BREW /hello.py HTTP/1.1\r\nHost: x\r\n\r\n", status: 501},
	{name: "CVE-2024-49768/bad_version", req: "GET /hello.py HTTP/2.0\r\nHost: x\r\n\r\n", status: 505}, // HTTP/1.2 is served as 1.1 (RFC 9110 §2.5)
	{name: "CVE-2024-49768/missing_host", req: "GET /hello.py HTTP/1.1\r\n\r\n", status: 400},
	{name: "CVE-2024-49768/bad_expect", req: "GET /hello.py HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", status: 417},
	{name: "CVE-2024-49768/bad_at_4096", req: padTo("GET /hello.py HTTP/1.1\r\nHost: x\r\nX-A: \x01", "\r\n\r\n", 4096), status: 400},
	{name: "CVE-2024-49768/bad_at_8192", req: padTo("GET /hello.py HTTP/1.1\r\nHost: x\r\nX-A: \x01", "\r\n\r\n", 8192), status: 400},
	{name: "CVE-2024-49768/header_too_large", req: "GET /hello.py HTTP/1.1\r\nHost: x\r\nX-A: " + strings.Repeat("a", 33<<10) + "\r\n\r\n", status: 431},
	{name: "CVE-2024-49768/bad_body_then_request", req: chunkedPost("/echo.py") + "zz\r\n", status: 400, calls: 1},

	// CVE-2022-29361 (Werkzeug): a body the application does not read is
	// still consumed as a body on a keep-alive connection, never parsed as
	// the next request.
	{name: "CVE-2022-29361/unread_cl_body", req: "POST /ignore.py HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 200, calls: 1, keep: true},
	{name: "CVE-2022-29361/unread_chunked_body", req: chunkedPost("/ignore.py") + "26\r\n" + smuggledReq + "\r\n0\r\n\r\n", status: 200, calls: 1, keep: true},
	{name: "CVE-2022-29361/unread_body_of_get", req: "GET /hello.py HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 200, calls: 1, keep: true},
	{name: "CVE-2022-29361/unread_body_of_static", req: "GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 200, keep: true},
	{name: "CVE-2022-29361/unread_body_of_404", req: "GET /nothere.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 404, keep: true},
	{name: "CVE-2022-29361/unread_body_of_413", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n" + smuggledReq, status: 413},
	{name: "CVE-2022-29361/read_body_holding_a_request", req: "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n" + smuggledReq, status: 200, calls: 1, keep: true},
	// Expect: 100-continue without the application reading: the client may
	// never send the body, so the server does not guess; it closes.
	{name: "CVE-2022-29361/unread_expect_continue", req: "POST /ignore.py HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\nExpect: 100-continue\r\n\r\n" + smuggledReq, status: 200, calls: 1, late: true},

	// CVE-2023-39326 (Go net/http): chunk extensions are bounded per body
	// (4 KiB), however little data comes with them. TestChunkExtAmplification
	// streams the attack; this is the one-shot form.
	{name: "CVE-2023-39326/one_huge_extension", req: chunkedPost("/echo.py") + "1;a=" + strings.Repeat("b", 4100) + "\r\nx\r\n0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2023-39326/many_extensions", req: chunkedPost("/echo.py") + strings.Repeat("1;"+strings.Repeat("e", 500)+"\r\nx\r\n", 10) + "0\r\n\r\n", status: 400, calls: 1},
	{name: "CVE-2023-39326/unread_extensions", req: chunkedPost("/ignore.py") + strings.Repeat("1;"+strings.Repeat("e", 500)+"\r\nx\r\n", 10) + "0\r\n\r\n", status: 200, calls: 1, late: true},
}

// padTo returns head, filler bytes, then tail, n bytes in all.
func padTo(head, tail string, n int) string {
	return head + strings.Repeat("a", n-len(head)-len(tail)) + tail
}

func TestSmuggling(t *testing.T) {
	t.Parallel()
	app := newHardApp()
	ts := startServer(t, app, map[string]string{"a.txt": "AAA"})
	for _, tt := range smuggleCases {
		t.Run(tt.name, func(t *testing.T) {
			before := app.all.Load()
			c := ts.dial(t)
			if tt.keep {
				c.send(tt.req + plainReq)
			} else {
				c.send(tt.req + smuggledReq)
			}
			r := c.response(strings.Fields(tt.req)[0])
			if r.StatusCode != tt.status {
				t.Fatalf("status %d; want %d", r.StatusCode, tt.status)
			}
			if tt.keep {
				if r.Close {
					t.Fatal("Connection: close on a well-framed request")
				}
				if r2 := c.response("GET"); bodyOf(t, r2) != "Hello, World!" {
					t.Fatalf("the request after the attack got %d", r2.StatusCode)
				}
			} else {
				if r.Close == tt.late {
					t.Errorf("Connection: close is %v; want %v", r.Close, !tt.late)
				}
				if rest := c.rest(); rest != "" {
					t.Fatalf("bytes after the response: %q", rest)
				}
			}
			want := tt.calls
			if tt.keep {
				want++ // the plain request after it
			}
			if n := app.all.Load() - before; n != want {
				t.Errorf("the application ran %d times; want %d", n, want)
			}
			if n := app.smuggled.Load(); n != 0 {
				t.Fatalf("the smuggled request ran %d times", n)
			}
		})
	}
}

// CVE-2023-39326 (Go net/http): a chunked body of tiny chunks with large
// extensions is cut off once its extensions pass the bound; the server
// answers 400 and closes, so it stops reading: the client cannot push
// more than the bound plus what the kernel buffers.
func TestChunkExtAmplification(t *testing.T) {
	t.Parallel()
	app := newHardApp()
	ts := startServer(t, app, nil)
	for _, path := range []string{"/echo.py", "/ignore.py"} {
		t.Run(path, func(t *testing.T) {
			c := ts.dial(t)
			c.send(chunkedPost(path))
			chunk := []byte("1;" + strings.Repeat("e", 1000) + "\r\nx\r\n")
			const limit = 64 << 20 // the client gives up after this much
			sent := make(chan int64, 1)
			go func() {
				var n int64
				for n < limit {
					m, err := c.Conn.Write(chunk)
					n += int64(m)
					if err != nil {
						break
					}
				}
				sent <- n
			}()
			r := c.response("POST")
			want := 400
			if path == "/ignore.py" {
				want = 200 // the application answered; the drain found the error
			}
			if r.StatusCode != want {
				t.Fatalf("status %d; want %d", r.StatusCode, want)
			}
			if !c.closed() {
				t.Fatal("the connection stayed open")
			}
			var n int64
			select {
			case n = <-sent:
			case <-time.After(patience):
				t.Fatal("the server kept reading extensions")
			}
			if n >= limit {
				t.Fatalf("the client sent all %d bytes: the server read them all", n)
			}
			t.Logf("the client got %d KiB out before the connection closed", n>>10)
		})
	}
	if n := app.smuggled.Load(); n != 0 {
		t.Fatalf("smuggled %d", n)
	}
}

// CVE-2018-1000164 (gunicorn): CR or LF in a status, field name or value
// set by the application never reaches the wire: the response is a 500,
// the fault is logged, and the connection goes on.
func TestResponseHeaderInjection(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newHardApp(), nil)
	for _, path := range []string{"/badheader.py", "/crlf-name.py", "/crlf-status.py", "/lf-value.py", "/cr-value.py", "/crlf-stream.py"} {
		t.Run(path, func(t *testing.T) {
			logged := strings.Count(ts.log.String(), "application failed")
			c := ts.dial(t)
			c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			raw := c.rest()
			if !strings.HasPrefix(raw, "HTTP/1.1 500 ") {
				t.Fatalf("response %q; want a 500", raw)
			}
			if strings.Contains(raw, "pwned") || strings.Contains(raw, "X-Evil") || strings.Contains(raw, "bad") {
				t.Fatalf("the application's header reached the wire: %q", raw)
			}
			if n := strings.Count(ts.log.String(), "application failed") - logged; n != 1 {
				t.Fatalf("logged %d times; want once:\n%s", n, ts.log)
			}
		})
	}
}

// CVE-2020-5236 (waitress): a header line made of thousands of spaces or
// colons, arriving one byte per segment, is scanned in linear time: the
// request completes well within the header timeout instead of rescanning
// the line on every byte.
func TestPathologicalHeaderLine(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newHardApp(), nil, func(s *Server) { s.ReadHeaderTimeout = patience })
	const n = 30 << 10
	cases := []struct{ name, line string }{
		{"spaces", "X-A: a" + strings.Repeat(" ", n) + "b"},
		{"colons", "X-A: " + strings.Repeat(":", n)},
		{"space_colon", "X-A:" + strings.Repeat(" :", n/2)},
		{"trailing_ows", "X-A: a" + strings.Repeat(" \t", n/2)},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.dial(t)
			c.SetDeadline(time.Now().Add(patience))
			if tc, ok := c.Conn.(*net.TCPConn); ok {
				tc.SetNoDelay(true)
			}
			req := "GET /hello.py HTTP/1.1\r\nHost: x\r\n" + tt.line + "\r\n\r\n"
			start := time.Now()
			for i := range len(req) {
				if _, err := c.Conn.Write([]byte{req[i]}); err != nil {
					t.Fatalf("write at byte %d: %v", i, err)
				}
			}
			r := c.response("GET")
			if r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" {
				t.Fatalf("status %d", r.StatusCode)
			}
			t.Logf("%d bytes one by one answered in %v", len(req), time.Since(start).Round(time.Millisecond))
		})
	}
}

// An unread body that runs past the drain bound closes the connection
// after the response; the request hidden at its end never runs
// (CVE-2022-29361 at the bound).
func TestUnreadBodyPastDrainBound(t *testing.T) {
	t.Parallel()
	app := newHardApp()
	ts := startServer(t, app, nil)
	c := ts.dial(t)
	body := strings.Repeat("a", maxDrain+1) + smuggledReq
	c.send("POST /ignore.py HTTP/1.1\r\nHost: x\r\nContent-Length: " + itoa(len(body)) + "\r\n\r\n")
	go io.WriteString(c.Conn, body+smuggledReq)
	r := c.response("POST")
	if r.StatusCode != 200 || !c.closed() {
		t.Fatalf("status %d, or the connection stayed open", r.StatusCode)
	}
	if app.smuggled.Load() != 0 {
		t.Fatal("smuggled")
	}
}
