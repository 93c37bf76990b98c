package static

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/miniweb/miniweb/server/gateway/fingerprint"
)

// TestFingerprinted serves files through fingerprinted paths: the right
// fingerprint is immutable, a stale or foreign one is a 404, a file really
// named like a fingerprint is served plainly, and the plain path keeps its
// validators without Cache-Control.
func TestFingerprinted(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	small := fingerprint.Sum(mustRead(t, root, "notes.txt"))
	big := fingerprint.Sum(mustRead(t, root, "big.bin"))
	stale := fingerprint.Sum([]byte("an old version"))
	literal := "/lit.0123456789ab.txt"
	if err := os.WriteFile(filepath.Join(root, "lit.0123456789ab.txt"), []byte("literal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string
		kv     []string // request header pairs
		status int
		cc     string // want Cache-Control
		from   string // the file whose bytes the body must be; "" for none
	}{
		{"small file", "/notes." + small + ".txt", nil, 200, immutable, "notes.txt"},
		{"large file, sendfile", "/big." + big + ".bin", nil, 200, immutable, "big.bin"},
		{"range of it", "/big." + big + ".bin", []string{"range", "bytes=0-9"}, 206, immutable, ""},
		{"stale fingerprint", "/notes." + stale + ".txt", nil, 404, "", ""},
		{"fingerprint of another file", "/notes." + big + ".txt", nil, 404, "", ""},
		{"no such file", "/nope." + small + ".txt", nil, 404, "", ""},
		{"folder", "/sub." + small, nil, 404, "", ""},
		{"hidden file", "/.env." + small, nil, 404, "", ""},
		{"literal name", literal, nil, 200, "", "lit.0123456789ab.txt"},
		{"plain path", "/notes.txt", nil, 200, "", "notes.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, h, tt.path, tt.kv...)
			if rec.status != tt.status || rec.get("Cache-Control") != tt.cc {
				t.Fatalf("GET %s: %d, Cache-Control %q; want %d, %q", tt.path, rec.status, rec.get("Cache-Control"), tt.status, tt.cc)
			}
			if tt.from != "" && rec.body.String() != string(mustRead(t, root, tt.from)) {
				t.Errorf("GET %s: body is not %s", tt.path, tt.from)
			}
			if tt.status == 200 && (rec.get("ETag") == "" || rec.get("Last-Modified") == "") {
				t.Errorf("GET %s: no validators", tt.path)
			}
		})
	}

	// A revalidation of the fingerprinted URL: 304 with the same Cache-Control.
	path := "/notes." + small + ".txt"
	etag := get(t, h, path).get("ETag")
	if rec := get(t, h, path, "if-none-match", etag); rec.status != 304 || rec.get("Cache-Control") != immutable {
		t.Errorf("conditional GET: %d, Cache-Control %q; want 304, immutable", rec.status, rec.get("Cache-Control"))
	}

	// Edited: the old fingerprint is stale, the new one serves.
	h.Revalidate()
	newer := []byte("notes, edited\n")
	if err := os.WriteFile(filepath.Join(root, "notes.txt"), newer, 0o644); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, path); rec.status != 404 {
		t.Errorf("old fingerprint after an edit: %d; want 404", rec.status)
	}
	if rec := get(t, h, "/notes."+fingerprint.Sum(newer)+".txt"); rec.status != 200 || rec.body.String() != string(newer) {
		t.Errorf("new fingerprint after an edit: %d %q", rec.status, rec.body.String())
	}
}

// TestFingerprintFollowsEdit edits files within the handler's trust window
// (no Revalidate), as a developer saving a stylesheet does: a page made
// after the save links the new fingerprint, which must serve at once, not
// a window later, while the old one turns stale.
func TestFingerprintFollowsEdit(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	for _, name := range []string{"notes.txt", "big.bin"} {
		t.Run(name, func(t *testing.T) {
			old := mustRead(t, root, name)
			ext := filepath.Ext(name)
			base := "/" + name[:len(name)-len(ext)]
			oldPath := base + "." + fingerprint.Sum(old) + ext
			if rec := get(t, h, oldPath); rec.status != 200 {
				t.Fatalf("GET %s before the edit: %d", oldPath, rec.status)
			}
			edited := append([]byte("edited: "), old...)
			if err := os.WriteFile(filepath.Join(root, name), edited, 0o644); err != nil {
				t.Fatal(err)
			}
			newPath := base + "." + fingerprint.Sum(edited) + ext
			rec := get(t, h, newPath)
			if rec.status != 200 || rec.get("Cache-Control") != immutable || rec.body.String() != string(edited) {
				t.Fatalf("GET %s right after the edit: %d, Cache-Control %q, %d bytes; want 200, immutable, the edited %d bytes",
					newPath, rec.status, rec.get("Cache-Control"), rec.body.Len(), len(edited))
			}
			if rec := get(t, h, oldPath); rec.status != 404 {
				t.Errorf("GET %s after the edit: %d; want 404", oldPath, rec.status)
			}
			if rec := get(t, h, "/"+name); rec.body.String() != string(edited) {
				t.Errorf("GET /%s after the edit: the old content", name)
			}
		})
	}
}

