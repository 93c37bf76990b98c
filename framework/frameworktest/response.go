package frameworktest

import (
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework/session"
	"github.com/miniweb/miniweb/server/gateway"
)

// Response is the answer a [Client] received: after redirects were
// followed, the last one, with the earlier ones in Redirects.
type Response struct {
	// Method and Target are the request that got this answer: "GET" and
	// "/watchlist.py?sort=name" (after a 303, the GET to its Location).
	Method, Target string
	// Path is Target's path, percent-decoded: "/watchlist.py".
	Path string
	// Code is the status code, such as 200; Status is the status as the
	// application gave it: "200 OK".
	Code   int
	Status string
	// Header holds the response header fields, in the order given.
	Header gateway.Fields
	// Body is the body as a client receives it: empty for HEAD, 204 and
	// 304.
	Body []byte
	// Redirects are the redirects followed to reach this answer, oldest
	// first: each a Response whose Location led to the next. nil when the
	// first answer was the last.
	Redirects []*Response

	flashes  []session.Flash // taken from the session by this request
	readable bool            // the Client could open the session
}

// Text returns the body as a string.
func (r *Response) Text() string { return string(r.Body) }

// Location returns the Location field: "/index.py" of a 303 seen through
// [Client.NoRedirects]; "" when there is none.
func (r *Response) Location() string { return r.Header.Get("Location") }

// JSON decodes the body into v, as encoding/json does; an error says which
// request's body failed, with its Content-Type.
func (r *Response) JSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("frameworktest: %s %s: body of %d (Content-Type %q) as JSON: %w",
			r.Method, r.Target, r.Code, r.Header.Get("Content-Type"), err)
	}
	return nil
}

// Flashes returns the flash messages this request took from the session:
// those waiting in the session cookie sent with it that its answer's cookie
// no longer holds. A page takes them with framework.Request.Flashes,
// which a site's context processor calls to show them, so after a
// POST-redirect-GET the final Response has the flashes the POST added.
// Whether the template printed them the body says; [Response.WantFlash]
// checks both. Flashes panics when the Client was made without
// Options.Session, which it needs to open the cookie.
func (r *Response) Flashes() []session.Flash {
	if !r.readable {
		panic("frameworktest: Response.Flashes: the Client was made without Options.Session, so it cannot open the session cookie")
	}
	return r.flashes
}

// WantStatus fails the test at once (t.Fatalf) unless the answer's code is
// code, showing the request, the Location and the start of the body.
func (r *Response) WantStatus(t testing.TB, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("%s %s: %d (Location %q); want %d\n%s", r.Method, r.Target, r.Code, r.Location(), code, r.excerpt())
	}
}

// WantContains fails the test (t.Errorf) for each text the body lacks, as
// written: "&lt;b&gt;" for a value a template escaped.
func (r *Response) WantContains(t testing.TB, text ...string) {
	t.Helper()
	for _, s := range text {
		if !strings.Contains(string(r.Body), s) {
			t.Errorf("%s %s: the body lacks %q\n%s", r.Method, r.Target, s, r.excerpt())
		}
	}
}

// WantFlash fails the test (t.Errorf) unless this request took the flash
// (kind, message) from the session (see Flashes) and the page shows
// message: its body holds it once HTML's character references are
// decoded, so a message with "<" or "&" in it passes when the template
// escaped it.
func (r *Response) WantFlash(t testing.TB, kind, message string) {
	t.Helper()
	want := session.Flash{Kind: kind, Message: message}
	if !slices.Contains(r.Flashes(), want) {
		t.Errorf("%s %s: no flash %s %q taken from the session; took %v", r.Method, r.Target, kind, message, r.flashes)
	} else if !strings.Contains(html.UnescapeString(string(r.Body)), message) {
		t.Errorf("%s %s: flash %s %q taken from the session but not shown\n%s", r.Method, r.Target, kind, message, r.excerpt())
	}
}

// excerptLen bounds the body a failure shows.
const excerptLen = 2000

// excerpt returns the start of the body, for a failure's message.
func (r *Response) excerpt() string {
	if len(r.Body) > excerptLen {
		return string(r.Body[:excerptLen]) + "..."
	}
	return string(r.Body)
}
