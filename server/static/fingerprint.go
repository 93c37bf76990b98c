package static

import (
	"io"

	"github.com/miniweb/miniweb/server/gateway/fingerprint"
)

// Fingerprinted URLs
//
// A path whose last segment carries a fingerprint (package
// fingerprint: "/css/site.3f9a1c2e0b4d.css") names the file without it
// ("/css/site.css") in the version whose content has that fingerprint. If
// the file exists and its fingerprint matches, it is served as usual
// (validators, ranges, coded variants) and with
//
//	Cache-Control: public, max-age=31536000, immutable
//
// since that URL can never serve other bytes. Otherwise the path is served
// as given: a file really called "jquery.0123456789ab.js" is served
// plainly, and a stale fingerprint (the file has changed since the page
// was made) is a 404. We don't answer an old fingerprint with the current
// content: a cache would keep it for a year under a name that promises
// other bytes. Nor do we redirect to the current fingerprint: if the file
// went back to its old content, a browser that cached the first redirect
// would loop between the two. A page made after the change names the new
// fingerprint, so only a page older than the file meets the 404.
//
// The fingerprint of a file is computed once per version: on the first
// fingerprinted request after the file's entry was loaded, from the
// content in memory or read through the descriptor, and kept in the entry,
// which a changed file replaces. Embedded files are hashed once.

// immutable is the Cache-Control of a fingerprinted URL: one year, the
// most RFC 9111 §5.2.2.1 suggests, and "immutable" (RFC 8246) so that a
// reload does not even revalidate.
const immutable = "public, max-age=31536000, immutable"

// matches reports whether the content of e has the fingerprint sum. ref is
// e's open descriptor if the caller has one; it stays the caller's.
func (h *Handler) matches(e *entry, ref *fileRef, sum string) bool {
	if s := e.sum.Load(); s != nil {
		return *s == sum
	}
	var s string
	if e.body != nil {
		s = fingerprint.Sum(e.body)
	} else {
		own := ref == nil
		if own {
			var ok bool
			if ref, ok = h.fileFor(e); !ok {
				return false
			}
		}
		var err error
		s, err = fingerprint.SumReader(io.NewSectionReader(ref.f, 0, e.size))
		if own {
			h.cache.release(ref)
		}
		if err != nil {
			return false // not cached: the next request tries again
		}
	}
	e.sum.Store(&s)
	return s == sum
}