// TestEmbedded serves a folder over embedded files: the folder wins, a name
// it lacks comes from memory, a file added to the folder overrides the
// embedded one on the next check, and removing it brings the embedded back.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	embedded := fstest.MapFS{
		"style.css":      {Data: []byte("body{color:blue}\n")},
		"logo.svg":       {Data: []byte("<svg/>\n")},
		"index.html":     {Data: []byte("<h1>embedded index</h1>\n")},
		"sub/index.html": {Data: []byte("sub index\n")},
		"404.html":       {Data: []byte("embedded 404\n")},
	}
	if err := os.WriteFile(filepath.Join(root, "logo.svg"), []byte("<svg>disk</svg>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := NewOverlay(root, embedded)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	h.Revalidate()
	lone, err := NewOverlay("", embedded)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lone.Close() })

	css := "/style." + fingerprint.Sum(embedded["style.css"].Data) + ".css"
	tests := []struct {
		h      *Handler
		path   string
		status int
		body   string
		cc     string
	}{
		{h, "/style.css", 200, "body{color:blue}\n", ""},
		{h, css, 200, "body{color:blue}\n", immutable},
		{h, "/logo.svg", 200, "<svg>disk</svg>\n", ""},
		{h, "/", 200, "<h1>embedded index</h1>\n", ""},
		{h, "/sub/", 200, "sub index\n", ""},
		{h, "/sub", 301, "", ""},
		{h, "/style.css/", 404, "embedded 404\n", ""},
		{h, "/nope.txt", 404, "embedded 404\n", ""},
		{lone, "/logo.svg", 200, "<svg/>\n", ""},
		{lone, css, 200, "body{color:blue}\n", immutable},
		{lone, "/nope.txt", 404, "embedded 404\n", ""},
	}
	for _, tt := range tests {
		rec := get(t, tt.h, tt.path)
		if rec.status != tt.status || (tt.body != "" && rec.body.String() != tt.body) || rec.get("Cache-Control") != tt.cc {
			t.Errorf("GET %s: %d %q Cache-Control %q; want %d %q %q", tt.path, rec.status, rec.body.String(), rec.get("Cache-Control"), tt.status, tt.body, tt.cc)
		}
	}

	// Validators of an embedded file: a content ETag, a Last-Modified, and
	// both work as conditions.
	rec := get(t, h, "/style.css")
	etag, lm := rec.get("ETag"), rec.get("Last-Modified")
	if len(etag) < 4 || etag[:3] != `"e-` || lm == "" {
		t.Fatalf("embedded validators: ETag %q, Last-Modified %q", etag, lm)
	}
	if rec := get(t, h, "/style.css", "if-none-match", etag); rec.status != 304 {
		t.Errorf("If-None-Match: %d; want 304", rec.status)
	}
	if rec := get(t, h, "/style.css", "if-modified-since", lm); rec.status != 304 {
		t.Errorf("If-Modified-Since: %d; want 304", rec.status)
	}
	// A disk time older than the handler must not make a disk version
	// look current: the embedded file's Last-Modified is the handler's start.
	if rec := get(t, h, "/style.css", "if-modified-since", time.Unix(0, 0).UTC().Format(timeFormat)); rec.status != 200 {
		t.Errorf("If-Modified-Since 1970: %d; want 200", rec.status)
	}

	// An override saved on disk wins on the next request (Revalidate),
	// and removing it brings the embedded file back.
	p := filepath.Join(root, "style.css")
	if err := os.WriteFile(p, []byte("body{color:red}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, "/style.css"); rec.body.String() != "body{color:red}\n" {
		t.Errorf("after an override: %q", rec.body.String())
	}
	if rec := get(t, h, css); rec.status != 404 {
		t.Errorf("embedded fingerprint once overridden: %d; want 404", rec.status)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, "/style.css"); rec.body.String() != "body{color:blue}\n" {
		t.Errorf("override removed: %q", rec.body.String())
	}
}
