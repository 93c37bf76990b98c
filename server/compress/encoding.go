package compress

// Encoding is a content coding of RFC 9110 §8.4.1 that this package can
// produce, or Identity for none.
type Encoding uint8

// The encodings, in the server's order of preference when a client weighs
// two alike: zstd first (smaller and faster to decode than gzip at the
// same speed), then gzip.
const (
	Identity Encoding = iota // no coding: the bytes as they are
	Gzip                     // gzip (RFC 1952), "x-gzip" too
	Zstd                     // zstd (RFC 8878)
)

// preference lists the codings from the most wanted to the least: the
// tie-break of [Accepted.Pick].
var preference = [...]Encoding{Zstd, Gzip}

// String returns the encoding's content-coding token, as sent in
// Content-Encoding: "identity", "gzip" or "zstd".
func (e Encoding) String() string {
	switch e {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	}
	return "identity"
}

// Offer is a set of encodings a server can send, one bit per [Encoding]:
// Offer(0).With(Gzip) offers gzip alone. Identity is always available and
// needs no bit.
type Offer uint8

// OfferAll offers every coding the package produces.
const OfferAll = Offer(1<<Gzip | 1<<Zstd)

// With returns o with e added.
func (o Offer) With(e Encoding) Offer { return o | 1<<e }

// Has reports whether o holds e.
func (o Offer) Has(e Encoding) bool { return o&(1<<e) != 0 }

// etagSuffix returns what a strong ETag of a representation coded in e
// ends with inside its quotes: "-gzip", "-zstd".
func (e Encoding) etagSuffix() string {
	switch e {
	case Gzip:
		return "-gzip"
	case Zstd:
		return "-zstd"
	}
	return ""
}

// VariantETag returns the entity-tag of the representation coded in e of
// the one tagged etag: a strong `"abc"` becomes `"abc-zstd"`, so a cache
// or a Range request never mixes the coded bytes with the plain ones
// (RFC 9110 §8.8.3). A weak tag, which only promises equivalent content,
// is kept as it is; so are Identity and a malformed tag.
func VariantETag(etag string, e Encoding) string {
	if e == Identity || len(etag) < 2 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		return etag
	}
	return etag[:len(etag)-1] + e.etagSuffix() + `"`
}
