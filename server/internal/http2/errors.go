package http2

import (
	"errors"
	"strconv"
)

// ErrCode is an HTTP/2 error code, carried by RST_STREAM and GOAWAY frames
// (RFC 9113 §7).
type ErrCode uint32

// The error codes of RFC 9113 §7.
const (
	ErrCodeNo                 ErrCode = 0x0
	ErrCodeProtocol           ErrCode = 0x1
	ErrCodeInternal           ErrCode = 0x2
	ErrCodeFlowControl        ErrCode = 0x3
	ErrCodeSettingsTimeout    ErrCode = 0x4
	ErrCodeStreamClosed       ErrCode = 0x5
	ErrCodeFrameSize          ErrCode = 0x6
	ErrCodeRefusedStream      ErrCode = 0x7
	ErrCodeCancel             ErrCode = 0x8
	ErrCodeCompression        ErrCode = 0x9
	ErrCodeConnect            ErrCode = 0xa
	ErrCodeEnhanceYourCalm    ErrCode = 0xb
	ErrCodeInadequateSecurity ErrCode = 0xc
	ErrCodeHTTP11Required     ErrCode = 0xd
)

var errCodeNames = [...]string{
	"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
	"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM",
	"CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
	"INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
}

// String returns the code's name in RFC 9113, such as "PROTOCOL_ERROR", or
// "ERR_CODE_0x2a" for a code the RFC does not define.
func (e ErrCode) String() string {
	if int(e) < len(errCodeNames) {
		return errCodeNames[e]
	}
	return "ERR_CODE_0x" + strconv.FormatUint(uint64(e), 16)
}

// ConnError is a connection error (RFC 9113 §5.4.1): the connection ends
// with a GOAWAY frame carrying Code. Reason is for logs only.
type ConnError struct {
	Code   ErrCode
	Reason string
}

// Error returns "http2: connection error PROTOCOL_ERROR: reason".
func (e ConnError) Error() string {
	return "http2: connection error " + e.Code.String() + ": " + e.Reason
}

// StreamError is a stream error (RFC 9113 §5.4.2): the stream ends with a
// RST_STREAM frame carrying Code, and the connection goes on. Reason is for
// logs only.
type StreamError struct {
	StreamID uint32
	Code     ErrCode
	Reason   string
}

// Error returns "http2: stream 3 error PROTOCOL_ERROR: reason".
func (e StreamError) Error() string {
	return "http2: stream " + strconv.FormatUint(uint64(e.StreamID), 10) + " error " + e.Code.String() + ": " + e.Reason
}

// Errors the response side of a Stream returns; test for them with
// errors.Is.
var (
	// ErrStreamClosed means the stream is gone: reset by the client, reset
	// by Abort, or its connection closed. Nothing more can be written.
	ErrStreamClosed = errors.New("http2: stream closed")
	// ErrContentLength means a write went past the content length given to
	// WriteHeader, or the handler ended short of it; the stream was reset
	// so that the response never looks complete.
	ErrContentLength = errors.New("http2: response body does not match its content length")
	// ErrHeaderWritten means WriteHeader was called twice.
	ErrHeaderWritten = errors.New("http2: response header already written")
	// ErrTrailersTooLate means SetTrailers came after the stream had
	// ended (the last byte of a known content length ends it).
	ErrTrailersTooLate = errors.New("http2: trailers set after the response ended")
	// ErrBadStatus means WriteHeader got a status outside 200-599 (and
	// not 103).
	ErrBadStatus = errors.New("http2: response status out of range")
	// ErrBadPreface means the connection did not start with the HTTP/2
	// client preface (RFC 9113 §3.4).
	ErrBadPreface = errors.New("http2: bad connection preface")
)
