package pongo2

import (
	"errors"
	"strings"
	"testing"
)

// The patches' fast paths must print what upstream's slow paths print:
// each case renders a template twice, through the fast path and through a
// form of the same lookup the fast path does not take.

type namedData map[string]any

type inner struct{ Name string }

type outer struct {
	inner
	Code string
	P    *inner
}

type other struct {
	Name string
	Pad  int
}

func TestPatchedLookups(t *testing.T) {
	t.Parallel()
	safe := AsSafeValue("<b>safe</b>")
	ctx := Context{
		"m":     map[string]any{"a": "x<y", "n": nil, "v": safe, "i": 42, "f": 1.5},
		"named": namedData{"a": "named", "sub": namedData{"b": "deep"}},
		"ss":    map[string]string{"a": "plain"},
		"o":     outer{inner: inner{"embedded"}, Code: "600519"},
		"list":  []any{outer{Code: "one"}, other{Name: "two"}, outer{inner: inner{"three"}}},
		"t":     true,
		"up":    func(s string) string { return "[" + s + "]" },
		"url": func(s string) (string, error) {
			if s == "" {
				return "", errors.New("no name")
			}
			return "/" + s + "?v=1", nil
		},
		"name": "style.css",
		"num":  7,
	}
	for _, c := range []struct{ tpl, want string }{
		{`{{ m.a }}|{{ m["a"] }}`, `x&lt;y|x&lt;y`},
		{`{{ m.n }}|{{ m.missing }}|{{ m.i }}|{{ m.f }}`, `||42|1.500000`},
		{`{{ m.v }}|{{ m["v"] }}`, `<b>safe</b>|<b>safe</b>`},
		{`{{ named.a }}|{{ named.sub.b }}|{{ ss.a }}`, `named|deep|plain`},
		{`{{ o.Code }}|{{ o.Name }}|{{ o.P.Name }}|{{ o.Nope }}`, `600519|embedded||`},
		// One part, structs of different types in turn: the inline
		// cache must follow the type.
		{`{% for x in list %}{{ x.Name }},{% endfor %}`, `,two,three,`},
		{`{% for x in list %}{{ x.Name }},{% endfor %}`, `,two,three,`},
		{`{% if m.a == "x<y" %}eq{% endif %}{% if ss.a != "plain" %}ne{% endif %}{% if t and 1 < 2 %}!{% endif %}`, `eq!`},
		{`{{ up("a<b") }}|{{ up(name) }}|{{ url("x") }}|{{ url(name)|upper }}|{{ up(m.a) }}`, `[a&lt;b]|[style.css]|/x?v=1|/STYLE.CSS?V=1|[x&lt;y]`},
	} {
		tpl, err := testSet(t).FromString(c.tpl)
		if err != nil {
			t.Fatalf("%s: %v", c.tpl, err)
		}
		got, err := tpl.Execute(ctx)
		if err != nil {
			t.Fatalf("%s: %v", c.tpl, err)
		}
		if got != c.want {
			t.Errorf("%s = %q, want %q", c.tpl, got, c.want)
		}
	}
}

// TestPatchedCallErrors: the errors of calling a function of a string
// are upstream's.
func TestPatchedCallErrors(t *testing.T) {
	t.Parallel()
	ctx := Context{
		"up":  func(s string) string { return s },
		"url": func(s string) (string, error) { return "", errors.New("no name") },
		"num": 7,
	}
	for _, c := range []struct{ tpl, want string }{
		{`{{ url("x") }}`, `no name`},
		{`{{ up(num) }}`, `function input argument 0 of 'up' must be of type string or *pongo2.Value (not int)`},
		{`{{ up(nothing) }}`, `function input argument 0 of 'up' must be of type string or *pongo2.Value (not <nil>)`},
		{`{{ up("a", "b") }}`, `function input argument count (1) of 'up' must be equal to the calling argument count (2)`},
	} {
		tpl, err := testSet(t).FromString(c.tpl)
		if err != nil {
			t.Fatalf("%s: %v", c.tpl, err)
		}
		_, err = tpl.Execute(ctx)
		if err == nil || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one ending %q", c.tpl, err, c.want)
		}
	}
}

// TestValueBlocksKept: a Value a function keeps stays as it was after the
// execution that made it, and later executions (made in blocks that are
// never reused).
func TestValueBlocksKept(t *testing.T) {
	t.Parallel()
	var kept []*Value
	keep := func(v *Value) string { kept = append(kept, v); return "" }
	tpl, err := testSet(t).FromString(`{% for s in list %}{{ keep(s) }}{% endfor %}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range [][]string{{"a", "b"}, {"c", "d"}} {
		if _, err := tpl.Execute(Context{"keep": keep, "list": list}); err != nil {
			t.Fatal(err)
		}
	}
	var got string
	for _, v := range kept {
		got += v.String()
	}
	if got != "abcd" {
		t.Errorf("kept values print %q, want abcd", got)
	}
}

// testSet returns a template set of t's own: compiling writes to the set,
// so parallel tests do not share one.
func testSet(t *testing.T) *TemplateSet {
	return NewSet(t.Name(), MustNewLocalFileSystemLoader(""))
}
