package framework

import (
	"strings"

	"github.com/miniweb/miniweb/framework/internal/pongo2"
)

// pongo2's escape filter is what autoescaping applies to every string a
// template prints: on the demo's pages a fifth of the render's CPU, as
// pongo2 writes it (five strings.Replace over the text, then a new value,
// even when nothing changed). The framework replaces it, for the whole
// process (pongo2's filters are global), with escapeHTML: the same output
// for every input (TestEscapeFilter, FuzzEscapeFilter compare them), in
// one pass, and no allocation for a string with nothing to escape, the
// common case (codes, names, numbers). BenchmarkEscapeFilter measures
// both.
func init() {
	if err := pongo2.ReplaceFilter("escape", filterEscape); err != nil {
		panic("framework: " + err.Error())
	}
}

// filterEscape is pongo2's escape filter: in's text with &, <, >, " and '
// as &amp;, &lt;, &gt;, &quot; and &#39;, as a string value. A string
// value that holds none of them is returned as it is, where pongo2's
// filter returns a new value of the same text (not marked safe: escaping
// it again, which is all autoescaping does with an unsafe value, changes
// nothing either, so a page prints the same).
func filterEscape(in, _ *pongo2.Value) (*pongo2.Value, *pongo2.Error) {
	s := in.String()
	i := strings.IndexAny(s, `&<>"'`)
	if i < 0 {
		if in.IsString() {
			return in, nil
		}
		return pongo2.AsValue(s), nil
	}
	return pongo2.AsValue(escapeHTML(s, i)), nil
}

// escapeHTML returns s escaped as filterEscape does; s[i] is its first
// byte to escape.
func escapeHTML(s string, i int) string {
	n := len(s)
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '&', '\'':
			n += 4
		case '<', '>':
			n += 3
		case '"':
			n += 5
		}
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
