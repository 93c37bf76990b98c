package static

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	t.Parallel()
	const size = 1000
	tests := []struct {
		h       string
		verdict rangeVerdict
		spans   []span // for rangeSatisfiable
	}{
		{"bytes=0-499", rangeSatisfiable, []span{{0, 499}}},
		{"bytes=500-999", rangeSatisfiable, []span{{500, 999}}},
		{"bytes=500-", rangeSatisfiable, []span{{500, 999}}},
		{"bytes=-500", rangeSatisfiable, []span{{500, 999}}},
		{"bytes=-5000", rangeSatisfiable, []span{{0, 999}}},
		{"bytes=0-0", rangeSatisfiable, []span{{0, 0}}},
		{"bytes=999-", rangeSatisfiable, []span{{999, 999}}},
		{"bytes=900-5000", rangeSatisfiable, []span{{900, 999}}},
		{"bytes=0-99999999999999999999999", rangeSatisfiable, []span{{0, 999}}},
		{"bytes=-99999999999999999999999", rangeSatisfiable, []span{{0, 999}}},
		{"BYTES=0-1", rangeSatisfiable, []span{{0, 1}}},
		{"bytes= 0-1 ,\t5-6 ", rangeSatisfiable, []span{{0, 1}, {5, 6}}},
		{"bytes=0-1,,5-6,", rangeSatisfiable, []span{{0, 1}, {5, 6}}},
		{"bytes=0-9,10-19", rangeSatisfiable, []span{{0, 9}, {10, 19}}},
		{"bytes=10-19,0-9", rangeSatisfiable, []span{{10, 19}, {0, 9}}},
		{"bytes=0-1,2000-3000", rangeSatisfiable, []span{{0, 1}}}, // unsatisfiable members drop out
		{"bytes=0001-0002", rangeSatisfiable, []span{{1, 2}}},
		{"bytes=1000-", rangeUnsatisfiable, nil},
		{"bytes=1000-2000", rangeUnsatisfiable, nil},
		{"bytes=-0", rangeUnsatisfiable, nil},
		{"bytes=1000-,2000-3000", rangeUnsatisfiable, nil},
		{"bytes=99999999999999999999-", rangeUnsatisfiable, nil},
		{"", rangeIgnore, nil},
		{"bytes=", rangeIgnore, nil},
		{"bytes=,", rangeIgnore, nil},
		{"bytes", rangeIgnore, nil},
		{"bytes =0-1", rangeIgnore, nil},
		{"items=0-1", rangeIgnore, nil},
		{"bytes=-", rangeIgnore, nil},
		{"bytes=1", rangeIgnore, nil},
		{"bytes=a-b", rangeIgnore, nil},
		{"bytes=5-1", rangeIgnore, nil},
		{"bytes=+1-2", rangeIgnore, nil},
		{"bytes=1--2", rangeIgnore, nil},
		{"bytes=0-1,x", rangeIgnore, nil},
		{"bytes=0-1;q", rangeIgnore, nil},
		{"bytes=0 -1", rangeIgnore, nil},
		{"bytes=0-1,1-2", rangeIgnore, nil},    // overlapping
		{"bytes=0-,-500", rangeIgnore, nil},    // overlapping
		{"bytes=0-99,50-60", rangeIgnore, nil}, // nested
		{"bytes=" + strings.Repeat("0-0,", 16) + "1-1", rangeIgnore, nil},
		{"bytes=" + strings.Repeat("1-1,", 15) + "1-1", rangeIgnore, nil}, // 16, but overlapping
	}
	for _, tt := range tests {
		var dst [maxRanges]span
		n, v := parseRange(tt.h, size, &dst)
		if v != tt.verdict {
			t.Errorf("parseRange(%q) verdict %d, want %d", tt.h, v, tt.verdict)
			continue
		}
		if v == rangeSatisfiable && fmt.Sprint(dst[:n]) != fmt.Sprint(tt.spans) {
			t.Errorf("parseRange(%q) = %v, want %v", tt.h, dst[:n], tt.spans)
		}
	}
	// 16 disjoint ranges are fine.
	var b strings.Builder
	for i := 0; i < maxRanges; i++ {
		fmt.Fprintf(&b, "%d-%d,", i*10, i*10+1)
	}
	var dst [maxRanges]span
	if n, v := parseRange("bytes="+b.String(), size, &dst); v != rangeSatisfiable || n != maxRanges {
		t.Errorf("16 ranges: %d, %d", n, v)
	}
	// An empty file satisfies nothing, not even a suffix.
	for _, h := range []string{"bytes=0-", "bytes=-1", "bytes=0-0"} {
		if _, v := parseRange(h, 0, &dst); v != rangeUnsatisfiable {
			t.Errorf("empty file, %q: verdict %d", h, v)
		}
	}
	if n, ok := parseDigits("9223372036854775807"); !ok || n != math.MaxInt64 {
		t.Errorf("parseDigits(MaxInt64) = %d, %v", n, ok)
	}
}

