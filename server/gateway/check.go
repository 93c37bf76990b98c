package gateway

import (
	"errors"
	"fmt"
)

// Errors of the contract. Servers and
// [miniweb/server/gateway/gatewaytest.Record] return them, wrapped with the
// offending value (quoted, and cut short when long).
var (
	// ErrStatus is a status that is not three digits 200-599 optionally
	// followed by a space and a reason phrase.
	ErrStatus = errors.New("gateway: malformed status")
	// ErrHeaderName is a header name that is not an RFC 9110 token.
	ErrHeaderName = errors.New("gateway: invalid header name")
	// ErrHeaderValue is a header value holding CR, LF, NUL or another
	// control character, or a Content-Length that is not digits.
	ErrHeaderValue = errors.New("gateway: invalid header value")
	// ErrHopByHop is a hop-by-hop header field, which only the server sets.
	ErrHopByHop = errors.New("gateway: hop-by-hop header set by application")
	// ErrAlreadyStarted is a second call to start_response.
	ErrAlreadyStarted = errors.New("gateway: start_response called twice")
	// ErrNotStarted is a response whose application returned (or yielded
	// its first chunk) without calling start_response.
	ErrNotStarted = errors.New("gateway: application did not call start_response")
)

// CheckStatus parses a start_response status such as "404 Not Found" and
// returns its code. The grammar is RFC 9112 §4 without the version:
//
//	status = 3DIGIT [ SP reason-phrase ]
//	reason-phrase = *( HTAB / SP / VCHAR / obs-text )
//
// Codes below 200 are refused: interim responses are the server's.
func CheckStatus(status string) (int, error) {
	if len(status) < 3 || (len(status) > 3 && status[3] != ' ') {
		return 0, fmt.Errorf("%w: %q", ErrStatus, snippet(status))
	}
	code := 0
	for i := 0; i < 3; i++ {
		c := status[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q", ErrStatus, snippet(status))
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || code > 599 {
		return 0, fmt.Errorf("%w: code %d out of range 200-599", ErrStatus, code)
	}
	for i := 4; i < len(status); i++ {
		if c := status[i]; c != '\t' && (c < ' ' || c == 0x7f) {
			return 0, fmt.Errorf("%w: control character in reason %q", ErrStatus, snippet(status))
		}
	}
	return code, nil
}

// CheckHeader reports whether f may be sent as a response header field:
// its name is a token (RFC 9110 §5.1), its value holds no control character
// but HTAB (RFC 9110 §5.5), it is not hop-by-hop (RFC 9110 §7.6.1), and a
// Content-Length is 1*DIGIT.
func CheckHeader(f Field) error {
	if !IsToken(f.Name) {
		return fmt.Errorf("%w: %q", ErrHeaderName, snippet(f.Name))
	}
	for i := 0; i < len(f.Value); i++ {
		if c := f.Value[i]; c != '\t' && (c < ' ' || c == 0x7f) {
			return fmt.Errorf("%w: control character 0x%02x in %s", ErrHeaderValue, c, f.Name)
		}
	}
	if IsHopByHop(f.Name) {
		return fmt.Errorf("%w: %s", ErrHopByHop, f.Name)
	}
	if EqualFold(f.Name, "Content-Length") && !isDigits(f.Value) {
		return fmt.Errorf("%w: Content-Length %q", ErrHeaderValue, snippet(f.Value))
	}
	return nil
}

var hopByHop = [...]string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Upgrade"}

// IsHopByHop reports whether name is a hop-by-hop header field (RFC 9110
// §7.6.1), which only the server sets: Connection, Keep-Alive,
// Proxy-Connection, Transfer-Encoding, TE, Trailer or Upgrade, in any case.
func IsHopByHop(name string) bool {
	for _, h := range hopByHop {
		if EqualFold(name, h) {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// snippet cuts s to a length fit for an error message.
func snippet(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}
