package http1

import (
	"errors"
	"fmt"
	"strconv"
)

// Protocol errors. ReadRequest and Body.Read return them, sometimes wrapped
// with a short detail (at most 32 quoted request bytes); test for them with
// errors.Is and map them to a response status with StatusOf. The detail is
// for logs only: what the client sees should be the fixed status text, so
// that we never echo request bytes back.
var (
	// ErrRequestLineTooLong means the request line exceeded
	// Limits.MaxRequestLine (414, RFC 9112 §3).
	ErrRequestLineTooLong = errors.New("http1: request line too long")
	// ErrHeaderTooLarge means the header section, or a chunked trailer
	// section, exceeded Limits.MaxHeaderBytes (431, RFC 6585 §5).
	ErrHeaderTooLarge = errors.New("http1: request header too large")
	// ErrTooManyHeaders means the header or trailer section had more than
	// Limits.MaxHeaders field lines (431, RFC 6585 §5).
	ErrTooManyHeaders = errors.New("http1: too many header fields")
	// ErrBadRequestLine means the request line is not
	// method SP request-target SP HTTP-version CRLF (400, RFC 9112 §3),
	// including a bare LF, extra spaces and too many leading empty lines.
	ErrBadRequestLine = errors.New("http1: malformed request line")
	// ErrBadMethod means the method is not a token (400, RFC 9112 §3.1).
	ErrBadMethod = errors.New("http1: malformed method")
	// ErrMethodNotImplemented means the method is a token but not one of
	// GET HEAD POST PUT DELETE OPTIONS TRACE PATCH (501, RFC 9110 §9.1).
	// CONNECT is among them: this server is not a proxy.
	ErrMethodNotImplemented = errors.New("http1: method not implemented")
	// ErrBadTarget means the request-target has a forbidden byte or a form
	// not allowed with the method (400, RFC 9112 §3.2).
	ErrBadTarget = errors.New("http1: malformed request target")
	// ErrBadVersion means the HTTP-version is not "HTTP/" DIGIT "." DIGIT
	// (400, RFC 9112 §2.3).
	ErrBadVersion = errors.New("http1: malformed HTTP version")
	// ErrVersionNotSupported means a well-formed version whose major
	// version is not 1, such as HTTP/2.0 or HTTP/0.9 (505, RFC 9110
	// §15.6.6); HTTP/1.2 to HTTP/1.9 are served as HTTP/1.1 (RFC 9110 §2.5).
	ErrVersionNotSupported = errors.New("http1: HTTP version not supported")
	// ErrBadHeader means a malformed field line: a name that is not a token,
	// whitespace before the colon, obs-fold, a control character in the
	// value, or a bare LF (400, RFC 9112 §5).
	ErrBadHeader = errors.New("http1: malformed header field")
	// ErrMissingHost means an HTTP/1.1 request without a Host field
	// (400, RFC 9112 §3.2).
	ErrMissingHost = errors.New("http1: missing Host header")
	// ErrDuplicateHost means more than one Host field line
	// (400, RFC 9112 §3.2).
	ErrDuplicateHost = errors.New("http1: duplicate Host header")
	// ErrBadHost means a Host value, or the authority of an absolute-form
	// target, that is not uri-host [ ":" port ] (400, RFC 9112 §3.2).
	ErrBadHost = errors.New("http1: malformed Host header")
	// ErrBadContentLength means a Content-Length that is not 1*DIGIT within
	// int63, or more than one Content-Length (400, RFC 9112 §6.3).
	ErrBadContentLength = errors.New("http1: malformed Content-Length")
	// ErrContentLengthWithTE means both Content-Length and
	// Transfer-Encoding were sent, a request smuggling signature
	// (400, RFC 9112 §6.3 and §11.2).
	ErrContentLengthWithTE = errors.New("http1: Content-Length with Transfer-Encoding")
	// ErrBadTransferEncoding means chunked is not the final coding, appears
	// twice, the list is malformed, or Transfer-Encoding came with HTTP/1.0
	// (400, RFC 9112 §6.1 and §6.3).
	ErrBadTransferEncoding = errors.New("http1: malformed Transfer-Encoding")
	// ErrUnsupportedTransferEncoding means a transfer coding other than
	// chunked, such as gzip (501, RFC 9112 §6.1).
	ErrUnsupportedTransferEncoding = errors.New("http1: unsupported transfer coding")
	// ErrBadChunk means a malformed chunked body: a bad chunk-size or
	// chunk-ext, too many extension bytes, a missing CRLF after chunk data,
	// or a bare LF (400, RFC 9112 §7.1).
	ErrBadChunk = errors.New("http1: malformed chunked body")
	// ErrBodyTooLarge means the body is longer than the caller's maxBody
	// (413, RFC 9110 §15.5.14).
	ErrBodyTooLarge = errors.New("http1: request body too large")
	// ErrExpectation means an Expect field other than "100-continue"
	// (417, RFC 9110 §10.1.1).
	ErrExpectation = errors.New("http1: unsupported expectation")
)

// errUnreadBody is returned by ReadRequest when the body of the previous
// request was not read to its end: its bytes would otherwise be parsed as
// the next request. It is a caller bug, not a protocol error.
var errUnreadBody = errors.New("http1: previous request body not read to its end")

// statuses maps each protocol error to its response status.
var statuses = [...]struct {
	err    error
	status int
}{
	{ErrRequestLineTooLong, 414},
	{ErrHeaderTooLarge, 431},
	{ErrTooManyHeaders, 431},
	{ErrBadRequestLine, 400},
	{ErrBadMethod, 400},
	{ErrMethodNotImplemented, 501},
	{ErrBadTarget, 400},
	{ErrBadVersion, 400},
	{ErrVersionNotSupported, 505},
	{ErrBadHeader, 400},
	{ErrMissingHost, 400},
	{ErrDuplicateHost, 400},
	{ErrBadHost, 400},
	{ErrBadContentLength, 400},
	{ErrContentLengthWithTE, 400},
	{ErrBadTransferEncoding, 400},
	{ErrUnsupportedTransferEncoding, 501},
	{ErrBadChunk, 400},
	{ErrBodyTooLarge, 413},
	{ErrExpectation, 417},
}

// StatusOf returns the HTTP status code a protocol error maps to: 400, 413,
// 414, 417, 431, 501 or 505. It returns 0 for nil and for errors that are
// not protocol errors (io.EOF, io.ErrUnexpectedEOF, network errors), after
// which the connection should be closed without a response.
func StatusOf(err error) int {
	if err == nil {
		return 0
	}
	for _, s := range statuses {
		if errors.Is(err, s.err) {
			return s.status
		}
	}
	return 0
}

// wrap returns sentinel with a detail that quotes at most 32 bytes of b.
func wrap(sentinel error, what string, b []byte) error {
	return fmt.Errorf("%w: %s %s", sentinel, what, snippet(b))
}

// detail returns sentinel with a fixed detail.
func detail(sentinel error, what string) error {
	return fmt.Errorf("%w: %s", sentinel, what)
}

// quote returns b as a Go string literal.
func quote(b []byte) string { return strconv.Quote(string(b)) }