func TestRange(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	notes := mustRead(t, root, "notes.txt")
	big := mustRead(t, root, "big.bin")
	tests := []struct {
		name   string
		path   string
		kv     []string
		status int
		cr     string // Content-Range
		body   []byte // for 200 and single-range 206
	}{
		{"single", "/notes.txt", []string{"Range", "bytes=0-9"}, 206, "bytes 0-9/100", notes[:10]},
		{"suffix", "/notes.txt", []string{"Range", "bytes=-5"}, 206, "bytes 95-99/100", notes[95:]},
		{"open", "/notes.txt", []string{"Range", "bytes=90-"}, 206, "bytes 90-99/100", notes[90:]},
		{"clamped", "/notes.txt", []string{"Range", "bytes=90-1000"}, 206, "bytes 90-99/100", notes[90:]},
		{"whole", "/notes.txt", []string{"Range", "bytes=0-"}, 206, "bytes 0-99/100", notes},
		{"beyond", "/notes.txt", []string{"Range", "bytes=100-"}, 416, "bytes */100", nil},
		{"zero_suffix", "/notes.txt", []string{"Range", "bytes=-0"}, 416, "bytes */100", nil},
		{"empty_file", "/empty.txt", []string{"Range", "bytes=0-"}, 416, "bytes */0", nil},
		{"malformed", "/notes.txt", []string{"Range", "bytes=x-y"}, 200, "", notes},
		{"other_unit", "/notes.txt", []string{"Range", "lines=1-2"}, 200, "", notes},
		{"overlap", "/notes.txt", []string{"Range", "bytes=0-50,40-60"}, 200, "", notes},
		{"too_many", "/notes.txt", []string{"Range", "bytes=" + strings.Repeat("1-1,", 17)}, 200, "", notes},
		{"if_range_etag", "/notes.txt", []string{"Range", "bytes=0-9", "If-Range", notesETag}, 206, "bytes 0-9/100", notes[:10]},
		{"if_range_etag_miss", "/notes.txt", []string{"Range", "bytes=0-9", "If-Range", `"old"`}, 200, "", notes},
		{"if_range_weak", "/notes.txt", []string{"Range", "bytes=0-9", "If-Range", "W/" + notesETag}, 200, "", notes},
		{"if_range_date", "/notes.txt", []string{"Range", "bytes=0-9", "If-Range", fixedLastModified}, 206, "bytes 0-9/100", notes[:10]},
		{"if_range_date_later", "/notes.txt", []string{"Range", "bytes=0-9", "If-Range", "Sun, 02 Mar 2025 12:00:00 GMT"}, 200, "", notes},
		{"if_range_garbage", "/notes.txt", []string{"Range", "bytes=0-9", "If-Range", "soon"}, 200, "", notes},
		{"if_range_unsatisfiable_miss", "/notes.txt", []string{"Range", "bytes=500-", "If-Range", `"old"`}, 200, "", notes},
		{"inm_beats_range", "/notes.txt", []string{"Range", "bytes=0-9", "If-None-Match", notesETag}, 304, "", nil},
		{"big_single", "/big.bin", []string{"Range", "bytes=1000-1999"}, 206, "bytes 1000-1999/102400", big[1000:2000]},
		{"big_suffix", "/big.bin", []string{"Range", "bytes=-100"}, 206, "bytes 102300-102399/102400", big[102300:]},
	}
	for _, tt := range tests {
		rec := get(t, h, tt.path, tt.kv...)
		if rec.status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, rec.status, tt.status)
			continue
		}
		if got := rec.get("Content-Range"); got != tt.cr {
			t.Errorf("%s: Content-Range %q, want %q", tt.name, got, tt.cr)
		}
		if tt.body != nil && !bytes.Equal(rec.body.Bytes(), tt.body) {
			t.Errorf("%s: body %q, want %q", tt.name, shorten(rec.body.Bytes()), shorten(tt.body))
		}
		if tt.status == 206 && strings.HasPrefix(tt.path, "/big") && (!rec.readFromFile || rec.readFroms != 1) {
			t.Errorf("%s: big range not sent with ReadFrom of a file", tt.name)
		}
	}
}

