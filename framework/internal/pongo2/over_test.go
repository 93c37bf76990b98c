package pongo2

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ExecuteBytesOver (PATCHES.md, 15) prints what ExecuteBytes prints with
// the contexts merged into one map, the last of under first and context
// last, over the set's globals.

func TestExecuteBytesOver(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"part.html": `[{{ a }}|{{ b }}|{{ c }}|{{ g }}|{{ n }}|{{ w|default:"-" }}]`,
		"page.html": `{{ a }},{{ b }},{{ c }},{{ d }},{{ g }},{{ n }},{{ s }},{{ f("x") }},{% for x in list %}{{ x }}{% endfor %}` +
			`{% include "part.html" %}{% include "part.html" with w="with" %}{% include "part.html" with b="only" only %}` +
			`{% with a="local" %}{{ a }}{% endwith %}{% if missing %}no{% else %}{{ missing }}ok{% endif %}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set := NewSet(t.Name(), MustNewLocalFileSystemLoader(dir))
	set.Globals = Context{"g": "global", "a": "global-a", "n": "global-n"}
	tpl, err := set.FromFile("page.html")
	if err != nil {
		t.Fatal(err)
	}
	page := Context{"a": "page<a>", "n": nil, "list": []int{1, 2}}
	mid := Context{"a": "mid-a", "b": "mid-b", "s": AsSafeValue("<i>safe</i>"), "f": func(s string) string { return s + "!" }}
	low := Context{"a": "low-a", "b": "low-b", "c": "low-c", "d": 4}
	for _, under := range [][]Context{
		{mid, low},
		{mid, {}, low, nil},
		{mid, low, {}, {}, {}, {}}, // more than the execution holds in place
	} {
		merged := Context{}
		for i := len(under) - 1; i >= 0; i-- {
			merged.Update(under[i])
		}
		merged.Update(page)
		want, err := tpl.ExecuteBytes(merged)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tpl.ExecuteBytesOver(page, under...)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%d contexts under the page:\n got %s\nwant %s", len(under), got, want)
		}
		if !strings.HasPrefix(string(got), "page&lt;a&gt;,mid-b,low-c,4,global,,<i>safe</i>,x!,12[page&lt;a&gt;|mid-b|low-c|global||-]") {
			t.Errorf("unexpected output %s", got)
		}
	}
	// The page's own data may be nil; no context is written.
	got, err := tpl.ExecuteBytesOver(nil, low)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "low-a,low-b,low-c,4,global,global-n,") {
		t.Errorf("nil page: %s", got)
	}
	if len(page) != 3 || len(mid) != 4 || len(low) != 4 || len(set.Globals) != 3 {
		t.Errorf("a context was written: %v %v %v %v", page, mid, low, set.Globals)
	}
}

// TestExecuteBytesOverChecks: every context's names are checked, as the
// merged map's were.
func TestExecuteBytesOverChecks(t *testing.T) {
	t.Parallel()
	set := testSet(t)
	tpl, err := set.FromString(`{% macro m() export %}m{% endmacro %}{{ a }}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		page, under Context
		want        string
	}{
		{Context{"a": 1}, Context{"bad-name": 1}, "is not a valid identifier"},
		{Context{"bad name": 1}, Context{"a": 1}, "is not a valid identifier"},
		{Context{"a": 1}, Context{"m": 1}, "clashes with macro 'm'"},
	} {
		_, err := tpl.ExecuteBytesOver(c.page, c.under)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v over %v: error %v, want %q", c.page, c.under, err, c.want)
		}
		merged := Context{}
		merged.Update(c.under)
		merged.Update(c.page)
		if _, err := tpl.ExecuteBytes(merged); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("merged %v: error %v, want %q", merged, err, c.want)
		}
	}
}
