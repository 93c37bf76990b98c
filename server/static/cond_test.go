package static

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// notesETag is the ETag of testdata/site/notes.txt with fixedTime.
var notesETag = makeETag(fixedTime.UnixNano(), 100)

func TestValidators(t *testing.T) {
	t.Parallel()
	h := newHandler(t, makeSite(t))
	rec := get(t, h, "/notes.txt")
	want := map[string]string{
		"Content-Type":           "text/plain; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
		"Last-Modified":          fixedLastModified,
		"ETag":                   `"` + "1828ac068d8f4d15" + `-64"`,
		"Accept-Ranges":          "bytes",
	}
	for k, v := range want {
		if got := rec.get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if notesETag != want["ETag"] {
		t.Errorf("makeETag = %s, want %s", notesETag, want["ETag"])
	}
	if rec.length != 100 {
		t.Errorf("length %d", rec.length)
	}
	lm, err := http.ParseTime(rec.get("Last-Modified"))
	if err != nil || !lm.Equal(fixedTime.Truncate(time.Second)) {
		t.Errorf("Last-Modified parses to %v, %v", lm, err)
	}
}

func TestContentType(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"index.html", "text/html; charset=utf-8"},
		{"A.HTM", "text/html; charset=utf-8"},
		{"site.css", "text/css; charset=utf-8"},
		{"app.js", "text/javascript; charset=utf-8"},
		{"mod.mjs", "text/javascript; charset=utf-8"},
		{"data.json", "application/json; charset=utf-8"},
		{"app.js.map", "application/json; charset=utf-8"},
		{"logo.svg", "image/svg+xml; charset=utf-8"},
		{"a.png", "image/png"},
		{"a.JPG", "image/jpeg"},
		{"a.jpeg", "image/jpeg"},
		{"a.gif", "image/gif"},
		{"a.webp", "image/webp"},
		{"a.avif", "image/avif"},
		{"favicon.ico", "image/x-icon"},
		{"robots.txt", "text/plain; charset=utf-8"},
		{"feed.xml", "application/xml; charset=utf-8"},
		{"app.wasm", "application/wasm"},
		{"f.woff", "font/woff"},
		{"f.woff2", "font/woff2"},
		{"f.ttf", "font/ttf"},
		{"f.otf", "font/otf"},
		{"doc.pdf", "application/pdf"},
		{"v.mp4", "video/mp4"},
		{"v.webm", "video/webm"},
		{"a.mp3", "audio/mpeg"},
		{"t.csv", "text/csv; charset=utf-8"},
		{"README.md", "text/markdown; charset=utf-8"},
		{"noext", octetStream},
		{"dir.d/noext", octetStream},
		{"x.unknownext123", octetStream},
	}
	for _, tt := range tests {
		if got := contentType(tt.name); got != tt.want {
			t.Errorf("contentType(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	textTypes := map[string]bool{
		"text/x-foo": true, "application/ld+json": true, "application/atom+xml": true,
		"image/svg+xml": true, "application/javascript": true, "TEXT/Plain; x=1": true,
		"image/png": false, "application/octet-stream": false, "application/jsonx": false,
	}
	for typ, want := range textTypes {
		if isTextType(typ) != want {
			t.Errorf("isTextType(%q) = %v", typ, !want)
		}
	}

	h := newHandler(t, makeSite(t))
	for path, want := range map[string]string{
		"/js/app.js": "text/javascript; charset=utf-8", "/img/logo.svg": "image/svg+xml; charset=utf-8",
		"/img/dot.png": "image/png", "/noext": octetStream, "/": "text/html; charset=utf-8",
		"/docs/readme.md": "text/markdown; charset=utf-8",
	} {
		rec := get(t, h, path)
		if rec.get("Content-Type") != want || rec.get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: Content-Type %q nosniff %q", path, rec.get("Content-Type"), rec.get("X-Content-Type-Options"))
		}
	}
}