func shorten(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

// readParts parses a multipart/byteranges response with mime/multipart and
// returns each part's Content-Range, Content-Type and data.
func readParts(t *testing.T, ctype string, body []byte) (ranges, types []string, data [][]byte) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil || mt != "multipart/byteranges" || params["boundary"] == "" {
		t.Fatalf("Content-Type %q: %v", ctype, err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		ranges = append(ranges, p.Header.Get("Content-Range"))
		types = append(types, p.Header.Get("Content-Type"))
		data = append(data, b)
	}
}

func TestMultipartRange(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	for _, file := range []string{"notes.txt", "big.bin"} {
		content := mustRead(t, root, file)
		size := len(content)
		hdr := "bytes=0-4, 10-19, -3, 50-59"
		if file == "big.bin" {
			hdr = "bytes=0-4, 10-19, -3, 50000-69999"
		}
		rec := get(t, h, "/"+file, "Range", hdr)
		if rec.status != 206 || rec.has("Content-Range") {
			t.Fatalf("%s: status %d, Content-Range %q", file, rec.status, rec.get("Content-Range"))
		}
		ranges, types, data := readParts(t, rec.get("Content-Type"), rec.body.Bytes())
		var dst [maxRanges]span
		n, _ := parseRange(hdr, int64(size), &dst)
		if len(ranges) != n {
			t.Fatalf("%s: %d parts, want %d", file, len(ranges), n)
		}
		for i, s := range dst[:n] {
			if want := fmt.Sprintf("bytes %d-%d/%d", s.first, s.last, size); ranges[i] != want {
				t.Errorf("%s part %d: Content-Range %q, want %q", file, i, ranges[i], want)
			}
			if types[i] != contentType(file) {
				t.Errorf("%s part %d: Content-Type %q", file, i, types[i])
			}
			if !bytes.Equal(data[i], content[s.first:s.last+1]) {
				t.Errorf("%s part %d: wrong data", file, i)
			}
		}
		if file == "big.bin" && (!rec.readFromFile || rec.readFroms != n) {
			t.Errorf("big multipart: %d ReadFroms (file %v), want %d", rec.readFroms, rec.readFromFile, n)
		}
	}
}

// rangeDiffTests are Range headers on which we and net/http agree; we
// differ by design on malformed, overlapping and suffix "-0" ones.
var rangeDiffTests = []string{
	"bytes=0-0", "bytes=0-9", "bytes=5-", "bytes=-1", "bytes=-10", "bytes=-1000",
	"bytes=99-", "bytes=98-200", "bytes=100-", "bytes=100-200", "bytes=0-99",
	"bytes=0-1,5-6", "bytes=-1,0-0", "bytes=0-9,20-29,40-49", "bytes=0-1,200-300",
	"bytes=1-1,3-3,5-5,7-7,9-9,11-11,13-13,15-15",
}

// TestRangeMatchNetHTTP compares ranged GETs with http.ServeContent:
// status, Content-Range, and each part's range and data.
func TestRangeMatchNetHTTP(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	for _, hdr := range rangeDiffTests {
		for _, ifRange := range []string{"", notesETag, `"stale"`, fixedLastModified} {
			kv := []string{"Range", hdr}
			if ifRange != "" {
				kv = append(kv, "If-Range", ifRange)
			}
			ours := get(t, h, "/notes.txt", kv...)
			theirs := serveContent(t, filepath.Join(root, "notes.txt"), kv...)
			name := hdr + " If-Range " + ifRange
			if ours.status != theirs.Code {
				t.Errorf("%s: status %d, net/http %d", name, ours.status, theirs.Code)
				continue
			}
			if got, want := ours.get("Content-Range"), theirs.Header().Get("Content-Range"); got != want {
				t.Errorf("%s: Content-Range %q, net/http %q", name, got, want)
			}
			compareBodies(t, name, ours, theirs)
		}
	}
}

func compareBodies(t *testing.T, name string, ours *recorder, theirs *httptest.ResponseRecorder) {
	t.Helper()
	ct := ours.get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/") {
		if ours.status != 416 && !bytes.Equal(ours.body.Bytes(), theirs.Body.Bytes()) {
			t.Errorf("%s: body %q, net/http %q", name, shorten(ours.body.Bytes()), shorten(theirs.Body.Bytes()))
		}
		return
	}
	r1, t1, d1 := readParts(t, ct, ours.body.Bytes())
	r2, t2, d2 := readParts(t, theirs.Header().Get("Content-Type"), theirs.Body.Bytes())
	if fmt.Sprint(r1, t1) != fmt.Sprint(r2, t2) || fmt.Sprint(d1) != fmt.Sprint(d2) {
		t.Errorf("%s: parts %v %v, net/http %v %v", name, r1, t1, r2, t2)
	}
	// The same layout: only the boundaries differ, so the lengths agree.
	if int64(theirs.Body.Len()) != ours.length-int64(len(r1)+1)*int64(len(boundaryOf(ct))-len(boundaryOf(theirs.Header().Get("Content-Type")))) {
		t.Errorf("%s: body length %d, net/http %d", name, ours.length, theirs.Body.Len())
	}
}

func boundaryOf(ct string) string {
	_, params, _ := mime.ParseMediaType(ct)
	return params["boundary"]
}
