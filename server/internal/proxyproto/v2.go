package proxyproto

import (
	"encoding/binary"
	"net/netip"
)

// Version 2 is binary (spec §2.2):
//
//	struct proxy_hdr_v2 {
//	    uint8_t sig[12];  /* \r\n\r\n\0\r\nQUIT\n */
//	    uint8_t ver_cmd;  /* version (high nibble, 2), command (LOCAL 0, PROXY 1) */
//	    uint8_t fam;      /* family (high nibble), transport (low nibble) */
//	    uint16_t len;     /* bytes that follow: addresses, then TLVs */
//	};
//
// followed by len bytes: for AF_INET (12 bytes) and AF_INET6 (36 bytes), the
// source address, the destination address, the source port and the
// destination port, in network byte order; then TLVs, each a type byte, a
// two-byte length and that many bytes of value (spec §2.2.7).
const (
	v2Sig       = "\r\n\r\n\x00\r\nQUIT\n"
	v2HeaderLen = 16

	v2Local = 0x0
	v2Proxy = 0x1

	famUnspec = 0x0
	famInet   = 0x1
	famInet6  = 0x2
	famUnix   = 0x3

	transUnspec = 0x0
	transStream = 0x1
	transDgram  = 0x2

	inetLen  = 2*4 + 2*2
	inet6Len = 2*16 + 2*2
	unixLen  = 2 * 108
)

// parseV2 parses a version 2 header at the start of b, whose first byte is
// '\r'.
func parseV2(b []byte) (Header, int, error) {
	if n := min(len(b), len(v2Sig)); string(b[:n]) != v2Sig[:n] {
		return Header{}, 0, ErrNotProxy
	}
	if len(b) < v2HeaderLen {
		return Header{}, 0, ErrNeedMore
	}
	verCmd, fam := b[12], b[13]
	total := v2HeaderLen + int(binary.BigEndian.Uint16(b[14:16]))
	if verCmd>>4 != 2 {
		return Header{}, 0, invalid("v2: version not 2", b[:v2HeaderLen])
	}
	cmd := verCmd & 0xf
	if cmd != v2Local && cmd != v2Proxy {
		return Header{}, 0, invalid("v2: command neither LOCAL nor PROXY", b[:v2HeaderLen])
	}
	if total > MaxLen {
		return Header{}, 0, invalid("v2: longer than 4096 bytes", b[:v2HeaderLen])
	}
	if len(b) < total {
		return Header{}, 0, ErrNeedMore
	}
	h := Header{Version: 2}
	if cmd == v2Local {
		// "The receiver must accept this connection as valid and must use
		// the real connection endpoints and discard the protocol block
		// including the family which is ignored."
		h.Local = true
		return h, total, nil
	}
	block := b[v2HeaderLen:total]
	family, trans := fam>>4, fam&0xf
	if family > famUnix || trans > transDgram {
		return Header{}, 0, invalid("v2: unknown family or transport", b[:v2HeaderLen])
	}
	need := [...]int{famUnspec: 0, famInet: inetLen, famInet6: inet6Len, famUnix: unixLen}[family]
	if len(block) < need {
		return Header{}, 0, invalid("v2: address block shorter than its family needs", b[:v2HeaderLen])
	}
	if (family != famInet && family != famInet6) || trans != transStream {
		// AF_UNSPEC, AF_UNIX, datagrams: "A receiver is not required to
		// implement other ones, provided that it automatically falls back
		// to the UNSPEC mode", where the real endpoints stand.
		return h, total, nil
	}
	var src, dst netip.Addr
	if family == famInet {
		src = netip.AddrFrom4([4]byte(block[0:4]))
		dst = netip.AddrFrom4([4]byte(block[4:8]))
	} else {
		src = netip.AddrFrom16([16]byte(block[0:16]))
		dst = netip.AddrFrom16([16]byte(block[16:32]))
	}
	ports := block[need-4 : need]
	h.Source = netip.AddrPortFrom(src, binary.BigEndian.Uint16(ports[0:2]))
	h.Destination = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(ports[2:4]))
	if !tlvsTile(block[need:]) {
		return Header{}, 0, invalid("v2: TLVs do not fit the address block", b[:v2HeaderLen])
	}
	return h, total, nil
}

// tlvsTile reports whether b is a sequence of whole TLVs: type (1 byte),
// length (2 bytes, network order), value. Their contents are not used.
func tlvsTile(b []byte) bool {
	for len(b) > 0 {
		if len(b) < 3 {
			return false
		}
		n := 3 + int(binary.BigEndian.Uint16(b[1:3]))
		if n > len(b) {
			return false
		}
		b = b[n:]
	}
	return true
}
