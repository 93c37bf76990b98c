package pongo2

import "strings"

// escapeReplaced is true once ReplaceFilter replaced the escape filter:
// autoescaping then calls it, where it otherwise escapes as it writes
// (writeEscaped, PATCHES.md, 6).
var escapeReplaced bool

// filterEscape is the escape filter: in's text with &, <, >, " and ' as
// &amp;, &lt;, &gt;, &quot; and &#39;. Upstream ran five strings.Replace
// over the text and made a new Value even when nothing changed; this one
// escapes in one pass, and returns a string value with nothing to escape
// as it is (not marked safe, as upstream's result is not: escaping it
// again changes nothing, so a page prints the same). PATCHES.md, 6.
func filterEscape(in *Value, param *Value) (*Value, *Error) {
	s := in.String()
	i := indexSpecial(s)
	if i < 0 {
		if in.IsString() {
			return in, nil
		}
		return AsValue(s), nil
	}
	return AsValue(escapeHTML(s, i)), nil
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
	writeEscapedFrom(&b, s[i:])
	return b.String()
}

// writeEscaped writes s to w escaped as filterEscape does, in runs of the
// text between the characters it escapes: no string is made.
func writeEscaped(w TemplateWriter, s string) {
	i := indexSpecial(s)
	if i < 0 {
		w.WriteString(s)
		return
	}
	w.WriteString(s[:i])
	writeEscapedFrom(w, s[i:])
}

// special marks the bytes the escape filter escapes.
var special = [256]bool{'&': true, '<': true, '>': true, '"': true, '\'': true}

// indexSpecial returns the index of the first byte of s that the escape
// filter escapes, or -1: strings.IndexAny(s, `&<>"'`) with a table
// (IndexAny makes its set on every call, and most texts are short).
func indexSpecial(s string) int {
	for i := 0; i < len(s); i++ {
		if special[s[i]] {
			return i
		}
	}
	return -1
}

// stringWriter is what writeEscapedFrom writes to.
type stringWriter interface {
	WriteString(string) (int, error)
}

// writeEscapedFrom writes s escaped; s[0] is a byte to escape.
func writeEscapedFrom(w stringWriter, s string) {
	for len(s) > 0 {
		switch s[0] {
		case '&':
			w.WriteString("&amp;")
		case '<':
			w.WriteString("&lt;")
		case '>':
			w.WriteString("&gt;")
		case '"':
			w.WriteString("&quot;")
		case '\'':
			w.WriteString("&#39;")
		}
		s = s[1:]
		i := indexSpecial(s)
		if i < 0 {
			w.WriteString(s)
			return
		}
		w.WriteString(s[:i])
		s = s[i:]
	}
}