// condTests are conditional requests on notes.txt (Last-Modified
// fixedLastModified, ETag notesETag) with the status they must get.
var condTests = []struct {
	name   string
	kv     []string
	status int
}{
	{"none", nil, 200},
	{"inm_match", []string{"If-None-Match", notesETag}, 304},
	{"inm_weak_match", []string{"If-None-Match", "W/" + notesETag}, 304},
	{"inm_star", []string{"If-None-Match", "*"}, 304},
	{"inm_list", []string{"If-None-Match", `"a", ` + notesETag + `, "b"`}, 304},
	{"inm_list_empty_members", []string{"If-None-Match", ` , ,` + notesETag}, 304},
	{"inm_miss", []string{"If-None-Match", `"other"`}, 200},
	{"inm_unquoted", []string{"If-None-Match", notesETag[1 : len(notesETag)-1]}, 200},
	{"inm_malformed_then_match", []string{"If-None-Match", `bad, ` + notesETag}, 200},
	{"ims_equal", []string{"If-Modified-Since", fixedLastModified}, 304},
	{"ims_later", []string{"If-Modified-Since", "Sun, 02 Mar 2025 12:00:00 GMT"}, 304},
	{"ims_earlier", []string{"If-Modified-Since", "Sat, 01 Mar 2025 11:59:59 GMT"}, 200},
	{"ims_rfc850", []string{"If-Modified-Since", "Saturday, 01-Mar-25 12:00:00 GMT"}, 304},
	{"ims_asctime", []string{"If-Modified-Since", "Sat Mar  1 12:00:00 2025"}, 304},
	{"ims_garbage", []string{"If-Modified-Since", "yesterday"}, 200},
	{"ims_bad_day", []string{"If-Modified-Since", "Sat, 31 Feb 2025 12:00:00 GMT"}, 200},
	{"inm_miss_beats_ims", []string{"If-None-Match", `"other"`, "If-Modified-Since", fixedLastModified}, 200},
	{"inm_match_ims_earlier", []string{"If-None-Match", notesETag, "If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}, 304},
	{"im_match", []string{"If-Match", notesETag}, 200},
	{"im_star", []string{"If-Match", "*"}, 200},
	{"im_list", []string{"If-Match", `"x", ` + notesETag}, 200},
	{"im_miss", []string{"If-Match", `"other"`}, 412},
	{"im_weak", []string{"If-Match", "W/" + notesETag}, 412}, // strong comparison
	{"im_malformed", []string{"If-Match", "garbage"}, 412},
	{"ius_later", []string{"If-Unmodified-Since", "Sun, 02 Mar 2025 12:00:00 GMT"}, 200},
	{"ius_equal", []string{"If-Unmodified-Since", fixedLastModified}, 200},
	{"ius_earlier", []string{"If-Unmodified-Since", "Sat, 01 Mar 2025 11:59:59 GMT"}, 412},
	{"ius_garbage", []string{"If-Unmodified-Since", "whenever"}, 200},
	{"im_match_ius_earlier", []string{"If-Match", notesETag, "If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}, 200},
	{"im_miss_inm_match", []string{"If-Match", `"other"`, "If-None-Match", notesETag}, 412},
	{"im_match_inm_match", []string{"If-Match", notesETag, "If-None-Match", notesETag}, 304},
	{"ius_earlier_ims", []string{"If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT", "If-Modified-Since", fixedLastModified}, 412},
}

func TestConditionals(t *testing.T) {
	t.Parallel()
	h := newHandler(t, makeSite(t))
	for _, tt := range condTests {
		for _, m := range []string{"GET", "HEAD"} {
			rec, err := serve(t, h, req(m, "/notes.txt", tt.kv...))
			if err != nil {
				t.Fatal(err)
			}
			if rec.status != tt.status {
				t.Errorf("%s %s: status %d, want %d", m, tt.name, rec.status, tt.status)
				continue
			}
			if rec.status == 304 {
				if rec.get("ETag") != notesETag || rec.get("Last-Modified") != fixedLastModified {
					t.Errorf("%s: 304 headers %v", tt.name, rec.header)
				}
				if rec.has("Content-Type") || rec.length != -1 || rec.writes+rec.readFroms != 0 {
					t.Errorf("%s: 304 with a body or its metadata: %v, length %d", tt.name, rec.header, rec.length)
				}
			}
		}
	}
}

// TestConditionalsMatchNetHTTP runs condTests through http.ServeContent,
// given the same ETag and modification time, and wants the same statuses.
func TestConditionalsMatchNetHTTP(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	for _, tt := range condTests {
		ours := get(t, h, "/notes.txt", tt.kv...)
		theirs := serveContent(t, filepath.Join(root, "notes.txt"), tt.kv...)
		if ours.status != theirs.Code {
			t.Errorf("%s: status %d, net/http %d", tt.name, ours.status, theirs.Code)
		}
		if ours.status == 200 && !bytes.Equal(ours.body.Bytes(), theirs.Body.Bytes()) {
			t.Errorf("%s: bodies differ", tt.name)
		}
	}
}

// serveContent answers a GET of the file at p with http.ServeContent,
// setting the ETag we would send.
func serveContent(t testing.TB, p string, kv ...string) *httptest.ResponseRecorder {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	hr := httptest.NewRequest("GET", "/x", nil)
	for i := 0; i+1 < len(kv); i += 2 {
		hr.Header.Set(kv[i], kv[i+1])
	}
	w := httptest.NewRecorder()
	w.Header().Set("Etag", makeETag(fi.ModTime().UnixNano(), fi.Size()))
	http.ServeContent(w, hr, fi.Name(), fi.ModTime(), f)
	return w
}

func TestParseHTTPDate(t *testing.T) {
	t.Parallel()
	want := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC).Unix()
	tests := []struct {
		in string
		ok bool
	}{
		{"Sun, 06 Nov 1994 08:49:37 GMT", true},
		{"Sunday, 06-Nov-94 08:49:37 GMT", true},
		{"Sun Nov  6 08:49:37 1994", true},
		{"Mon, 06 Nov 1994 08:49:37 GMT", true}, // the day name is not checked against the date
		{"Sun, 06 Nov 1994 08:49:37 UTC", false},
		{"Sun, 6 Nov 1994 08:49:37 GMT", false},
		{"Sun, 06 Nov 1994 24:00:00 GMT", false},
		{"Sun, 06 Nov 1994 08:60:00 GMT", false},
		{"Sun, 06 Nov 1994 08:49:60 GMT", false},
		{"Sun, 06 Nox 1994 08:49:37 GMT", false},
		{"Xyz, 06 Nov 1994 08:49:37 GMT", false},
		{"sun, 06 nov 1994 08:49:37 GMT", false}, // names are case-sensitive (RFC 9110 §5.6.7)
		{"Sun, 00 Nov 1994 08:49:37 GMT", false},
		{"Sun, 31 Nov 1994 08:49:37 GMT", false},
		{"Sun, 06 Nov 19x4 08:49:37 GMT", false},
		{"", false},
		{"1994-11-06T08:49:37Z", false},
	}
	for _, tt := range tests {
		got, ok := parseHTTPDate(tt.in)
		if ok != tt.ok || ok && got != want {
			t.Errorf("parseHTTPDate(%q) = %d, %v; want %d, %v", tt.in, got, ok, want, tt.ok)
		}
	}
	if _, ok := parseHTTPDate("Thu, 29 Feb 2024 00:00:00 GMT"); !ok {
		t.Error("leap day refused")
	}
	if _, ok := parseHTTPDate("Thu, 29 Feb 2100 00:00:00 GMT"); ok {
		t.Error("29 Feb 2100 accepted")
	}
}

func TestScanETag(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, tag, rest string }{
		{`"abc"`, `"abc"`, ""},
		{`  W/"abc", "d"`, `W/"abc"`, `, "d"`},
		{`""`, `""`, ""},
		{`"a b"`, "", ""},
		{`"abc`, "", ""},
		{`abc`, "", ""},
		{`W/abc`, "", ""},
		{`w/"abc"`, "", ""},
		{"\"\x80\"", "\"\x80\"", ""},
	}
	for _, tt := range tests {
		tag, rest := scanETag(tt.in)
		if tag != tt.tag || rest != tt.rest {
			t.Errorf("scanETag(%q) = %q, %q; want %q, %q", tt.in, tag, rest, tt.tag, tt.rest)
		}
	}
}
