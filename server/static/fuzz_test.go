package static

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzResolve feeds request paths to the resolver and to Serve on the
// fixture site (with its dotfiles and symlinks in and out). Oracles,
// whatever the input:
//
//   - an accepted path is canonical: it decodes (url.PathUnescape) to
//     "/" + name, path.Clean leaves it alone, and no segment is hidden;
//   - a resolved file is regular, its real path (filepath.EvalSymlinks)
//     lies under the root's real path, and no segment of it below the root
//     starts with '.';
//   - Serve answers only 200, 301, 400 or 404, and a 200's body is the
//     content of that real file.
func FuzzResolve(f *testing.F) {
	for _, tt := range hostilePaths {
		f.Add(tt.path)
	}
	for _, s := range []string{"/", "/sub/", "/sub", "/link-dir/page.html", "/css/site%20main.css",
		"/%2e", "/.%2e/.%2e/etc/passwd", "/sub/..;/x", "/sub/%2e%2e%5c", "/link-dir/../link-out.txt",
		"/h%C3%A9llo%20w%C3%B6rld.txt", "/a%252fb.txt", "/%252e%252e/", "/index.html/", "/link-outdir/index.html"} {
		f.Add(s)
	}
	root := makeSite(f)
	h := newHandler(f, root)
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		name, dir, status := cleanPath(raw)
		if status == 0 {
			dec, err := url.PathUnescape(raw)
			want := "/" + name
			if dir && name != "" {
				want += "/"
			}
			if err != nil || dec != want {
				t.Fatalf("cleanPath(%q) = %q, but it decodes to %q (%v)", raw, name, dec, err)
			}
			if name != "" && path.Clean("/"+name) != "/"+name || isHiddenRel(name) {
				t.Fatalf("cleanPath(%q) = %q: not canonical or hidden", raw, name)
			}
			file, fi, resolved, st, _ := h.resolve(name, dir)
			if st == 0 {
				file.Close()
				if !fi.Mode().IsRegular() {
					t.Fatalf("%q resolved to a %v", raw, fi.Mode())
				}
				checkInside(t, raw, realRoot, filepath.Join(root, filepath.FromSlash(resolved)))
			}
		}

		rec := newRecorder(t, "GET")
		st, err := h.Serve(rec, &Request{Method: "GET", Path: raw})
		if err != nil {
			t.Fatalf("Serve(%q): %v", raw, err)
		}
		switch st {
		case 200:
			if status != 0 {
				t.Fatalf("Serve(%q) = 200 but cleanPath said %d", raw, status)
			}
			target := name
			if dir {
				target = path.Join(name, "index.html")
			}
			real := checkInside(t, raw, realRoot, filepath.Join(root, filepath.FromSlash(target)))
			want, err := os.ReadFile(real)
			if err != nil || !bytes.Equal(rec.body.Bytes(), want) {
				t.Fatalf("Serve(%q): body is not %s (%v)", raw, real, err)
			}
		case 301, 400, 404:
		default:
			t.Fatalf("Serve(%q) = %d", raw, st)
		}
	})
}

// checkInside fails unless p's real path lies under realRoot outside
// every hidden folder, and returns that real path.
func checkInside(t *testing.T, raw, realRoot, p string) string {
	t.Helper()
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatalf("%q: served %s, which does not resolve: %v", raw, p, err)
	}
	rel, ok := relUnder(realRoot, real)
	if !ok || isHiddenRel(rel) {
		t.Fatalf("%q: served %s, outside the root or hidden", raw, real)
	}
	return real
}

// FuzzRange feeds Range headers and sizes to parseRange. Oracles: every
// accepted span is within [0, size) with first <= last, the spans do not
// overlap and number at most maxRanges; an empty file satisfies nothing;
// and printing the spans back as a header parses to the same spans.
func FuzzRange(f *testing.F) {
	for _, s := range []string{"bytes=0-499", "bytes=-500", "bytes=500-", "bytes=0-0,-1", "bytes=1-2,3-4,5-6",
		"bytes=9223372036854775807-", "bytes=-9223372036854775808", "bytes=0-1,1-2", "BYTES= 1-2 ,, 4-5 ",
		"bytes=" + strings.Repeat("1-1,", 17), "lines=1-2", "bytes=1--2", "bytes=+1-2", "bytes=\t0-\t1"} {
		f.Add(s, int64(1000))
		f.Add(s, int64(0))
		f.Add(s, int64(1))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -(size + 1)
		}
		var dst [maxRanges]span
		n, v := parseRange(h, size, &dst)
		if v != rangeSatisfiable {
			if n != 0 {
				t.Fatalf("parseRange(%q, %d): verdict %d with %d spans", h, size, v, n)
			}
			return
		}
		if n < 1 || n > maxRanges || size == 0 {
			t.Fatalf("parseRange(%q, %d): %d spans", h, size, n)
		}
		var sum int64
		var b strings.Builder
		b.WriteString("bytes=")
		for i, s := range dst[:n] {
			if s.first < 0 || s.first > s.last || s.last >= size {
				t.Fatalf("parseRange(%q, %d): span %v out of [0,%d)", h, size, s, size)
			}
			for _, o := range dst[:i] {
				if s.first <= o.last && o.first <= s.last {
					t.Fatalf("parseRange(%q, %d): %v overlaps %v", h, size, s, o)
				}
			}
			sum += s.length()
			fmt.Fprintf(&b, "%d-%d,", s.first, s.last)
		}
		if sum > size {
			t.Fatalf("parseRange(%q, %d): %d bytes in all", h, size, sum)
		}
		var again [maxRanges]span
		m, v2 := parseRange(b.String(), size, &again)
		if v2 != rangeSatisfiable || m != n || again != dst {
			t.Fatalf("parseRange(%q, %d) = %v, but %q gives %v", h, size, dst[:n], b.String(), again[:m])
		}
	})
}

// FuzzParseHTTPDate checks parseHTTPDate against time.Parse: what we
// accept time.Parse accepts with the same instant, and an IMF-fixdate
// time.Parse accepts we accept too, unless its names are not in their
// canonical case (RFC 9110 §5.6.7 makes them case-sensitive, time.Parse
// does not); an accepted date printed back parses to itself.
func FuzzParseHTTPDate(f *testing.F) {
	for _, s := range []string{"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994", "Thu, 29 Feb 2024 00:00:00 GMT", "Sat, 31 Feb 2025 12:00:00 GMT",
		"sun, 06 nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:60 GMT", "Mon, 01 Jan 0000 00:00:00 GMT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sec, ok := parseHTTPDate(s)
		if len(s) == len(timeFormat) && s[3] == ',' {
			tt, err := time.Parse(timeFormat, s)
			switch {
			case ok && (err != nil || tt.Unix() != sec):
				t.Fatalf("parseHTTPDate(%q) = %d, time.Parse: %v, %v", s, sec, tt.Unix(), err)
			case !ok && err == nil && tt.UTC().Format(timeFormat) == s:
				t.Fatalf("parseHTTPDate(%q) refused a date time.Parse accepts", s)
			}
		}
		if ok {
			back := time.Unix(sec, 0).UTC().Format(timeFormat)
			if sec2, ok2 := parseHTTPDate(back); time.Unix(sec, 0).UTC().Year() >= 0 && time.Unix(sec, 0).UTC().Year() <= 9999 && (!ok2 || sec2 != sec) {
				t.Fatalf("parseHTTPDate(%q) = %d, but %q gives %d, %v", s, sec, back, sec2, ok2)
			}
		}
	})
}
