package framework

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

var rewriteTests = []struct {
	name string
	in   string
	out  string   // the rewritten text
	vars []string // the placeholders found, as "name@line:col"
	err  string   // the first malformed placeholder, as "line:col", or ""
}{
	{"lesson", "<h1><%content%></h1>", "<h1>{{content}}</h1>", []string{"content@1:5"}, ""},
	{"spaces", "<% content %>|<%\tx\t%>", "{{ content }}|{{\tx\t}}", []string{"content@1:1", "x@1:15"}, ""},
	{"dotted", "<%user.name%> <%items.0%> <%a.b.c%>", "{{user.name}} {{items.0}} {{a.b.c}}", []string{"user.name@1:1", "items.0@1:15", "a.b.c@1:27"}, ""},
	{"lines", "a\n\n  <%x%>\n<%y%>", "a\n\n  {{x}}\n{{y}}", []string{"x@3:3", "y@4:1"}, ""},
	{"adjacent", "<%a%><%b%>", "{{a}}{{b}}", []string{"a@1:1", "b@1:6"}, ""},
	{"utf8 columns are bytes", "价格<%price%>", "价格{{price}}", []string{"price@1:7"}, ""},

	// Filters, with and without an argument.
	{"filter", "<%a|upper%>", "{{a|upper}}", []string{"a@1:1"}, ""},
	{"filter chain", "<% a.b | lower|title %>", "{{ a.b | lower|title }}", []string{"a.b@1:1"}, ""},
	{"filter number", "<%price|floatformat:2%> <%x|add:1.5%>", "{{price|floatformat:2}} {{x|add:1.5}}", []string{"price@1:1", "x@1:25"}, ""},
	{"filter string", `<%t|date:"2006-01-02"%> <%a|default:'n/a'%>`, `{{t|date:"2006-01-02"}} {{a|default:'n/a'}}`, []string{"t@1:1", "a@1:25"}, ""},
	{"filter string holds %>", `<%a|default:"%>"%>`, `{{a|default:"%>"}}`, []string{"a@1:1"}, ""},
	{"filter escaped quote", `<%a|default:"\"x"%>`, `{{a|default:"\"x"}}`, []string{"a@1:1"}, ""},
	{"filter name argument", "<%a|default:user.name%>", "{{a|default:user.name}}", []string{"a@1:1"}, ""},

	// Malformed: "<%", a name, and a "%>" on the line, but no placeholder.
	{"two words", "<%a b%>", "<%a b%>", nil, "1:5"},
	{"empty segment", "<%a.%>", "<%a.%>", nil, "1:5"},
	{"double dot", "x <%a..b%>", "x <%a..b%>", nil, "1:7"},
	{"letter after index", "<%a.0x%>", "<%a.0x%>", nil, "1:6"},
	{"empty filter", "<%a|%>", "<%a|%>", nil, "1:5"},
	{"filter starts with digit", "<%a|1x%>", "<%a|1x%>", nil, "1:5"},
	{"empty argument", "<%a|b:%>", "<%a|b:%>", nil, "1:7"},
	{"unterminated string", `<%a|b:"x%>`, `<%a|b:"x%>`, nil, "1:7"},
	{"expression", "<%a + 1%>", "<%a + 1%>", nil, "1:5"},
	{"call", "<%a()%>", "<%a()%>", nil, "1:4"},
	{"after brace", "{<%a%>}", "{<%a%>}", nil, "1:2"},
	{"first error reported, others rewritten", "<%a b%>\n <%c d%> <%e%>", "<%a b%>\n <%c d%> {{e}}", []string{"e@2:10"}, "1:5"},

	// Not placeholders: left as written.
	{"asp", "<%= x %> <%@ page %> <%-- c --%>", "<%= x %> <%@ page %> <%-- c --%>", nil, ""},
	{"empty", "<%%> <% %>", "<%%> <% %>", nil, ""},
	{"digit first", "<%1x%> <%.a%>", "<%1x%> <%.a%>", nil, ""},
	{"newline inside", "<%a\n%>", "<%a\n%>", nil, ""},
	{"unclosed", "<%a", "<%a", nil, ""},
	{"closed on a later line", "<%a b\n%>", "<%a b\n%>", nil, ""},
	{"percent", "50<%", "50<%", nil, ""},

	// pongo2's own syntax is pongo2's.
	{"pongo2 var", "{{ a }} <%b%>", "{{ a }} {{b}}", []string{"b@1:9"}, ""},
	{"in pongo2 string", `{{ "<%a%>" }} {% if x == '<%a%>' %}`, `{{ "<%a%>" }} {% if x == '<%a%>' %}`, nil, ""},
	{"string with brace", `{{ "}}<%a%>" }}<%b%>`, `{{ "}}<%a%>" }}{{b}}`, []string{"b@1:16"}, ""},
	{"escaped quote", `{{ "\"<%a%>" }}`, `{{ "\"<%a%>" }}`, nil, ""},
	{"comment", "{# <%a%> #}<%b%>", "{# <%a%> #}{{b}}", []string{"b@1:12"}, ""},
	{"verbatim", "{% verbatim %}<%a%>{{ b }}{% endverbatim %}<%c%>", "{% verbatim %}<%a%>{{ b }}{% endverbatim %}{{c}}", []string{"c@1:44"}, ""},
	{"unclosed tag", "{{ a \n<%b%>", "{{ a \n{{b}}", []string{"b@2:1"}, ""},
	{"malformed in pongo2 tag", "{{ '<%a b%>' }}", "{{ '<%a b%>' }}", nil, ""},
}

