package livereload

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// Inject returns header and body with the client added, when they are a
// page the browser shows: status 200-299 but 204, 205 and 206, or 400-599;
// Content-Type text/html; no Content-Encoding. The script goes before the
// last "</body" (in any case), or at the end of a page without one:
//
//	<script src="/_miniweb/client.js?v=1f0c2e9a4b7d" data-boot="3f2a9c1b7d0e" data-gen="4" onerror="this.remove()"></script></body>
//
// A Content-Length field is set to the new length. When a
// Content-Security-Policy field (or -Report-Only) is set, the script gets a
// fresh nonce and each policy what the client needs (see allowClient).
// gen is Gen, read before the page was rendered. Any other response comes
// back as it is; the caller's header and body are never modified.
func (h *Hub) Inject(gen uint64, code int, header gateway.Fields, body []byte) (gateway.Fields, []byte) {
	return inject(code, header, body, func(nonce string) string { return h.tag(gen, nonce) }, newNonce)
}

// tag returns the script element of a page rendered at generation gen.
func (h *Hub) tag(gen uint64, nonce string) string {
	var b strings.Builder
	b.WriteString(`<script src="` + clientPath + `?v=` + clientVersion + `" data-boot="` + h.boot +
		`" data-gen="` + strconv.FormatUint(gen, 10) + `"`)
	if nonce != "" {
		b.WriteString(` nonce="` + nonce + `"`)
	}
	// A client that cannot load (a server that does not hand Prefix to
	// the App) leaves no element behind; when it loads, it removes itself.
	b.WriteString(` onerror="this.remove()"></script>`)
	return b.String()
}

// newNonce returns a nonce for one response: 16 random bytes in base64
// (CSP3 §2.3.1, base64-value).
func newNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// inject is Inject with the script element made by tag (given the nonce,
// "" when no policy needs one) and the nonce made by nonce.
func inject(code int, header gateway.Fields, body []byte, tag func(nonce string) string, nonce func() string) (gateway.Fields, []byte) {
	if !shown(code) || !isHTML(header) || isEncoded(header) {
		return header, body
	}
	var n string
	rewrite := false
	for _, f := range header {
		switch {
		case isPolicy(f.Name):
			rewrite = true
			if n == "" {
				n = nonce()
			}
		case gateway.EqualFold(f.Name, "Content-Length"):
			rewrite = true
		}
	}
	t := tag(n)
	at := lastBodyEnd(body)
	out := make([]byte, 0, len(body)+len(t))
	out = append(out, body[:at]...)
	out = append(out, t...)
	out = append(out, body[at:]...)
	if !rewrite {
		return header, out
	}
	h := make(gateway.Fields, len(header))
	copy(h, header)
	for i, f := range h {
		switch {
		case isPolicy(f.Name):
			h[i].Value = allowClient(f.Value, n)
		case gateway.EqualFold(f.Name, "Content-Length"):
			h[i].Value = strconv.Itoa(len(out))
		}
	}
	return h, out
}

// shown reports whether a response with status code has a body the
// browser shows as the page.
func shown(code int) bool {
	return code >= 200 && code <= 299 && code != 204 && code != 205 && code != 206 || code >= 400 && code <= 599
}

// isHTML reports whether the Content-Type of header is text/html, with any
// parameters.
func isHTML(header gateway.Fields) bool {
	ct, ok := header.Lookup("Content-Type")
	if !ok {
		return false
	}
	mt, _, _ := strings.Cut(ct, ";")
	return gateway.EqualFold(strings.TrimSpace(mt), "text/html")
}

// isEncoded reports whether header has a Content-Encoding other than
// identity: a compressed body, which a script cannot be added to.
func isEncoded(header gateway.Fields) bool {
	ce, ok := header.Lookup("Content-Encoding")
	return ok && !gateway.EqualFold(strings.TrimSpace(ce), "identity") && strings.TrimSpace(ce) != ""
}

func isPolicy(name string) bool {
	return gateway.EqualFold(name, "Content-Security-Policy") || gateway.EqualFold(name, "Content-Security-Policy-Report-Only")
}

// lastBodyEnd returns the index of the last "</body" in b, in any case and
// followed by ">", "/" or white space; len(b) if there is none.
func lastBodyEnd(b []byte) int {
	const end = "</body"
	for i := len(b) - len(end); i >= 0; i-- {
		if b[i] != '<' || b[i+1] != '/' || !gateway.EqualFold(string(b[i+2:i+len(end)]), "body") {
			continue
		}
		if j := i + len(end); j == len(b) || strings.IndexByte(">/ \t\r\n\f", b[j]) >= 0 {
			return i
		}
	}
	return len(b)
}
