package static

import (
	"mime"
	"path"
	"strings"
)

// octetStream is the Content-Type of a file whose extension we do not know.
// We never sniff the content: with "X-Content-Type-Options: nosniff" the
// browser will not either, so an upload named "x.bin" cannot become HTML.
const octetStream = "application/octet-stream"

// builtinTypes maps a lower-case extension (with its dot) to the
// Content-Type of the common web formats, so the answer does not depend on
// the host's /etc/mime.types. Text types already carry their charset.
var builtinTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8", // RFC 9239
	".mjs":         "text/javascript; charset=utf-8",
	".cjs":         "text/javascript; charset=utf-8",
	".json":        "application/json; charset=utf-8",
	".map":         "application/json; charset=utf-8",
	".webmanifest": "application/manifest+json; charset=utf-8",
	".jsonld":      "application/ld+json; charset=utf-8",
	".xml":         "application/xml; charset=utf-8",
	".rss":         "application/rss+xml; charset=utf-8",
	".atom":        "application/atom+xml; charset=utf-8",
	".svg":         "image/svg+xml; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8",
	".csv":         "text/csv; charset=utf-8",
	".tsv":         "text/tab-separated-values; charset=utf-8",
	".ics":         "text/calendar; charset=utf-8",
	".vtt":         "text/vtt; charset=utf-8",
	".png":         "image/png",
	".apng":        "image/apng",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".bmp":         "image/bmp",
	".wasm":        "application/wasm",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".pdf":         "application/pdf",
	".zip":         "application/zip",
	".gz":          "application/gzip",
	".mp4":         "video/mp4",
	".webm":        "video/webm",
	".ogv":         "video/ogg",
	".mp3":         "audio/mpeg",
	".ogg":         "audio/ogg",
	".oga":         "audio/ogg",
	".wav":         "audio/wav",
	".flac":        "audio/flac",
}

// contentType returns the Content-Type for the file name "css/site.css":
// the built-in table, then mime.TypeByExtension, then octetStream. Text
// types get "; charset=utf-8" when they have no charset yet.
func contentType(name string) string {
	ext := path.Ext(name)
	if ext == "" {
		return octetStream
	}
	ext = strings.ToLower(ext)
	if t, ok := builtinTypes[ext]; ok {
		return t
	}
	t := mime.TypeByExtension(ext)
	if t == "" {
		return octetStream
	}
	if isTextType(t) && !strings.Contains(strings.ToLower(t), "charset=") {
		t += "; charset=utf-8"
	}
	return t
}

// isTextType reports whether the media type t ("text/css",
// "application/ld+json; x=y") is text that browsers decode with a charset.
func isTextType(t string) bool {
	t, _, _ = strings.Cut(t, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	switch {
	case strings.HasPrefix(t, "text/"),
		t == "application/javascript", t == "application/ecmascript",
		t == "application/json", strings.HasSuffix(t, "+json"),
		t == "application/xml", strings.HasSuffix(t, "+xml"):
		return true
	}
	return false
}