func TestRewritePlaceholders(t *testing.T) {
	t.Parallel()
	for _, tt := range rewriteTests {
		b := []byte(tt.in)
		res := rewritePlaceholders(b)
		if string(b) != tt.out {
			t.Errorf("%s: %q -> %q, want %q", tt.name, tt.in, b, tt.out)
		}
		var vars []string
		for _, p := range res.Placeholders {
			vars = append(vars, p.Name+"@"+strconv.Itoa(p.Line)+":"+strconv.Itoa(p.Col))
		}
		if strings.Join(vars, " ") != strings.Join(tt.vars, " ") {
			t.Errorf("%s: found %v, want %v", tt.name, vars, tt.vars)
		}
		var err string
		if res.Err != nil {
			err = strconv.Itoa(res.Err.Line) + ":" + strconv.Itoa(res.Err.Col)
		}
		if err != tt.err {
			t.Errorf("%s: error at %q (%v), want at %q", tt.name, err, res.Err, tt.err)
		}
	}
}

func TestDynamicInclude(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		`{% include "a.html" %}`: false,
		`{% include 'a.html' %}`: false,
		`{% include name %}`:     true,
		`{%- include name -%}`:   true,
		`{% include name|x %}`:   true,
		`{% includes "x" %}`:     false,
		`{{ include }}`:          false,
		`text include name here`: false,
	} {
		if got := rewritePlaceholders([]byte(in)).DynamicInclude; got != want {
			t.Errorf("%s: dynamic %v, want %v", in, got, want)
		}
	}
}

// TestErrorColumns checks that pongo2's error positions are those of the
// file as written, placeholders and their filters before the error
// included, in both modes (dev mode adds more to a dotted placeholder),
// and that a malformed placeholder is an error at its own position,
// in a page or in a file it includes.
func TestErrorColumns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The Apps first: in production New refuses a folder that does not
	// compile.
	apps := map[bool]*App{}
	for _, dev := range []bool{false, true} {
		apps[dev], _ = newApp(t, dir, Options{Dev: dev})
	}
	lines := []string{
		"<p><%title%></p>",
		`<p><%content|upper%> <%= not one %> <% user.name|default:"x" %> {{ 1 + }}</p>`,
	}
	writeFile(t, dir, "bad.html", strings.Join(lines, "\n")+"\n")
	writeFile(t, dir, "keyword.html", "<%a%>\n   <%in%>\n")
	filterLine := "<%a.b%> <%c%> <%d|nosuch%>"
	writeFile(t, dir, "filter.html", "\n"+filterLine+"\n")
	writeFile(t, dir, "malformed.html", "<p><%a.b%></p>\n<p><%a.b%> <%user name%></p>\n")
	writeFile(t, dir, "include.html", "<%x.y%>\n{% include \"part.html\" %}\n")
	writeFile(t, dir, "part.html", "ok\n  <%a|%>\n")
	for _, dev := range []bool{false, true} {
		app := apps[dev]
		for _, name := range []string{"bad", "keyword", "filter", "malformed", "include"} {
			app.Page("GET", "/"+name+".py", name+".html", nil)
		}
		for _, tt := range []struct {
			page  string
			where string // file:line:col
		}{
			// pongo2 points at the token after "+", the "}}".
			{"bad", "bad.html:2:" + strconv.Itoa(strings.Index(lines[1], "}}")+1)},
			// pongo2 points past the keyword, at the "%>" (its "}}").
			{"keyword", "keyword.html:2:8"},
			// An unknown filter, after two placeholders on its line.
			{"filter", "filter.html:2:" + strconv.Itoa(strings.Index(filterLine, "nosuch")+1)},
			// The offending byte of the first malformed placeholder.
			{"malformed", "malformed.html:2:19"},
			{"include", "part.html:2:7"},
		} {
			e := app.store.lookup(tt.page + ".html")
			if e.err == nil {
				t.Errorf("dev %v: %s compiles", dev, tt.page)
				continue
			}
			te := app.store.locate(tt.page+".html", e.files, e.err)
			if where := te.File + ":" + strconv.Itoa(te.Line) + ":" + strconv.Itoa(te.Col); where != tt.where {
				t.Errorf("dev %v: %s: error at %s, want %s (%v)", dev, tt.page, where, tt.where, te)
			}
			if dev {
				// The dev page says the same.
				rec := get(t, app, "/"+tt.page+".py")
				file, pos, _ := strings.Cut(tt.where, ":")
				line, col, _ := strings.Cut(pos, ":")
				want := file + ", line " + line + ", column " + col
				if rec.Code != 500 || !strings.Contains(string(rec.Body), want) {
					t.Errorf("%s: %d, dev page lacks %q:\n%s", tt.page, rec.Code, want, rec.Body)
				}
			}
		}
	}
}

