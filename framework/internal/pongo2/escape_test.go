package pongo2

import (
	"bytes"
	"strings"
	"testing"
)

// pongo2Escape is upstream pongo2 v6's escape filter (filters_builtin.go),
// the reference filterEscape and writeEscaped must equal (PATCHES.md, 6).
func pongo2Escape(in, _ *Value) (*Value, *Error) {
	output := strings.Replace(in.String(), "&", "&amp;", -1)
	output = strings.Replace(output, ">", "&gt;", -1)
	output = strings.Replace(output, "<", "&lt;", -1)
	output = strings.Replace(output, "\"", "&quot;", -1)
	output = strings.Replace(output, "'", "&#39;", -1)
	return AsValue(output), nil
}

// escapeCases are inputs for the escape filter: plain text, each special
// character, entities already escaped (escaped again, as pongo2 does),
// multi-byte text and invalid UTF-8.
var escapeCases = []any{
	"", "600519", "Kweichow Moutai", "&", "<", ">", `"`, "'",
	`<script>alert("x")</script>`, "a & b > c < d 'e' \"f\"", "&amp;&lt;", "&&&&",
	"贵州茅台 <b>", "\xff<\xfe", "no specials at all, but long " + strings.Repeat("x", 300),
	42, 1.5, true, nil, []string{"<a>"},
}

// TestEscapeFilter: the escape filter gives upstream's output for every
// case, called directly and on safe values, and pages print the same as
// with upstream's filter, through autoescaping (writeEscaped) and an
// explicit |escape.
func TestEscapeFilter(t *testing.T) {
	t.Parallel()
	for _, in := range escapeCases {
		for _, v := range []*Value{AsValue(in), AsSafeValue(in)} {
			got, _ := filterEscape(v, nil)
			want, _ := pongo2Escape(v, nil)
			if got.String() != want.String() || got.IsString() != want.IsString() {
				t.Errorf("escape(%#v) = %q (string %v); pongo2 gives %q (string %v)",
					in, got.String(), got.IsString(), want.String(), want.IsString())
			}
		}
	}
	tpl, err := testSet(t).FromString(`{{ x }}|{{ x|escape }}|{{ x|escape|length }}|{{ x|safe }}|{{ x|safe|escape }}`)
	if err != nil {
		t.Fatal(err)
	}
	e := func(s string) string { v, _ := pongo2Escape(AsValue(s), nil); return v.String() }
	for _, in := range escapeCases {
		got, err := tpl.Execute(Context{"x": in})
		if err != nil {
			t.Fatal(err)
		}
		// As pongo2 prints it with its own filter: autoescaping escapes
		// strings not marked safe, an explicit |escape's output included
		// (so twice), and leaves other values alone.
		s := AsValue(in).String()
		first := s
		if _, isString := in.(string); isString {
			first = e(s)
		}
		want := first + "|" + e(e(s)) + "|" + AsValue(len([]rune(e(s)))).String() + "|" + s + "|" + e(s)
		if got != want {
			t.Errorf("%#v: page %q, want %q", in, got, want)
		}
	}
}

// FuzzEscapeFilter compares the escape filter and writeEscaped with
// upstream's filter on any text.
func FuzzEscapeFilter(f *testing.F) {
	for _, in := range escapeCases {
		if s, ok := in.(string); ok {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, _ := filterEscape(AsValue(s), nil)
		want, _ := pongo2Escape(AsValue(s), nil)
		if got.String() != want.String() {
			t.Errorf("escape(%q) = %q; pongo2 gives %q", s, got.String(), want.String())
		}
		var w bytes.Buffer
		writeEscaped(&w, s)
		if w.String() != want.String() {
			t.Errorf("writeEscaped(%q) = %q; pongo2 gives %q", s, w.String(), want.String())
		}
	})
}

// BenchmarkEscapeFilter runs the escape filter on a value with nothing to
// escape (most of a page's) and one with some, the patched and upstream's.
func BenchmarkEscapeFilter(b *testing.B) {
	for _, f := range []struct {
		name string
		fn   FilterFunction
	}{{"patched", filterEscape}, {"upstream", pongo2Escape}} {
		for _, in := range []struct{ name, s string }{
			{"plain", "Kweichow Moutai"},
			{"specials", `Ping An "Bank" & <Insurance>`},
		} {
			b.Run(f.name+"/"+in.name, func(b *testing.B) {
				v := AsValue(in.s)
				b.ReportAllocs()
				for b.Loop() {
					if out, _ := f.fn(v, nil); len(out.String()) < len(in.s) {
						b.Fatal("escaped to less")
					}
				}
			})
		}
	}
}
