package compress

import (
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// The head of a response that went through the wrapper. The application's
// header slice is never modified (the contract lets it keep the slice):
// a rewritten head is a copy in the response's own fields.

// withVary returns header with "Vary: Accept-Encoding" added unless a
// Vary already names it (or is "*"), and with its ETag replaced by etag
// when etag is not "".
func (r *response) withVary(header []gateway.Field, etag string) []gateway.Field {
	if etag == "" && varies(header) {
		return header
	}
	f := r.fields[:0]
	for _, h := range header {
		if etag != "" && gateway.EqualFold(h.Name, "ETag") {
			h.Value = etag
		}
		f = append(f, h)
	}
	if !varies(header) {
		f = append(f, gateway.Field{Name: "Vary", Value: "Accept-Encoding"})
	}
	r.fields = f
	return f
}

// coded returns header rewritten for the body coded in r.enc: no
// Content-Length (the server frames the coded body), the variant's ETag,
// Content-Encoding, and Vary.
func (r *response) coded(header []gateway.Field) []gateway.Field {
	f := r.fields[:0]
	for _, h := range header {
		switch {
		case gateway.EqualFold(h.Name, "Content-Length"):
			continue
		case gateway.EqualFold(h.Name, "ETag"):
			h.Value = VariantETag(h.Value, r.enc)
		}
		f = append(f, h)
	}
	f = append(f, gateway.Field{Name: "Content-Encoding", Value: r.enc.String()})
	if !varies(header) {
		f = append(f, gateway.Field{Name: "Vary", Value: "Accept-Encoding"})
	}
	r.fields = f
	return f
}

// varies reports whether header has a Vary that names Accept-Encoding or
// is "*".
func varies(header []gateway.Field) bool {
	for _, h := range header {
		if gateway.EqualFold(h.Name, "Vary") && (containsFold(h.Value, "accept-encoding") || strings.Contains(h.Value, "*")) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word sub,
// in any case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if gateway.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
