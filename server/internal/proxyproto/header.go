package proxyproto

import (
	"errors"
	"fmt"
	"net/netip"
)

// Errors of Parse. A malformed header is ErrInvalid wrapped with what was
// wrong and a short quoted snippet of the input, for a log line.
var (
	// ErrNeedMore means the bytes are the start of a header that is not
	// whole yet: read more and parse again.
	ErrNeedMore = errors.New("proxyproto: need more bytes")
	// ErrNotProxy means the bytes start with neither signature: the peer
	// speaks something else, such as a plain HTTP request.
	ErrNotProxy = errors.New("proxyproto: no PROXY protocol signature")
	// ErrInvalid means a header that breaks the spec; the spec says to
	// abort the connection.
	ErrInvalid = errors.New("proxyproto: malformed header")
)

// MaxLen is the longest header Parse accepts, in bytes: a version 1 line is
// at most 107, and a version 2 header whose TLVs would take it past MaxLen is
// refused (ErrInvalid), so that a peer cannot make a connection buffer up to
// the 64 KiB the length field allows. Address blocks and the TLVs balancers
// send (AWS, GCP, Azure link identifiers, HAProxy's SSL ones) take a few
// hundred bytes.
const MaxLen = 4096

// Header is what a PROXY protocol header says of the relayed connection.
type Header struct {
	// Version is 1 or 2.
	Version int
	// Local reports version 2's LOCAL command: the proxy opened the
	// connection itself (a health check), so the connection's own
	// endpoints stand.
	Local bool
	// Source is the relayed client's address and Destination the address
	// it connected to. Both are the zero netip.AddrPort (not IsValid) when
	// the header gives no address to use: version 1's UNKNOWN, version 2's
	// LOCAL, and version 2's AF_UNSPEC, AF_UNIX and datagram transports;
	// the connection's own endpoints then stand.
	Source, Destination netip.AddrPort
}

// Parse parses the PROXY protocol header at the start of b and returns it
// and its length in bytes; what follows it in b is not looked at. It
// returns ErrNeedMore when b is a proper prefix of a header that could
// still be valid (every prefix of a valid header is), ErrNotProxy when b
// starts with neither signature, and an error wrapping ErrInvalid for
// anything else.
func Parse(b []byte) (Header, int, error) {
	if len(b) == 0 {
		return Header{}, 0, ErrNeedMore
	}
	switch b[0] {
	case v1Prefix[0]:
		return parseV1(b)
	case v2Sig[0]:
		return parseV2(b)
	}
	return Header{}, 0, ErrNotProxy
}

// invalid returns ErrInvalid with what and a quoted snippet of b.
func invalid(what string, b []byte) error {
	const max = 32
	if len(b) > max {
		return fmt.Errorf("%w: %s: %q...", ErrInvalid, what, b[:max])
	}
	return fmt.Errorf("%w: %s: %q", ErrInvalid, what, b)
}
