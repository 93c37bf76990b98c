package session

import (
	"encoding/binary"
	"errors"
	"math/bits"
)

// The payload is what a cookie encrypts: the issue time, then the values,
// then the flashes, in a compact binary form rather than JSON, which
// would cost a third more bytes of the 4 kB and reflection on every
// request:
//
//	payload = varint(issued Unix seconds)
//	          uvarint(n) n*(string key, string value)
//	          uvarint(m) m*(string kind, string message)
//	string  = uvarint(len) bytes
//
// varint and uvarint are encoding/binary's. Nothing may follow the last
// flash.

// errPayload is the reason for a payload that will not parse; Decode wraps
// it in ErrInvalid. It can only happen with a secret shared with other
// software or a bug, since the payload is authenticated.
var errPayload = errors.New("malformed payload")

// payloadSize returns the size in bytes of the payload of s issued at
// Unix second issued.
func payloadSize(s *Session, issued int64) int {
	n := varintLen(issued) + uvarintLen(uint64(len(s.values)))
	for _, p := range s.values {
		n += stringLen(p.key) + stringLen(p.value)
	}
	n += uvarintLen(uint64(len(s.flashes)))
	for _, f := range s.flashes {
		n += stringLen(f.Kind) + stringLen(f.Message)
	}
	return n
}

// appendPayload appends the payload of s issued at Unix second issued to
// b.
func appendPayload(b []byte, s *Session, issued int64) []byte {
	b = binary.AppendVarint(b, issued)
	b = binary.AppendUvarint(b, uint64(len(s.values)))
	for _, p := range s.values {
		b = appendString(b, p.key)
		b = appendString(b, p.value)
	}
	b = binary.AppendUvarint(b, uint64(len(s.flashes)))
	for _, f := range s.flashes {
		b = appendString(b, f.Kind)
		b = appendString(b, f.Message)
	}
	return b
}

// parsePayload parses a payload into a Session that is not modified.
func parsePayload(p string) (*Session, error) {
	s := new(Session)
	if err := decodePayload(s, p); err != nil {
		return nil, err
	}
	return s, nil
}

// decodePayload parses a payload into *s, which it replaces with a Session
// that is not modified; on an error *s is left half set. The keys and
// values of the session are substrings of p, so a Decode makes one string
// for them all.
func decodePayload(s *Session, p string) error {
	d := decoder{rest: p}
	ux := d.uvarint()
	issued := int64(ux >> 1)
	if ux&1 != 0 {
		issued = ^issued
	}
	*s = Session{issued: issued}
	// Every entry takes two bytes at least, so a count larger than half of
	// what is left is a lie: refuse it before allocating for it.
	if n := d.count(); n > 0 {
		s.values = make([]pair, n)
		for i := range s.values {
			s.values[i] = pair{d.string(), d.string()}
		}
	}
	if n := d.count(); n > 0 {
		s.flashes = make([]Flash, n)
		for i := range s.flashes {
			s.flashes[i] = Flash{Kind: d.string(), Message: d.string()}
		}
	}
	if d.bad || d.rest != "" {
		return errPayload
	}
	return nil
}

// decoder reads a payload from the front of rest. After the first error
// it sets bad and returns zero values, so a parse checks once at the end.
type decoder struct {
	rest string
	bad  bool
}

// uvarint reads an unsigned varint as binary.Uvarint does, refusing one
// that overflows 64 bits or runs past the end.
func (d *decoder) uvarint() uint64 {
	var x uint64
	var shift uint
	for i := 0; i < len(d.rest); i++ {
		c := d.rest[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			break // overflow
		}
		if c < 0x80 {
			d.rest = d.rest[i+1:]
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.bad = true
	d.rest = ""
	return 0
}

// count reads the number of entries of a list whose entries take two bytes
// at least.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.rest)/2) {
		d.bad = true
		d.rest = ""
		return 0
	}
	return int(n)
}

// string reads a length-prefixed string.
func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.rest)) {
		d.bad = true
		d.rest = ""
		return ""
	}
	s := d.rest[:n]
	d.rest = d.rest[n:]
	return s
}

// appendString appends s with its length in front.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// stringLen returns the size of s in the payload.
func stringLen(s string) int { return uvarintLen(uint64(len(s))) + len(s) }

// uvarintLen returns the size of x as a uvarint.
func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

// varintLen returns the size of x as a varint (zigzag encoded).
func varintLen(x int64) int {
	ux := uint64(x) << 1
	if x < 0 {
		ux = ^ux
	}
	return uvarintLen(ux)
}