// FuzzPlaceholders checks the rewrite's promises on any text: the length
// and the newlines are kept, only "<%" and "%>" pairs change (into "{{" and
// "}}") where placeholders were found, text without "<%" is left as it is,
// and rewriting again changes nothing (the scan reads its own output as
// pongo2 tags where it wrote them, so its idea of what is pongo2's holds).
func FuzzPlaceholders(f *testing.F) {
	for _, tt := range rewriteTests {
		f.Add(tt.in)
	}
	f.Add("{% verbatim %}<%a%>")
	f.Add("{{ '\\")
	f.Fuzz(func(t *testing.T, in string) {
		b := []byte(in)
		res := rewritePlaceholders(b)
		if len(b) != len(in) {
			t.Fatalf("length %d -> %d", len(in), len(b))
		}
		if bytes.Count(b, []byte("\n")) != strings.Count(in, "\n") {
			t.Fatalf("newlines changed: %q -> %q", in, b)
		}
		if !strings.Contains(in, "<%") {
			if string(b) != in || len(res.Placeholders) != 0 {
				t.Fatalf("text without <%% changed: %q -> %q", in, b)
			}
			return
		}
		// Every change is a placeholder's delimiters, where it was found.
		changed := 0
		for i := range b {
			if b[i] != in[i] {
				changed++
			}
		}
		if changed != 4*len(res.Placeholders) {
			t.Fatalf("%d bytes changed for %d placeholders: %q -> %q", changed, len(res.Placeholders), in, b)
		}
		lineStarts := []int{0}
		for i := range in {
			if in[i] == '\n' {
				lineStarts = append(lineStarts, i+1)
			}
		}
		for _, p := range res.Placeholders {
			at := lineStarts[p.Line-1] + p.Col - 1
			if !strings.HasPrefix(in[at:], "<%") || !strings.HasPrefix(string(b[at:]), "{{") {
				t.Fatalf("placeholder %+v not at a rewritten <%%: %q -> %q", p, in, b)
			}
			end := p.End
			if in[end:end+2] != "%>" || string(b[end:end+2]) != "}}" || !strings.Contains(in[at:end], p.Name) {
				t.Fatalf("placeholder %+v not closed by a rewritten %%>: %q -> %q", p, in, b)
			}
		}
		again := bytes.Clone(b)
		if res := rewritePlaceholders(again); !bytes.Equal(again, b) || len(res.Placeholders) != 0 {
			t.Fatalf("rewriting twice changed more: %q -> %q -> %q", in, b, again)
		}
		checkShifts(t, in)
	})
}

// checkShifts checks the loader's rewrite of in against the scan: without
// the text it adds, the rewrite is the scan's; each addition is a filter
// right before a placeholder's "}}"; and mapCol takes every column of the
// rewrite's lines back to the column of the same byte as written.
func checkShifts(t *testing.T, in string) {
	t.Helper()
	l := &loader{dev: true}
	scanned := []byte(in)
	res := rewritePlaceholders(scanned)
	text, _, shifts := l.rewrite("f.html", []byte(in))
	if len(shifts) != len(res.Placeholders) {
		t.Fatalf("%d shifts for %d placeholders", len(shifts), len(res.Placeholders))
	}
	inLines := strings.Split(string(scanned), "\n")
	outLines := strings.Split(string(text), "\n")
	if len(inLines) != len(outLines) {
		t.Fatalf("lines %d -> %d: %q -> %q", len(inLines), len(outLines), in, text)
	}
	for n, out := range outLines {
		var stripped []byte
		for col := 1; col <= len(out); col++ {
			orig := mapCol(shifts, n+1, col)
			inserted := false
			for _, s := range shifts {
				if s.Line == n+1 && orig == s.Col && out[col-1] != inLines[n][orig-1] {
					inserted = true
				}
			}
			if inserted {
				continue
			}
			if orig < 1 || orig > len(inLines[n]) || out[col-1] != inLines[n][orig-1] {
				t.Fatalf("line %d column %d maps to %d: %q vs %q", n+1, col, orig, out, inLines[n])
			}
			stripped = append(stripped, out[col-1])
		}
		if string(stripped) != inLines[n] {
			t.Fatalf("line %d without the added filters: %q, want %q", n+1, stripped, inLines[n])
		}
	}
	for i, s := range shifts {
		line := outLines[s.Line-1]
		added := 0
		for _, o := range shifts[:i] {
			if o.Line == s.Line {
				added += o.Len
			}
		}
		at := s.Col - 1 + added
		if !strings.HasPrefix(line[at:], "|"+placeholderFilter) || !strings.HasPrefix(line[at+s.Len:], "}}") {
			t.Fatalf("shift %+v is not a filter before }}: %q", s, line)
		}
	}
}
