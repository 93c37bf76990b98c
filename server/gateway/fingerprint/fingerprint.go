// Package fingerprint is the naming rule of content-hashed static URLs,
// shared by the application that writes them into pages and the server
// that serves them: "style.css" whose content hashes to 3f9a1c2e0b4d... is
// "style.3f9a1c2e0b4d.css". It imports only the standard library, so the
// framework and the static handler can both use it without knowing of
// each other (it is a convention of the contract between them, as the
// dynamic suffix is).
//
//	sum := fingerprint.Sum(content)                 // "3f9a1c2e0b4d"
//	url := fingerprint.Format("css/site.css", sum)  // "css/site.3f9a1c2e0b4d.css"
//	name, sum, ok := fingerprint.Parse(url)         // "css/site.css", "3f9a1c2e0b4d", true
//
// A fingerprinted URL never changes content, so a server may let it be
// cached for a year ("Cache-Control: public, max-age=31536000, immutable").
package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
)

// Len is the length of a fingerprint in hex digits: the first 48 bits of
// the SHA-256 of the content. Only two versions of the same file are ever
// compared, so 48 bits make a collision (a stale file served as immutable)
// negligible even over millions of deploys, while the URL stays short.
const Len = 12

// Sum returns the fingerprint of content: Len lowercase hex digits.
func Sum(content []byte) string {
	h := sha256.Sum256(content)
	return hex.EncodeToString(h[:Len/2])
}

// SumReader returns the fingerprint of what r yields, as Sum, reading it
// to the end; the error is r's.
func SumReader(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:Len/2]), nil
}

// Format returns name with the fingerprint sum inserted before the
// extension of its last segment: "css/site.css" gives
// "css/site.<sum>.css", "LICENSE" gives "LICENSE.<sum>", and
// "app.min.js" gives "app.min.<sum>.js".
func Format(name, sum string) string {
	slash := strings.LastIndexByte(name, '/')
	dot := strings.LastIndexByte(name, '.')
	if dot <= slash+1 { // no extension, or a name such as ".well-known"
		return name + "." + sum
	}
	return name[:dot] + "." + sum + name[dot:]
}

// Parse is the inverse of Format: it returns the name and fingerprint of a
// fingerprinted name, ok false when name has no fingerprint. The
// fingerprint is the Len lowercase hex digits between the last two dots of
// the last segment ("site.3f9a1c2e0b4d.css"), or after its last dot when
// nothing follows ("LICENSE.3f9a1c2e0b4d"), and what is left of the
// segment must not be empty. A file may be called so for real
// ("jquery.0123456789ab.js"): a server tries the name as given when the
// file the fingerprint names does not match.
func Parse(name string) (plain, sum string, ok bool) {
	slash := strings.LastIndexByte(name, '/')
	seg := name[slash+1:]
	last := strings.LastIndexByte(seg, '.')
	if last < 0 {
		return "", "", false
	}
	// "site.<sum>.css": the sum between the last two dots.
	if prev := strings.LastIndexByte(seg[:last], '.'); prev > 0 && isSum(seg[prev+1:last]) {
		return name[:slash+1] + seg[:prev] + seg[last:], seg[prev+1 : last], true
	}
	// "LICENSE.<sum>": the sum at the end, of a name with no extension
	// (else Format would have put the sum before it).
	if last > 0 && strings.LastIndexByte(seg[:last], '.') <= 0 && isSum(seg[last+1:]) {
		return name[:slash+1] + seg[:last], seg[last+1:], true
	}
	return "", "", false
}

// isSum reports whether s has the shape of a fingerprint: Len lowercase
// hex digits.
func isSum(s string) bool {
	if len(s) != Len {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
