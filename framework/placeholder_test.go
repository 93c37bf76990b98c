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
}{
	{"lesson", "<h1><%content%></h1>", "<h1>{{content}}</h1>", []string{"content@1:5"}},
	{"spaces", "<% content %>|<%\tx\t%>", "{{ content }}|{{\tx\t}}", []string{"content@1:1", "x@1:15"}},
	{"dotted", "<%user.name%> <%items.0%> <%a.b.c%>", "{{user.name}} {{items.0}} {{a.b.c}}", []string{"user.name@1:1", "items.0@1:15", "a.b.c@1:27"}},
	{"lines", "a\n\n  <%x%>\n<%y%>", "a\n\n  {{x}}\n{{y}}", []string{"x@3:3", "y@4:1"}},
	{"adjacent", "<%a%><%b%>", "{{a}}{{b}}", []string{"a@1:1", "b@1:6"}},
	{"utf8 columns are bytes", "价格<%price%>", "价格{{price}}", []string{"price@1:7"}},

	// Not placeholders: left as written.
	{"asp", "<%= x %> <%@ page %> <%-- c --%>", "<%= x %> <%@ page %> <%-- c --%>", nil},
	{"empty", "<%%> <% %>", "<%%> <% %>", nil},
	{"digit first", "<%1x%> <%a.%> <%.a%> <%a..b%>", "<%1x%> <%a.%> <%.a%> <%a..b%>", nil},
	{"filter", "<%a|upper%>", "<%a|upper%>", nil},
	{"two words", "<%a b%>", "<%a b%>", nil},
	{"newline inside", "<%a\n%>", "<%a\n%>", nil},
	{"unclosed", "<%a", "<%a", nil},
	{"after brace", "{<%a%>}", "{<%a%>}", nil},
	{"percent", "50<%", "50<%", nil},

	// pongo2's own syntax is pongo2's.
	{"pongo2 var", "{{ a }} <%b%>", "{{ a }} {{b}}", []string{"b@1:9"}},
	{"in pongo2 string", `{{ "<%a%>" }} {% if x == '<%a%>' %}`, `{{ "<%a%>" }} {% if x == '<%a%>' %}`, nil},
	{"string with brace", `{{ "}}<%a%>" }}<%b%>`, `{{ "}}<%a%>" }}{{b}}`, []string{"b@1:16"}},
	{"escaped quote", `{{ "\"<%a%>" }}`, `{{ "\"<%a%>" }}`, nil},
	{"comment", "{# <%a%> #}<%b%>", "{# <%a%> #}{{b}}", []string{"b@1:12"}},
	{"verbatim", "{% verbatim %}<%a%>{{ b }}{% endverbatim %}<%c%>", "{% verbatim %}<%a%>{{ b }}{% endverbatim %}{{c}}", []string{"c@1:44"}},
	{"unclosed tag", "{{ a \n<%b%>", "{{ a \n{{b}}", []string{"b@2:1"}},
}

func TestRewritePlaceholders(t *testing.T) {
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
	}
}

func TestDynamicInclude(t *testing.T) {
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
// file as written, placeholders before the error included.
func TestErrorColumns(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		"<p><%title%></p>",
		"<p><%content%> <%not one%> <% user.name %> {{ 1 + }}</p>",
	}
	writeFile(t, dir, "bad.html", strings.Join(lines, "\n")+"\n")
	writeFile(t, dir, "keyword.html", "<%a%>\n   <%in%>\n")
	app, _ := newApp(t, dir, Options{Dev: true})
	app.Page("GET", "/bad.py", "bad.html", nil)
	app.Page("GET", "/keyword.py", "keyword.html", nil)
	for _, tt := range []struct {
		target string
		where  string
	}{
		// pongo2 points at the token after "+": the "}}" at byte 48.
		{"/bad.py", "bad.html, line 2, column " + strconv.Itoa(strings.Index(lines[1], "}}")+1)},
		// pongo2 points past the keyword, at the "%>" (its "}}").
		{"/keyword.py", "keyword.html, line 2, column 8"},
	} {
		rec := get(t, app, tt.target)
		if !strings.Contains(string(rec.Body), tt.where) {
			t.Errorf("%s: dev page lacks %q:\n%s", tt.target, tt.where, rec.Body)
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
			end := at + 2 + strings.Index(in[at+2:], "%>")
			if string(b[end:end+2]) != "}}" || !strings.Contains(in[at:end], p.Name) {
				t.Fatalf("placeholder %+v not closed by a rewritten %%>: %q -> %q", p, in, b)
			}
		}
		again := bytes.Clone(b)
		if res := rewritePlaceholders(again); !bytes.Equal(again, b) || len(res.Placeholders) != 0 {
			t.Fatalf("rewriting twice changed more: %q -> %q -> %q", in, b, again)
		}
	})
}
