// Package compress codes responses in zstd or gzip, as the client's
// Accept-Encoding prefers. It knows only the gateway contract, so any
// server running gateway applications gets it by wrapping one:
//
//	app = compress.App(app, compress.Options{}) // the defaults
//
// The coding is github.com/klauspost/compress: its gzip is two to four
// times as fast as the standard library's for the same size
// (BenchmarkLevels: 56 µs against 153 µs at level 5 on a 27 KB page), and
// it has zstd, which the standard library lacks. Encoders are pooled
// (pool.go).
//
// # Negotiation
//
// [Negotiate] and [Accepted] read Accept-Encoding (RFC 9110 §12.5.3):
// q-values are honoured, a coding with q=0 is never sent, and a tie goes
// to the server's preference, gzip then zstd (measured: see preference in
// encoding.go). Identity is acceptable
// unless "identity;q=0", or "*;q=0" without an identity member, refuses
// it; a client that weighs identity above every coding gets identity. No
// field, or an empty one, gets identity. A malformed field never fails a
// request: see negotiate.go for what each fault means.
//
// # What is coded
//
// [App] codes a response when all of these hold, and sends it as it is
// otherwise:
//
//   - the client accepts zstd or gzip, as above;
//   - the status is 200-203 or an error (4xx, 5xx): never 206, whose
//     ranges are of the uncoded bytes, nor 204, 304 or a redirect;
//   - the Content-Type is compressible ([Compressible]: text/*, JSON, XML,
//     JavaScript, SVG, ...; not images, audio, video, WOFF2 fonts,
//     archives or application/octet-stream);
//   - the response has no Content-Encoding and no "Cache-Control:
//     no-transform" (either lets an application opt out of coding, say
//     for a page that reflects input beside a secret: BREACH);
//   - the body is at least Options.MinBytes (1 KiB) long, by its declared
//     Content-Length or, for a stream without one, by its first chunks,
//     which are held until that much has come. A client that refused
//     identity gets even a small body coded.
//
// Every response of a compressible type gets "Vary: Accept-Encoding",
// coded or not, 206 too. A coded response loses its Content-Length (the
// server frames it), and its strong ETag gets the coding appended
// (`"abc"` becomes `"abc-zstd"`); a weak one stays as it is. A HEAD gets
// the head a GET would get, without Content-Length. A stream is coded
// chunk by chunk: each chunk the application yields is flushed and
// reaches the client at once.
//
// # Static files
//
// Package [miniweb/server/static] uses [Accepted], [Compressible] and
// [Options.AppendEncoded] for precompressed siblings (style.css.zst,
// style.css.gz) and for files compressed on the fly and cached.
package compress
