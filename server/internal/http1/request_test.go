package http1

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// fieldList builds a []Field from name, value pairs.
func fieldList(kv ...string) []Field {
	f := make([]Field, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		f = append(f, Field{kv[i], kv[i+1]})
	}
	return f
}

// goodRequests are heads ReadRequest must accept, with the fields it must
// produce and the body that follows.
var goodRequests = []struct {
	name string
	in   string  // raw bytes on the wire
	want Request // Trailer is compared after the body is read
	body string  // the body, as Body.Read yields it
}{
	{
		name: "simple_get",
		in:   "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "example.com"), Host: "example.com"},
	},
	{
		name: "query_kept_encoded",
		in:   "GET /a%20b?x=1&y=%2F HTTP/1.1\r\nHost: h\r\n\r\n",
		want: Request{Method: "GET", Target: "/a%20b?x=1&y=%2F", Path: "/a%20b", Query: "x=1&y=%2F",
			Proto: "HTTP/1.1", Minor: 1, Header: fieldList("Host", "h"), Host: "h"},
	},
	{
		name: "query_empty",
		in:   "GET /p? HTTP/1.1\r\nHost: h\r\n\r\n",
		want: Request{Method: "GET", Target: "/p?", Path: "/p", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h"), Host: "h"},
	},
	{
		name: "query_second_question_mark",
		in:   "GET /p?a?b HTTP/1.1\r\nHost: h\r\n\r\n",
		want: Request{Method: "GET", Target: "/p?a?b", Path: "/p", Query: "a?b", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h"), Host: "h"},
	},
	{
		name: "double_slash_path",
		in:   "GET //x/../y HTTP/1.1\r\nHost: h\r\n\r\n",
		want: Request{Method: "GET", Target: "//x/../y", Path: "//x/../y", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h"), Host: "h"},
	},
	{
		name: "http10_no_host_closes",
		in:   "GET / HTTP/1.0\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.0", Minor: 0, Close: true},
	},
	{
		name: "http10_keep_alive",
		in:   "HEAD /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
		want: Request{Method: "HEAD", Target: "/x", Path: "/x", Proto: "HTTP/1.0",
			Header: fieldList("Connection", "Keep-Alive")},
	},
	{
		name: "connection_close_in_list",
		in:   "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive ,\tCLOSE\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Connection", "keep-alive ,\tCLOSE"), Host: "h", Close: true},
	},
	{
		name: "connection_close_second_field",
		in:   "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nconnection: close\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Connection", "upgrade", "connection", "close"), Host: "h", Close: true},
	},
	{
		name: "connection_closed_is_not_close",
		in:   "GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Connection", "closed"), Host: "h"},
	},
	{
		name: "absolute_form_overrides_host",
		in:   "GET http://example.com:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n",
		want: Request{Method: "GET", Target: "http://example.com:8080/p?q", Path: "/p", Query: "q",
			Proto: "HTTP/1.1", Minor: 1, Header: fieldList("Host", "other"), Host: "example.com:8080"},
	},
	{
		name: "absolute_form_scheme_case_no_path",
		in:   "GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n",
		want: Request{Method: "GET", Target: "HTTPS://h", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h"), Host: "h"},
	},
	{
		name: "absolute_form_query_only",
		in:   "GET http://h?x HTTP/1.1\r\nHost: h\r\n\r\n",
		want: Request{Method: "GET", Target: "http://h?x", Path: "/", Query: "x", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h"), Host: "h"},
	},
	{
		name: "absolute_form_ipv6",
		in:   "GET http://[::1]:80/ HTTP/1.1\r\nHost: x\r\n\r\n",
		want: Request{Method: "GET", Target: "http://[::1]:80/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "x"), Host: "[::1]:80"},
	},
	{
		name: "asterisk_options",
		in:   "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
		want: Request{Method: "OPTIONS", Target: "*", Path: "*", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h"), Host: "h"},
	},
	{
		name: "leading_empty_lines",
		in:   "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h"), Host: "h"},
	},
	{
		name: "ows_trimmed_and_empty_value",
		in:   "GET / HTTP/1.1\r\nHost:  \th \t\r\nX-Empty:\r\nX-Blank:   \r\nX-In: a \t b\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "X-Empty", "", "X-Blank", "", "X-In", "a \t b"), Host: "h"},
	},
	{
		name: "obs_text_value",
		in:   "GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xc3\xa9 \xff\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "X-Name", "caf\xc3\xa9 \xff"), Host: "h"},
	},
	{
		name: "name_case_kept",
		in:   "GET / HTTP/1.1\r\nhOsT: h\r\nx-a: 1\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("hOsT", "h", "x-a", "1"), Host: "h"},
	},
	{
		name: "host_ipv6_port",
		in:   "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "[2001:db8::1]:8080"), Host: "[2001:db8::1]:8080"},
	},
	{
		name: "host_empty",
		in:   "GET / HTTP/1.1\r\nHost:\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "")},
	},
	{
		name: "post_content_length",
		in:   "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length:  5 \r\n\r\nhello",
		want: Request{Method: "POST", Target: "/form", Path: "/form", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Content-Length", "5"), Host: "h", ContentLength: 5},
		body: "hello",
	},
	{
		name: "content_length_zero",
		in:   "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
		want: Request{Method: "PUT", Target: "/x", Path: "/x", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Content-Length", "0"), Host: "h"},
	},
	{
		name: "content_length_leading_zeros",
		in:   "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\n1234567",
		want: Request{Method: "POST", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Content-Length", "007"), Host: "h", ContentLength: 7},
		body: "1234567",
	},
	{
		name: "chunked_with_trailer",
		in: "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n" +
			"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n",
		want: Request{Method: "POST", Target: "/up", Path: "/up", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Transfer-Encoding", "Chunked"), Host: "h", ContentLength: -1, Chunked: true,
			Trailer: fieldList("X-Sum", "42")},
		body: "hello world",
	},
	{
		name: "expect_100_continue",
		in:   "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nok",
		want: Request{Method: "PUT", Target: "/f", Path: "/f", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Expect", "100-Continue", "Content-Length", "2"), Host: "h",
			ContentLength: 2, Expect100: true},
		body: "ok",
	},
	{
		name: "expect_100_ignored_on_http10",
		in:   "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
		want: Request{Method: "POST", Target: "/", Path: "/", Proto: "HTTP/1.0",
			Header: fieldList("Expect", "100-continue", "Content-Length", "1"), ContentLength: 1, Close: true},
		body: "x",
	},
	{
		name: "delete_patch_trace",
		in:   "PATCH /r HTTP/1.1\r\nHost: h\r\n\r\n",
		want: Request{Method: "PATCH", Target: "/r", Path: "/r", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h"), Host: "h"},
	},
	// Versions: a higher minor version of HTTP/1 is processed as HTTP/1.1
	// (RFC 9110 §2.5), with every HTTP/1.1 default.
	{
		name: "http12_as_http11_keep_alive",
		in:   "GET /x HTTP/1.2\r\nHost: h\r\n\r\n",
		want: Request{Method: "GET", Target: "/x", Path: "/x", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h"), Host: "h"},
	},
	{
		name: "http19_as_http11_chunked",
		in: "POST /up HTTP/1.9\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"3\r\nabc\r\n0\r\n\r\n",
		want: Request{Method: "POST", Target: "/up", Path: "/up", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Transfer-Encoding", "chunked"), Host: "h", ContentLength: -1, Chunked: true},
		body: "abc",
	},
	{
		name: "http15_as_http11_expect_100",
		in:   "PUT /f HTTP/1.5\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
		want: Request{Method: "PUT", Target: "/f", Path: "/f", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Expect", "100-continue", "Content-Length", "2"), Host: "h",
			ContentLength: 2, Expect100: true},
		body: "ok",
	},
	{
		name: "http12_connection_close",
		in:   "GET / HTTP/1.2\r\nHost: h\r\nConnection: close\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "Connection", "close"), Host: "h", Close: true},
	},
	{
		name: "tchar_names",
		in:   "GET / HTTP/1.1\r\nHost: h\r\n!#$%&'*+-.^_`|~09az: v\r\n\r\n",
		want: Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: fieldList("Host", "h", "!#$%&'*+-.^_`|~09az", "v"), Host: "h"},
	},
}

// badRequests are heads ReadRequest must refuse, with the sentinel it must
// return. Names of attack cases say what they smuggle.
var badRequests = []struct {
	name string
	in   string // raw bytes on the wire
	err  error  // the sentinel, for errors.Is
	lim  Limits // zero: defaults
}{
	// Framing: request smuggling.
	{name: "smuggle_cl_and_te", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrContentLengthWithTE},
	{name: "smuggle_te_and_cl", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n", err: ErrContentLengthWithTE},
	{name: "smuggle_cl_and_te_gzip", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: gzip\r\n\r\n", err: ErrContentLengthWithTE},
	{name: "cl_plus_sign", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", err: ErrBadContentLength},
	{name: "cl_minus_sign", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", err: ErrBadContentLength},
	{name: "cl_hex", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\n", err: ErrBadContentLength},
	{name: "cl_empty", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", err: ErrBadContentLength},
	{name: "cl_inner_space", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n", err: ErrBadContentLength},
	{name: "cl_list_same", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", err: ErrBadContentLength},
	{name: "cl_repeated_same", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", err: ErrBadContentLength},
	{name: "cl_repeated_differ", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n", err: ErrBadContentLength},
	{name: "cl_overflow_int63", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775808\r\n\r\n", err: ErrBadContentLength},
	{name: "cl_overflow_long", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999999\r\n\r\n", err: ErrBadContentLength},
	{name: "cl_unicode_digit", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \xd9\xa5\r\n\r\n", err: ErrBadContentLength},
	{name: "te_gzip_chunked_501", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", err: ErrUnsupportedTransferEncoding},
	{name: "te_gzip_then_chunked_fields_501", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrUnsupportedTransferEncoding},
	{name: "te_foo_501", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: foo\r\n\r\n", err: ErrUnsupportedTransferEncoding},
	{name: "te_chunked_param_501", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", err: ErrUnsupportedTransferEncoding},
	{name: "te_chunked_then_gzip", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", err: ErrBadTransferEncoding},
	{name: "te_chunked_twice", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", err: ErrBadTransferEncoding},
	{name: "te_chunked_twice_fields", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrBadTransferEncoding},
	{name: "te_on_http10", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrBadTransferEncoding},
	{name: "te_empty_list_element", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , chunked\r\n\r\n", err: ErrBadTransferEncoding},
	{name: "te_empty_list_element_fields", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n", err: ErrBadTransferEncoding},
	{name: "te_empty", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n", err: ErrBadTransferEncoding},
	{name: "te_not_token", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", err: ErrBadTransferEncoding},
	{name: "vt_before_chunked", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \x0bchunked\r\n\r\n", err: ErrBadHeader},
	{name: "ff_after_chunked", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\x0c\r\n\r\n", err: ErrBadHeader},
	{name: "te_name_space_before_colon", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n", err: ErrBadHeader},

	// Line endings.
	{name: "bare_lf_request_line", in: "GET / HTTP/1.1\nHost: h\r\n\r\n", err: ErrBadRequestLine},
	{name: "bare_lf_header", in: "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", err: ErrBadHeader},
	{name: "bare_lf_end_of_head", in: "GET / HTTP/1.1\r\nHost: h\r\n\n", err: ErrBadHeader},
	{name: "bare_lf_leading_line", in: "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadRequestLine},
	{name: "bare_cr_in_value", in: "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", err: ErrBadHeader},
	{name: "bare_cr_before_crlf", in: "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\r\n\r\n", err: ErrBadHeader},
	{name: "bare_cr_in_request_line", in: "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "bare_cr_after_version", in: "GET / HTTP/1.1\r\r\nHost: h\r\n\r\n", err: ErrBadVersion},
	{name: "too_many_empty_lines", in: strings.Repeat("\r\n", 5) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadRequestLine},

	// Field lines.
	{name: "space_before_colon", in: "GET / HTTP/1.1\r\nHost : h\r\n\r\n", err: ErrBadHeader},
	{name: "tab_before_colon", in: "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", err: ErrBadHeader},
	{name: "obs_fold", in: "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", err: ErrBadHeader},
	{name: "obs_fold_tab", in: "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n", err: ErrBadHeader},
	{name: "obs_fold_first_line", in: "GET / HTTP/1.1\r\n Host: h\r\n\r\n", err: ErrBadHeader},
	{name: "empty_field_name", in: "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", err: ErrBadHeader},
	{name: "no_colon", in: "GET / HTTP/1.1\r\nHost: h\r\nX v\r\n\r\n", err: ErrBadHeader},
	{name: "name_non_ascii", in: "GET / HTTP/1.1\r\nHost: h\r\nX\xc3\xa9: v\r\n\r\n", err: ErrBadHeader},
	{name: "name_with_slash", in: "GET / HTTP/1.1\r\nHost: h\r\nX/Y: v\r\n\r\n", err: ErrBadHeader},
	{name: "nul_in_value", in: "GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n", err: ErrBadHeader},
	{name: "del_in_value", in: "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fb\r\n\r\n", err: ErrBadHeader},
	{name: "esc_in_value", in: "GET / HTTP/1.1\r\nHost: h\r\nX: \x1b[31m\r\n\r\n", err: ErrBadHeader},

	// Host (RFC 9112 §3.2).
	{name: "missing_host", in: "GET / HTTP/1.1\r\n\r\n", err: ErrMissingHost},
	{name: "missing_host_absolute_form", in: "GET http://h/ HTTP/1.1\r\n\r\n", err: ErrMissingHost},
	{name: "two_hosts", in: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", err: ErrDuplicateHost},
	{name: "two_hosts_same", in: "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", err: ErrDuplicateHost},
	{name: "two_hosts_http10", in: "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", err: ErrDuplicateHost},
	{name: "host_with_space", in: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", err: ErrBadHost},
	{name: "host_with_slash", in: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", err: ErrBadHost},
	{name: "host_userinfo", in: "GET / HTTP/1.1\r\nHost: user@evil\r\n\r\n", err: ErrBadHost},
	{name: "host_bad_port", in: "GET / HTTP/1.1\r\nHost: h:8o\r\n\r\n", err: ErrBadHost},
	{name: "host_two_colons", in: "GET / HTTP/1.1\r\nHost: h:1:2\r\n\r\n", err: ErrBadHost},
	{name: "host_unclosed_bracket", in: "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", err: ErrBadHost},
	{name: "host_bad_percent", in: "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", err: ErrBadHost},
	{name: "host_non_ascii", in: "GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n", err: ErrBadHost},

	// Request line.
	{name: "method_lowercase_501", in: "get / HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrMethodNotImplemented},
	{name: "method_unknown_501", in: "BREW / HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrMethodNotImplemented},
	{name: "method_connect_501", in: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", err: ErrMethodNotImplemented},
	{name: "method_bad_char_400", in: "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadMethod},
	{name: "method_non_ascii_400", in: "G\xc3\x89T / HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadMethod},
	{name: "method_empty", in: " / HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadRequestLine},
	{name: "http20_505", in: "GET / HTTP/2.0\r\nHost: h\r\n\r\n", err: ErrVersionNotSupported},
	{name: "http21_505", in: "GET / HTTP/2.1\r\nHost: h\r\n\r\n", err: ErrVersionNotSupported},
	{name: "http30_505", in: "GET / HTTP/3.0\r\nHost: h\r\n\r\n", err: ErrVersionNotSupported},
	{name: "http90_505", in: "GET / HTTP/9.0\r\nHost: h\r\n\r\n", err: ErrVersionNotSupported},
	{name: "http09_version_505", in: "GET / HTTP/0.9\r\nHost: h\r\n\r\n", err: ErrVersionNotSupported},
	{name: "http01_version_505", in: "GET / HTTP/0.1\r\nHost: h\r\n\r\n", err: ErrVersionNotSupported},
	{name: "http12_missing_host", in: "GET / HTTP/1.2\r\n\r\n", err: ErrMissingHost}, // 1.2 is 1.1: Host required
	{name: "http12_smuggle_cl_and_te", in: "POST / HTTP/1.2\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrContentLengthWithTE},
	{name: "version_minor_not_digit", in: "GET / HTTP/1.x\r\nHost: h\r\n\r\n", err: ErrBadVersion},
	{name: "version_major_two_digits", in: "GET / HTTP/11.1\r\nHost: h\r\n\r\n", err: ErrBadVersion},
	{name: "version_minor_superscript", in: "GET / HTTP/1.\xc2\xb2\r\nHost: h\r\n\r\n", err: ErrBadVersion},
	{name: "http09_line", in: "GET /\r\n\r\n", err: ErrBadRequestLine},
	{name: "version_lowercase", in: "GET / http/1.1\r\nHost: h\r\n\r\n", err: ErrBadVersion},
	{name: "version_two_digits", in: "GET / HTTP/1.10\r\nHost: h\r\n\r\n", err: ErrBadVersion},
	{name: "version_missing_minor", in: "GET / HTTP/1\r\nHost: h\r\n\r\n", err: ErrBadVersion},
	{name: "version_trailing_space", in: "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", err: ErrBadRequestLine},
	{name: "double_space", in: "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadRequestLine},
	{name: "tab_separators", in: "GET\t/\tHTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadRequestLine},
	{name: "target_with_space", in: "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadRequestLine},
	{name: "target_with_fragment", in: "GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_non_ascii", in: "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_ctl", in: "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_del", in: "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_nul", in: "GET /a\x00 HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_relative", in: "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_asterisk_with_get", in: "GET * HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_authority_form_with_get", in: "GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_ftp_scheme", in: "GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_empty_authority", in: "GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_port_only_authority", in: "GET http://:80/p HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "target_userinfo", in: "GET http://user:pw@h/ HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrBadTarget},
	{name: "expect_other_417", in: "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n", err: ErrExpectation},
	{name: "expect_bad_with_smuggling", in: "POST / HTTP/1.1\r\nHost: h\r\nExpect: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n", err: ErrContentLengthWithTE},
	{name: "expect_list_417", in: "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, x\r\n\r\n", err: ErrExpectation},

	// Limits.
	{name: "request_line_too_long_414", in: "GET /" + strings.Repeat("a", 8<<10) + " HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrRequestLineTooLong},
	{name: "request_line_too_long_no_lf_414", in: "GET /" + strings.Repeat("a", 100), err: ErrRequestLineTooLong,
		lim: Limits{MaxRequestLine: 64}},
	{name: "request_line_one_over_414", in: "GET /" + strings.Repeat("a", 49) + " HTTP/1.1\r\nHost: h\r\n\r\n", err: ErrRequestLineTooLong,
		lim: Limits{MaxRequestLine: 64}}, // 65 bytes with CRLF
	{name: "too_many_headers_431", in: "GET / HTTP/1.1\r\nHost: h\r\n" + strings.Repeat("X: y\r\n", 100) + "\r\n", err: ErrTooManyHeaders},
	{name: "header_section_too_large_431", in: "GET / HTTP/1.1\r\nHost: h\r\n" + strings.Repeat("X: "+strings.Repeat("y", 1000)+"\r\n", 33) + "\r\n", err: ErrHeaderTooLarge},
	{name: "header_line_too_long_no_lf_431", in: "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("y", 200), err: ErrHeaderTooLarge,
		lim: Limits{MaxHeaderBytes: 128}},
	{name: "header_section_one_over_431", in: "GET / HTTP/1.1\r\nHost: h\r\n" + "X: " + strings.Repeat("y", 115) + "\r\n\r\n", err: ErrHeaderTooLarge,
		lim: Limits{MaxHeaderBytes: 128}}, // 9 + 120 = 129 bytes of field lines
}

// readHead parses in with a fresh Reader, reading all at once or one byte
// per Read.
func readHead(in string, lim Limits, oneByte bool) (*Request, *Reader, error) {
	var src io.Reader = strings.NewReader(in)
	if oneByte {
		src = iotest.OneByteReader(src)
	}
	rd := NewReader(src, lim)
	req := new(Request)
	err := rd.ReadRequest(req)
	return req, rd, err
}

// headOf returns the fields of req that the tables compare, with empty
// slices as nil.
func headOf(req *Request) Request {
	h := *req
	if len(h.Header) == 0 {
		h.Header = nil
	}
	if len(h.Trailer) == 0 {
		h.Trailer = nil
	}
	return h
}

func TestReadRequestGood(t *testing.T) {
	t.Parallel()
	for _, tt := range goodRequests {
		for _, oneByte := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/onebyte=%v", tt.name, oneByte), func(t *testing.T) {
				req, rd, err := readHead(tt.in, Limits{}, oneByte)
				if err != nil {
					t.Fatalf("ReadRequest: %v", err)
				}
				body, err := io.ReadAll(rd.Body(req, 0))
				if err != nil {
					t.Fatalf("reading body: %v", err)
				}
				if string(body) != tt.body {
					t.Errorf("body = %q, want %q", body, tt.body)
				}
				if got, want := headOf(req), headOf(&tt.want); !reflect.DeepEqual(got, want) {
					t.Errorf("request\n got  %+v\n want %+v", got, want)
				}
				if rd.Buffered() != 0 {
					t.Errorf("Buffered = %d after the whole request, want 0", rd.Buffered())
				}
			})
		}
	}
}

func TestReadRequestBad(t *testing.T) {
	t.Parallel()
	for _, tt := range badRequests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readHead(tt.in, tt.lim, false)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			want := StatusOf(tt.err)
			if got := StatusOf(err); got != want || got == 0 {
				t.Errorf("StatusOf = %d, want %d", got, want)
			}
			if len(err.Error()) > 200 {
				t.Errorf("error text is %d bytes, want a bounded snippet: %.80s...", len(err.Error()), err)
			}
			_, _, err1 := readHead(tt.in, tt.lim, true)
			if err1 == nil || err1.Error() != err.Error() {
				t.Errorf("one byte per read: err = %v, want %v", err1, err)
			}
		})
	}
}

// TestReadRequestNamedStatus checks the status of the cases whose name
// carries it, e.g. "te_gzip_chunked_501".
func TestReadRequestNamedStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range badRequests {
		for _, code := range []int{414, 417, 431, 501, 505} {
			if strings.HasSuffix(tt.name, fmt.Sprint("_", code)) {
				if got := StatusOf(tt.err); got != code {
					t.Errorf("%s: StatusOf(%v) = %d", tt.name, tt.err, got)
				}
			}
		}
	}
}

// TestParseVersion walks every well-formed version, "HTTP/0.0" to
// "HTTP/9.9": 1.0 is itself, 1.1 to 1.9 are processed as 1.1 (RFC 9110
// §2.5), and every other major version is not supported.
func TestParseVersion(t *testing.T) {
	t.Parallel()
	for major := byte('0'); major <= '9'; major++ {
		for minor := byte('0'); minor <= '9'; minor++ {
			v := []byte{'H', 'T', 'T', 'P', '/', major, '.', minor}
			proto, m, err := parseVersion(v)
			switch {
			case major != '1':
				if !errors.Is(err, ErrVersionNotSupported) {
					t.Errorf("parseVersion(%q) = %q, %d, %v; want ErrVersionNotSupported", v, proto, m, err)
				}
			case minor == '0':
				if proto != "HTTP/1.0" || m != 0 || err != nil {
					t.Errorf("parseVersion(%q) = %q, %d, %v; want HTTP/1.0, 0", v, proto, m, err)
				}
			default:
				if proto != "HTTP/1.1" || m != 1 || err != nil {
					t.Errorf("parseVersion(%q) = %q, %d, %v; want HTTP/1.1, 1", v, proto, m, err)
				}
			}
		}
	}
}

func TestStatusOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{io.EOF, 0},
		{io.ErrUnexpectedEOF, 0},
		{os.ErrDeadlineExceeded, 0},
		{ErrBadRequestLine, 400},
		{fmt.Errorf("%w: detail", ErrBodyTooLarge), 413},
		{ErrRequestLineTooLong, 414},
		{ErrExpectation, 417},
		{ErrHeaderTooLarge, 431},
		{ErrTooManyHeaders, 431},
		{ErrMethodNotImplemented, 501},
		{ErrUnsupportedTransferEncoding, 501},
		{ErrVersionNotSupported, 505},
		{errUnreadBody, 0},
	}
	for _, tt := range tests {
		if got := StatusOf(tt.err); got != tt.want {
			t.Errorf("StatusOf(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// TestReadRequestBoundaries checks that a head exactly at each limit is
// accepted, one byte over refused.
func TestReadRequestBoundaries(t *testing.T) {
	t.Parallel()
	lim := Limits{MaxRequestLine: 64, MaxHeaderBytes: 128, MaxHeaders: 3}
	line := "GET /" + strings.Repeat("a", 48) + " HTTP/1.1\r\n"         // 64 bytes
	fields := "Host: h\r\n" + "X: " + strings.Repeat("y", 114) + "\r\n" // 9 + 119 = 128 bytes
	if len(line) != 64 || len(fields) != 128 {
		t.Fatalf("bad test: %d, %d", len(line), len(fields))
	}
	for _, oneByte := range []bool{false, true} {
		if _, _, err := readHead(line+fields+"\r\n", lim, oneByte); err != nil {
			t.Errorf("at the limits: %v", err)
		}
		if _, _, err := readHead(line+"Host: h\r\nA: 1\r\nB: 2\r\n\r\n", lim, oneByte); err != nil {
			t.Errorf("MaxHeaders fields: %v", err)
		}
		if _, _, err := readHead(line+"Host: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", lim, oneByte); !errors.Is(err, ErrTooManyHeaders) {
			t.Errorf("MaxHeaders+1 fields: %v", err)
		}
	}
}

func TestReadRequestEOF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", io.EOF},
		{"inside_request_line", "GET / HT", io.ErrUnexpectedEOF},
		{"after_request_line", "GET / HTTP/1.1\r\n", io.ErrUnexpectedEOF},
		{"inside_field", "GET / HTTP/1.1\r\nHost: h", io.ErrUnexpectedEOF},
		{"before_final_crlf", "GET / HTTP/1.1\r\nHost: h\r\n", io.ErrUnexpectedEOF},
		{"after_empty_line", "\r\n", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			if _, _, err := readHead(tt.in, Limits{}, oneByte); err != tt.want {
				t.Errorf("%s (one byte %v): err = %v, want %v", tt.name, oneByte, err, tt.want)
			}
		}
	}
}

// TestPipelining reads requests sent back to back in one buffer: each body
// must end where it should, leaving the next head intact.
func TestPipelining(t *testing.T) {
	t.Parallel()
	in := "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" +
		"POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n" +
		"GET /c HTTP/1.1\r\nHost: h\r\n\r\n" +
		"GET /d HTTP/1.0\r\n\r\n"
	want := []struct{ target, body string }{{"/a", "hello"}, {"/b", "abc"}, {"/c", ""}, {"/d", ""}}
	for _, oneByte := range []bool{false, true} {
		var src io.Reader = strings.NewReader(in)
		if oneByte {
			src = iotest.OneByteReader(src)
		}
		rd := NewReader(src, Limits{})
		var req Request
		for i, w := range want {
			if err := rd.ReadRequest(&req); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			body, err := io.ReadAll(rd.Body(&req, 0))
			if err != nil || req.Target != w.target || string(body) != w.body {
				t.Errorf("request %d: %s %q %v, want %s %q", i, req.Target, body, err, w.target, w.body)
			}
		}
		if err := rd.ReadRequest(&req); err != io.EOF {
			t.Errorf("after the last request: %v, want io.EOF", err)
		}
	}
}

// TestUnreadBody checks that a body left unread is not parseResult as the next
// request.
func TestUnreadBody(t *testing.T) {
	t.Parallel()
	smuggled := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	in := fmt.Sprintf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s", len(smuggled), smuggled)
	rd := NewReader(strings.NewReader(in), Limits{})
	var req Request
	if err := rd.ReadRequest(&req); err != nil {
		t.Fatal(err)
	}
	if err := rd.ReadRequest(&req); err != errUnreadBody {
		t.Fatalf("second ReadRequest = %v, want errUnreadBody", err)
	}
	if !rd.Body(&req, 0).Discard(100) {
		t.Fatal("Discard = false")
	}
	if err := rd.ReadRequest(&req); err != io.EOF {
		t.Fatalf("after Discard: %v, want io.EOF", err)
	}
}

// TestRequestReuse checks that a Request is fully reset between requests.
func TestRequestReuse(t *testing.T) {
	t.Parallel()
	in := "POST http://a/x?q HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx" +
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
	rd := NewReader(strings.NewReader(in), Limits{})
	var req Request
	if err := rd.ReadRequest(&req); err != nil {
		t.Fatal(err)
	}
	if !rd.Body(&req, 0).Discard(10) {
		t.Fatal("Discard = false")
	}
	if err := rd.ReadRequest(&req); err != nil {
		t.Fatal(err)
	}
	want := Request{Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.1", Minor: 1, Header: fieldList("Host", "h"), Host: "h"}
	if got := headOf(&req); !reflect.DeepEqual(got, want) {
		t.Errorf("second request\n got  %+v\n want %+v", got, want)
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	req := Request{Header: fieldList("Host", "h", "X-A", "1", "x-a", "2", "K", "kelvin")}
	tests := []struct{ name, want string }{
		{"host", "h"},
		{"X-a", "1"},
		{"x-b", ""},
		{"\u212a", ""}, // Kelvin sign: no Unicode folding
		{"k", "kelvin"},
	}
	for _, tt := range tests {
		if got := req.Get(tt.name); got != tt.want {
			t.Errorf("Get(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// scriptReader returns its chunks one per Read, then err (io.EOF if nil).
type scriptReader struct {
	chunks []string
	err    error
}

func (s *scriptReader) Read(p []byte) (int, error) {
	if len(s.chunks) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		return 0, io.EOF
	}
	n := copy(p, s.chunks[0])
	s.chunks[0] = s.chunks[0][n:]
	if s.chunks[0] == "" {
		s.chunks = s.chunks[1:]
	}
	return n, nil
}

// deadlineError is what a net.Conn returns when its read deadline passes.
type deadlineError struct{}

func (deadlineError) Error() string   { return "i/o timeout" }
func (deadlineError) Timeout() bool   { return true }
func (deadlineError) Temporary() bool { return true }
func (deadlineError) Unwrap() error   { return os.ErrDeadlineExceeded }

// TestStartedAndTimeout checks what the connection loop relies on at a read
// timeout: the error passes through, and Started tells a stalled head (408)
// from an idle connection (silent close).
func TestStartedAndTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		chunks  []string
		started bool
	}{
		{"idle", nil, false},
		{"partial_request_line", []string{"GET /"}, true},
		{"partial_headers", []string{"GET / HTTP/1.1\r\nHost: h\r\n"}, true},
		{"empty_line_only", []string{"\r\n"}, true},
	}
	for _, tt := range tests {
		rd := NewReader(&scriptReader{chunks: tt.chunks, err: deadlineError{}}, Limits{})
		if rd.Started() {
			t.Errorf("%s: Started before reading", tt.name)
		}
		var req Request
		err := rd.ReadRequest(&req)
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%s: err = %v, want a deadline error", tt.name, err)
		}
		if StatusOf(err) != 0 {
			t.Errorf("%s: StatusOf(timeout) = %d", tt.name, StatusOf(err))
		}
		if rd.Started() != tt.started {
			t.Errorf("%s: Started = %v, want %v", tt.name, rd.Started(), tt.started)
		}
	}
}

// TestFillRelease checks the idle-connection cycle: Fill waits for a byte,
// Release gives the buffer back only when nothing is buffered.
func TestFillRelease(t *testing.T) {
	t.Parallel()
	src := &scriptReader{chunks: []string{"GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTT", "P/1.1\r\nHost: h\r\n\r\n"}}
	rd := NewReader(src, Limits{})
	if rd.buf != nil {
		t.Fatal("NewReader took a buffer")
	}
	if err := rd.Fill(); err != nil {
		t.Fatal(err)
	}
	if !rd.Started() || rd.Buffered() == 0 {
		t.Fatalf("after Fill: Started %v, Buffered %d", rd.Started(), rd.Buffered())
	}
	var req Request
	if err := rd.ReadRequest(&req); err != nil || req.Target != "/1" {
		t.Fatalf("first: %v %q", err, req.Target)
	}
	if rd.Buffered() != len("GET /2 HTT") {
		t.Fatalf("Buffered = %d", rd.Buffered())
	}
	rd.Release() // bytes buffered: keeps the buffer
	if rd.buf == nil {
		t.Fatal("Release dropped a buffer holding bytes")
	}
	if err := rd.Fill(); err != nil { // already buffered: no read
		t.Fatal(err)
	}
	if err := rd.ReadRequest(&req); err != nil || req.Target != "/2" {
		t.Fatalf("second: %v %q", err, req.Target)
	}
	if rd.Started() {
		t.Error("Started after a complete request with nothing buffered")
	}
	rd.Release()
	if rd.buf != nil {
		t.Fatal("Release kept the buffer of an idle connection")
	}
	if err := rd.Fill(); err != io.EOF {
		t.Fatalf("Fill at end = %v, want io.EOF", err)
	}
	rd.Release()
	rd.Reset(strings.NewReader("GET /3 HTTP/1.1\r\nHost: h\r\n\r\n"))
	if err := rd.ReadRequest(&req); err != nil || req.Target != "/3" {
		t.Fatalf("after Reset: %v %q", err, req.Target)
	}
}

// TestReadErrorWithData checks a read that returns data and an error
// together: the data is parseResult, the error comes on the next read.
func TestReadErrorWithData(t *testing.T) {
	t.Parallel()
	rd := NewReader(dataErrReader{"GET / HTTP/1.1\r\nHost: h\r\n\r\n"}, Limits{})
	var req Request
	if err := rd.ReadRequest(&req); err != nil {
		t.Fatalf("first: %v", err)
	}
	if err := rd.ReadRequest(&req); err != io.EOF {
		t.Fatalf("second: %v, want io.EOF", err)
	}
}

// dataErrReader returns all its data with io.EOF in one Read, then io.EOF.
type dataErrReader struct{ s string }

func (d dataErrReader) Read(p []byte) (int, error) {
	n := copy(p, d.s)
	return n, io.EOF
}

// TestNoProgress checks that a connection returning (0, nil) forever ends
// in io.ErrNoProgress, not a spin.
func TestNoProgress(t *testing.T) {
	t.Parallel()
	rd := NewReader(zeroReader{}, Limits{})
	var req Request
	if err := rd.ReadRequest(&req); err != io.ErrNoProgress {
		t.Fatalf("err = %v, want io.ErrNoProgress", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

// TestLinearOneByte feeds a 1 MiB field line one byte per Read: a parser
// that rescanned the buffer from the start on each read would do about
// 5*10^11 byte comparisons and not finish (CVE-2020-5236). What is checked
// is the work, not the time: at every Read the Reader has already searched
// every byte it holds for LF (scan covers them), and its buffer grew a few
// times, not once per byte.
func TestLinearOneByte(t *testing.T) {
	t.Parallel()
	const n = 1 << 20
	in := "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", n) + "\r\n\r\n"
	p := &scanProbe{src: iotest.OneByteReader(strings.NewReader(in))}
	p.rd = NewReader(p, Limits{MaxHeaderBytes: 2 << 20})
	start := time.Now()
	var req Request
	if err := p.rd.ReadRequest(&req); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d one-byte reads in %v", p.reads, time.Since(start))
	if len(req.Get("X")) != n {
		t.Fatalf("X has %d bytes", len(req.Get("X")))
	}
	if p.unscanned > 0 {
		t.Errorf("at %d of %d reads the Reader held bytes it had not searched for LF (up to %d): it rescans", p.unscanned, p.reads, p.most)
	}
	if p.grown > 32 {
		t.Errorf("the buffer was reallocated %d times for a %d-byte line; want a few (it grows by doubling)", p.grown, n)
	}
}

// scanProbe is the source of a Reader, rd, that checks at each Read that
// rd has searched all it holds, and counts rd's buffer reallocations.
type scanProbe struct {
	src       io.Reader
	rd        *Reader
	reads     int
	unscanned int // reads at which rd held bytes after r+scan
	most      int // the most such bytes
	grown     int // reads at which rd's buffer was another one than at the last
	last      *byte
}

func (p *scanProbe) Read(b []byte) (int, error) {
	p.reads++
	if held := p.rd.w - p.rd.r - p.rd.scan; held > 0 {
		p.unscanned++
		p.most = max(p.most, held)
	}
	if cap(p.rd.buf) > 0 {
		if first := &p.rd.buf[:1][0]; first != p.last {
			p.grown++
			p.last = first
		}
	}
	return p.src.Read(b)
}

// TestScanResumes checks the mechanism behind TestLinearOneByte: a partial
// line is searched for LF once, and the search resumes where it stopped.
func TestScanResumes(t *testing.T) {
	t.Parallel()
	rd := NewReader(&scriptReader{chunks: []string{"GET /aaaa", "aaaa", "aaaa"}, err: deadlineError{}}, Limits{})
	var req Request
	if err := rd.ReadRequest(&req); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal(err)
	}
	if rd.scan != len("GET /aaaaaaaaaaaa") {
		t.Errorf("scan = %d, want %d", rd.scan, len("GET /aaaaaaaaaaaa"))
	}
}

// TestInternBounded checks that the intern table stops growing at its
// bounds.
func TestInternBounded(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	for i := range 500 {
		fmt.Fprintf(&b, "GET /%d HTTP/1.1\r\nHost: h\r\nX-Big: %s\r\n\r\n", i, strings.Repeat("v", i))
	}
	rd := NewReader(&b, Limits{})
	var req Request
	for i := range 500 {
		if err := rd.ReadRequest(&req); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if len(rd.strs) > maxInternEntries || rd.strBytes > maxInternBytes {
			t.Fatalf("intern table: %d entries, %d bytes", len(rd.strs), rd.strBytes)
		}
	}
}

// replayReader returns its data again and again, as a keep-alive client
// repeating one request would.
type replayReader struct {
	data []byte
	off  int
}

func (r *replayReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.off:])
	r.off += n
	if r.off == len(r.data) {
		r.off = 0
	}
	return n, nil
}

// TestReadRequestAllocs is the allocation guard of the hot path: once a
// connection has seen a request, reading the same request again, body
// included, allocates nothing.
func TestReadRequestAllocs(t *testing.T) {
	for _, bc := range benchRequests {
		t.Run(bc.name, func(t *testing.T) {
			rd := NewReader(&replayReader{data: []byte(bc.in)}, Limits{})
			var req Request
			buf := make([]byte, 512)
			readOne := func() {
				if err := rd.ReadRequest(&req); err != nil {
					t.Fatal(err)
				}
				b := rd.Body(&req, 1<<20)
				for {
					_, err := b.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			readOne()
			if n := testing.AllocsPerRun(100, readOne); n != 0 {
				t.Errorf("%v allocations per request, want 0", n)
			}
		})
	}
}

// TestBufferGrowsAndShrinks checks that a head with a long line grows the
// buffer up to the limit, and that Release and Reset drop the grown buffer.
func TestBufferGrowsAndShrinks(t *testing.T) {
	t.Parallel()
	long := "GET / HTTP/1.1\r\nHost: h\r\nCookie: " + strings.Repeat("c", 20<<10) + "\r\n\r\n"
	rd := NewReader(strings.NewReader(long+long), Limits{})
	var req Request
	if err := rd.ReadRequest(&req); err != nil {
		t.Fatal(err)
	}
	if len(rd.buf) <= defaultBufSize || len(rd.buf) > rd.maxBuf {
		t.Fatalf("buffer of %d bytes, want between %d and %d", len(rd.buf), defaultBufSize, rd.maxBuf)
	}
	if err := rd.ReadRequest(&req); err != nil {
		t.Fatal(err)
	}
	rd.Release()
	if rd.buf != nil || rd.bufp != nil {
		t.Fatal("Release kept a buffer")
	}
	rd.Reset(strings.NewReader(long))
	if err := rd.ReadRequest(&req); err != nil {
		t.Fatal(err)
	}
	rd.Reset(strings.NewReader("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
	if rd.buf != nil {
		t.Fatal("Reset kept a grown buffer")
	}
	if err := rd.ReadRequest(&req); err != nil || len(rd.buf) != defaultBufSize {
		t.Fatalf("after Reset: %v, buffer of %d bytes", err, len(rd.buf))
	}
}
