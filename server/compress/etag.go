package compress

import (
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// Entity-tags of coded variants
//
// A coded body is another representation, so its strong ETag is the
// application's with the coding appended inside the quotes (VariantETag).
// The client then sends that tag back in If-None-Match (revalidating a
// page) and If-Match (a PUT guarded against lost updates), where the
// application, which knows only its own tags, would find no match: the
// long-standing trap of Apache's mod_deflate. So before the application
// runs, the wrapper takes the suffix off every tag in those fields
// (`"abc-zstd"` becomes `"abc"`), and a 304 the application then answers
// carries back the tag the client holds (`"abc-zstd"`), with Vary. An
// application whose own tags end in "-gzip" or "-zstd" would be
// misread; no tag the project makes does.

// unvaryConditionals takes the coding suffixes off the entity-tags of the
// If-None-Match and If-Match fields of h, in place, and returns the
// If-None-Match values as sent when one had such a suffix ("" otherwise).
// An etagc cannot be '"', so `-zstd"` can only end a tag.
func unvaryConditionals(h gateway.Fields) (inm string) {
	for i := range h {
		isINM := gateway.EqualFold(h[i].Name, "If-None-Match")
		if !isINM && !gateway.EqualFold(h[i].Name, "If-Match") {
			continue
		}
		v := h[i].Value
		if !strings.Contains(v, `-zstd"`) && !strings.Contains(v, `-gzip"`) {
			continue
		}
		if isINM {
			if inm != "" {
				inm += ", "
			}
			inm += v
		}
		v = strings.ReplaceAll(v, `-zstd"`, `"`)
		h[i].Value = strings.ReplaceAll(v, `-gzip"`, `"`)
	}
	return inm
}

// matchedETag returns the variant tag of etag that the request's
// If-None-Match named, or "" when it named none.
func (r *response) matchedETag(etag string) string {
	for _, e := range preference {
		if v := VariantETag(etag, e); v != etag && strings.Contains(r.inm, v) {
			return v
		}
	}
	return ""
}
