package compress

// Encoding is a content coding of RFC 9110 §8.4.1 that this package can
// produce, or Identity for none.
type Encoding uint8

// The encodings. When a client weighs two alike, as browsers do ("gzip,
// deflate, br, zstd"), the server prefers gzip, then zstd (see
// preference).
const (
	Identity Encoding = iota // no coding: the bytes as they are
	Gzip                     // gzip (RFC 1952), "x-gzip" too
	Zstd                     // zstd (RFC 8878)
)

// preference lists the codings from the most wanted to the least: the
// tie-break of [Accepted.Pick]. gzip first, measured on the demo's pages
// (BenchmarkCompressPage, BenchmarkLevels; 2026-12-08): on a 2.4 KB page,
// the size of most, gzip 5 took less CPU than zstd 3 (11 against 14 µs in
// BenchmarkLevels' recorded run, 30 against 51 in 6 runs on a busy
// machine) and sent 1,008 bytes against 1,049; on the 27 KB market the two cost the same and
// differ by 6 bytes; the stylesheet's precompressed siblings are 1,992
// bytes (gzip -9) against 2,111 (zstd -7). At these sizes zstd's faster
// decoding saves the client nothing it would notice.
var preference = [...]Encoding{Gzip, Zstd}

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
