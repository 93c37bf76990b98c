package compress

import (
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// Accept-Encoding, RFC 9110 §12.5.3:
//
//	Accept-Encoding = #( codings [ weight ] )
//	codings         = content-coding / "identity" / "*"
//	weight          = OWS ";" OWS "q=" qvalue
//	qvalue          = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
//
// The list may hold empty members (RFC 9110 §5.6.1); "q" is
// case-insensitive, as is every coding name.
//
// A malformed field never fails a request; it can only make the answer
// less compressed. A member whose weight is malformed ("gzip;q=abc",
// "zstd;q=2", "gzip;level=9") refuses the coding it names, as if it said
// q=0: we never send a coding the client did not clearly accept. The same
// fault in an "identity" or "*" member drops that member, so identity
// stays acceptable. Unknown codings ("br", "deflate") and members that
// name nothing (";;") are ignored. A coding named twice gets the lower
// weight.

// Accepted is what the Accept-Encoding fields of one request allow: the
// weight, in thousandths (q=0.5 is 500), the client gives each coding this
// package knows. The zero Accepted is a request without the field, which
// gets identity (RFC 9110 allows any coding then, but a client that says
// nothing may not decode one).
type Accepted struct {
	q     [3]int16 // weight per Encoding, where named
	star  int16    // weight of "*", where named
	named uint8    // a bit per Encoding named; bit 7 for "*"
}

const starBit = 1 << 7

// ParseAccept returns what the Accept-Encoding field value v, such as
// "gzip, zstd;q=0.9, *;q=0", allows.
func ParseAccept(v string) Accepted {
	var a Accepted
	a.Add(v)
	return a
}

// Negotiate returns the coding to send for the Accept-Encoding field value
// v among zstd and gzip: the one with the highest weight above zero, gzip
// on a tie; Identity when none is acceptable or the client weighs identity
// higher. "gzip, zstd" gives Gzip, "gzip;q=0.5, zstd" Zstd,
// "zstd;q=0" and "" Identity.
func Negotiate(v string) Encoding { return ParseAccept(v).Pick(OfferAll) }

// AcceptedOf returns what the Accept-Encoding fields of h allow, all of
// them taken as one list (RFC 9110 §5.3).
func AcceptedOf(h gateway.Fields) Accepted {
	var a Accepted
	for _, f := range h {
		if gateway.EqualFold(f.Name, "Accept-Encoding") {
			a.Add(f.Value)
		}
	}
	return a
}

// Add adds the members of one more Accept-Encoding field value v.
func (a *Accepted) Add(v string) {
	for {
		m, rest, more := strings.Cut(v, ",")
		a.addMember(m)
		if !more {
			return
		}
		v = rest
	}
}

// addMember adds one list member, "gzip;q=0.5" with its OWS.
func (a *Accepted) addMember(m string) {
	coding, weight, hasWeight := strings.Cut(trimOWS(m), ";")
	coding = trimOWS(coding)
	var bit uint8
	e := Identity
	switch {
	case gateway.EqualFold(coding, "gzip"), gateway.EqualFold(coding, "x-gzip"):
		e, bit = Gzip, 1<<Gzip
	case gateway.EqualFold(coding, "zstd"):
		e, bit = Zstd, 1<<Zstd
	case gateway.EqualFold(coding, "identity"):
		e, bit = Identity, 1<<Identity
	case coding == "*":
		bit = starBit
	default:
		return // unknown, or no coding at all
	}
	q, ok := 1000, true
	if hasWeight {
		q, ok = parseWeight(weight)
	}
	if !ok {
		if e == Identity {
			return // identity and "*": dropped, so identity stays acceptable
		}
		q = 0 // a coding: refused
	}
	w := &a.star
	if bit != starBit {
		w = &a.q[e]
	}
	if a.named&bit == 0 || int16(q) < *w {
		*w = int16(q)
	}
	a.named |= bit
}

// parseWeight parses what follows the ';' of a member, ` q=0.5`, into
// thousandths.
func parseWeight(s string) (int, bool) {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	if len(s) < 2 || s[0] != 'q' && s[0] != 'Q' || s[1] != '=' {
		return 0, false
	}
	return parseQValue(s[2:])
}

// parseQValue parses a qvalue, "0.5" or "1.000", into thousandths (500,
// 1000).
func parseQValue(s string) (int, bool) {
	if s == "" || s[0] != '0' && s[0] != '1' {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	s = s[1:]
	if s == "" {
		return q, true
	}
	if s[0] != '.' || len(s) > 4 {
		return 0, false
	}
	unit := 100
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || q == 1000 && c != '0' {
			return 0, false
		}
		q += int(c-'0') * unit
		unit /= 10
	}
	return q, true
}

// Weight returns the weight in thousandths the client gives e: its own
// member's, else that of "*", else 1000 for identity (acceptable unless
// refused, RFC 9110 §12.5.3) and 0 for a coding.
func (a Accepted) Weight(e Encoding) int {
	switch {
	case a.named&(1<<e) != 0:
		return int(a.q[e])
	case a.named&starBit != 0:
		return int(a.star)
	case e == Identity:
		return 1000
	}
	return 0
}

// IdentityRefused reports whether the client refused the uncoded bytes:
// "identity;q=0", or "*;q=0" without an identity member.
func (a Accepted) IdentityRefused() bool { return a.Weight(Identity) == 0 }

// Pick returns the coding of offer to send: the one the client weighs
// highest above zero, in the server's order of preference (gzip, zstd) on
// a tie, or Identity when none is acceptable or the client weighs identity
// higher than each. So "gzip, zstd" picks gzip, "gzip;q=0.8, zstd" zstd,
// "identity, gzip;q=0.5" identity, but "gzip;q=0.5" gzip.
func (a Accepted) Pick(offer Offer) Encoding {
	best, bestQ := Identity, 0
	for _, e := range preference {
		if w := a.Weight(e); offer.Has(e) && w > bestQ {
			best, bestQ = e, w
		}
	}
	// Identity's default weight only makes it acceptable; it competes with
	// the codings when the client weighed it, by name or by "*".
	if best != Identity && a.named&(1<<Identity|starBit) != 0 && a.Weight(Identity) > bestQ {
		return Identity
	}
	return best
}

// trimOWS trims the optional white space (SP, HTAB) of RFC 9110 §5.6.3.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
