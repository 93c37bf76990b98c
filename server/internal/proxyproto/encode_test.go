package proxyproto

import (
	"encoding/binary"
	"strconv"
)

// The encoder of the tests' oracle: it builds the headers a proxy sends,
// written from the spec apart from the parser, so that
// Parse(encode(h)) == h checks one against the other.

// encodeV1 builds a version 1 line for h: TCP4 or TCP6 as h's addresses,
// UNKNOWN when it has none (with junk after it, which the receiver must
// ignore, when junk is not "").
func encodeV1(h Header, junk string) []byte {
	if !h.Source.IsValid() {
		s := "PROXY UNKNOWN"
		if junk != "" {
			s += " " + junk
		}
		return []byte(s + "\r\n")
	}
	proto := "TCP4"
	if h.Source.Addr().Is6() {
		proto = "TCP6"
	}
	return []byte("PROXY " + proto + " " + h.Source.Addr().String() + " " + h.Destination.Addr().String() + " " +
		strconv.Itoa(int(h.Source.Port())) + " " + strconv.Itoa(int(h.Destination.Port())) + "\r\n")
}

// tlv is one TLV of a version 2 header.
type tlv struct {
	typ   byte
	value []byte
}

// encodeV2 builds a version 2 header for h: LOCAL with h.Local, else PROXY
// with TCP over AF_INET or AF_INET6 as h's addresses, or AF_UNSPEC when it
// has none; tlvs follow the addresses.
func encodeV2(h Header, tlvs []tlv) []byte {
	b := []byte(v2Sig)
	var block []byte
	switch {
	case h.Local:
		b = append(b, 0x20, 0x00)
	case !h.Source.IsValid():
		b = append(b, 0x21, 0x00)
	case h.Source.Addr().Is4():
		b = append(b, 0x21, 0x11)
		s, d := h.Source.Addr().As4(), h.Destination.Addr().As4()
		block = append(append(block, s[:]...), d[:]...)
	default:
		b = append(b, 0x21, 0x21)
		s, d := h.Source.Addr().As16(), h.Destination.Addr().As16()
		block = append(append(block, s[:]...), d[:]...)
	}
	if h.Source.IsValid() && !h.Local {
		block = binary.BigEndian.AppendUint16(block, h.Source.Port())
		block = binary.BigEndian.AppendUint16(block, h.Destination.Port())
	}
	for _, t := range tlvs {
		block = append(block, t.typ)
		block = binary.BigEndian.AppendUint16(block, uint16(len(t.value)))
		block = append(block, t.value...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(block)))
	return append(b, block...)
}
