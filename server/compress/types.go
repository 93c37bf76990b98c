package compress

import (
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// compressibleTypes are the media types outside text/*, +json and +xml
// that shrink well. Everything else is taken as compressed already or
// binary: images but SVG and the bitmap formats, audio, video, fonts in
// WOFF, archives, PDF, application/octet-stream.
var compressibleTypes = [...]string{
	"application/json",
	"application/javascript",
	"application/ecmascript",
	"application/x-javascript",
	"application/xml",
	"application/wasm",
	"application/x-ndjson",
	"application/vnd.ms-fontobject",
	"application/x-font-ttf",
	"font/ttf",
	"font/otf",
	"image/bmp",
	"image/x-icon",
	"image/vnd.microsoft.icon",
}

// Compressible reports whether a body whose Content-Type is ct is worth
// compressing: "text/html; charset=utf-8", "application/json",
// "application/problem+json", "image/svg+xml" and the other types of
// compressibleTypes are; "image/png", "video/mp4", "font/woff2",
// "application/gzip", "application/octet-stream" and "" are not.
func Compressible(ct string) bool {
	mt := mediaType(ct)
	if len(mt) > 5 && gateway.EqualFold(mt[:5], "text/") {
		return true
	}
	for _, t := range compressibleTypes {
		if gateway.EqualFold(mt, t) {
			return true
		}
	}
	slash := strings.IndexByte(mt, '/')
	return slash > 0 && (hasSuffixFold(mt[slash:], "+json") || hasSuffixFold(mt[slash:], "+xml"))
}

// isEventStream reports whether ct is text/event-stream: a stream of
// server-sent events, each of which must reach the client at once.
func isEventStream(ct string) bool { return gateway.EqualFold(mediaType(ct), "text/event-stream") }

// mediaType returns the type/subtype of a Content-Type value, without its
// parameters and OWS: "text/html" for "text/html ; charset=utf-8".
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return trimOWS(ct)
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && gateway.EqualFold(s[len(s)-len(suffix):], suffix)
}
