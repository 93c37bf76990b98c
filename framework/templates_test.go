package framework

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestParseAll compiles a folder with good and broken templates: each
// fault is one error, "file:line:col: message", a broken base once for
// all the pages that extend it; files that are not templates, and hidden
// ones, are not read.
func TestParseAll(t *testing.T) {
	t.Parallel()
	// The App first: in production New refuses a folder that does not
	// compile.
	dir := t.TempDir()
	app, _ := newApp(t, dir, Options{})
	for name, text := range map[string]string{
		"base.html":           "<html>{% block content %}{% endblock %}\n{{ oops( }}\n</html>\n",
		"one.html":            "{% extends \"base.html\" %}{% block content %}<%a%>{% endblock %}",
		"two.html":            "{% extends \"base.html\" %}{% block content %}<%b%>{% endblock %}",
		"good.html":           "<p><%a.b|upper%></p>\n",
		"pages/if.html":       "ok\n{% if %}\n",
		"pages/malformed.htm": "<p>\n <%user name%></p>\n",
		"pages/missing.html":  "{% include \"nowhere.html\" %}",
		"mail/welcome.txt":    "Hello <%name%>,\n{{ 1 + }}\n",
		"notes.md":            "{% if %} <%a b%>",
		"logo.svg":            "<svg>{{</svg>",
		".page.html.swp":      "{% if %}",
		".hidden/x.html":      "{% if %}",
	} {
		writeFile(t, dir, name, text)
	}
	err := app.store.parseAll()
	if err == nil {
		t.Fatal("no error")
	}
	var lines []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var te *templateError
		if !errors.As(e, &te) {
			t.Errorf("%v is not a *templateError", e)
		}
		lines = append(lines, e.Error())
	}
	want := []string{
		"base.html:2:10: ", // once, for one.html and two.html
		"mail/welcome.txt:2:8: ",
		"pages/if.html:2:4: ",
		`pages/malformed.htm:2:9: placeholder "<%user name%>": unexpected 'n'`,
		`pages/missing.html:1:12: template "nowhere.html": no such file`,
	}
	if len(lines) != len(want) {
		t.Fatalf("errors:\n%s\nwant %d", strings.Join(lines, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("error %d: %q, want it to start %q", i, lines[i], want[i])
		}
	}

	// Parsed once: a request compiles nothing more.
	app.Page("GET", "/good.py", "good.html", nil)
	n := app.store.compiles.Load()
	expect(t, app, "/good.py", 200, "<p></p>")
	if app.store.compiles.Load() != n {
		t.Error("a page parseAll compiled was compiled again")
	}

	// A folder with only good templates.
	good := t.TempDir()
	writeFile(t, good, "a.html", "<%x|date:\"2006\"%>")
	writeFile(t, good, "b/c.html", "{% include \"a.html\" %}")
	app, _ = newApp(t, good, Options{})
	if err := app.store.parseAll(); err != nil {
		t.Errorf("good folder: %v", err)
	}
}

// TestParseAllDemo checks that the demo's templates all compile.
func TestParseAllDemo(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t, "../templates", Options{})
	if err := app.store.parseAll(); err != nil {
		t.Error(err)
	}
}

type article struct {
	Title   string
	Created time.Time
	Updated *time.Time
	Author  *author
}

type author struct{ Name string }

func (a author) Initials() string { return a.Name[:1] }

// TestPlaceholderTime renders times: in TimeLayout by default, in a struct
// field, a map, through a pointer, from time.Now (whose String holds the
// monotonic clock); and with pongo2's date filter on each.
func TestPlaceholderTime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "t.html", strings.Join([]string{
		"plain: <%when%>",
		"field: <%a.Created%>",
		"map: <%m.at%>",
		"pointer: <%a.Updated%>",
		`date: <%when|date:"2 Jan 2006 15:04"%> <%a.Created|date:"2006-01-02"%> <%m.at|date:"Jan 2"%>`,
		"now: <%now%>",
		"nil pointer: [<%none%>]",
		"zone: <%zoned%>",
		"pongo2: {{ when|date:\"2006\" }}",
		"compare: {% if a.Created == when %}same{% endif %}",
		"",
	}, "\n"))
	when := time.Date(2026, 11, 22, 13, 1, 2, 123456789, time.UTC)
	later := when.Add(time.Hour)
	zone := time.FixedZone("CST", 8*3600)
	for _, dev := range []bool{false, true} {
		app, logs := newApp(t, dir, Options{Dev: dev})
		app.Page("GET", "/t.py", "t.html", func(*Request) (Data, error) {
			return Data{
				"when":  when,
				"a":     article{Created: when, Updated: &later},
				"m":     map[string]any{"at": when},
				"now":   time.Now(),
				"none":  (*time.Time)(nil),
				"zoned": when.In(zone),
			}, nil
		})
		rec := get(t, app, "/t.py")
		body := string(rec.Body)
		if rec.Code != 200 {
			t.Fatalf("dev %v: %d\n%s", dev, rec.Code, body)
		}
		for _, want := range []string{
			"plain: 2026-11-22 13:01:02 UTC\n",
			"field: 2026-11-22 13:01:02 UTC\n",
			"map: 2026-11-22 13:01:02 UTC\n",
			"pointer: 2026-11-22 14:01:02 UTC\n",
			"date: 22 Nov 2026 13:01 2026-11-22 Nov 22\n",
			"nil pointer: []\n",
			"zone: 2026-11-22 21:01:02 CST\n",
			"pongo2: 2026\n",
			"compare: same\n",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("dev %v: page lacks %q:\n%s", dev, want, body)
			}
		}
		now, _, _ := strings.Cut(body[strings.Index(body, "now: ")+5:], "\n")
		if _, err := time.Parse(TimeLayout, now); err != nil || strings.Contains(now, "m=") {
			t.Errorf("dev %v: now printed %q: %v", dev, now, err)
		}
		if strings.Contains(logs.String(), "level=WARN") {
			t.Errorf("dev %v: warnings:\n%s", dev, logs)
		}
	}
}

// TestUnknownField checks dev mode's warning for a placeholder whose field
// or key is not there: one per position, however many requests and loop
// turns print it; none for what is there, for a method, a nil on the way,
// an index past the end, or a placeholder pongo2 does not print; none in
// production; and again after an edit.
func TestUnknownField(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	page := strings.Join([]string{
		"<%a.Titel%>",      // 1: a struct field misspelled
		"<%m.nmae|upper%>", // 2: a map key, under a filter
		"{% for x in list %}<%x.Nmae%>{% endfor %}",                      // 3: a loop variable, three turns
		"<%a.Title%> <%m.name%> <%a.Author.Name%> <%a.Author.Initials%>", // 4: all there
		"<%nilauthor.Author.Name%> <%m.list.7%> <%m.list.0.Name%>",       // 5: nil, out of range, index
		"{% if false %}<%a.Bogus%>{% endif %}",                           // 6: not printed
		"<%a.Author.Nmae%>",                                              // 7: through a pointer
		"<%d.sub.missing%>",                                              // 8: nested Data
		"{% include \"part.html\" %}",                                    // 9
		"",
	}, "\n")
	writeFile(t, dir, "page.html", page)
	writeFile(t, dir, "part.html", "<%m.nope%>")
	data := func(*Request) (Data, error) {
		return Data{
			"a":         article{Title: "T", Author: &author{Name: "Ada"}},
			"nilauthor": article{},
			"m":         map[string]any{"name": "x", "list": []author{{"B"}}},
			"list":      []author{{"a"}, {"b"}, {"c"}},
			"d":         Data{"sub": Data{"here": 1}},
		}, nil
	}
	wantWarnings := []string{
		`placeholder=a.Titel where=page.html:1:1 err="framework.article has no field or method \"Titel\""`,
		`placeholder=m.nmae where=page.html:2:1 err="map[string]interface {} has no key \"nmae\""`,
		`placeholder=x.Nmae where=page.html:3:20 err="framework.author has no field or method \"Nmae\""`,
		`placeholder=a.Author.Nmae where=page.html:7:1`,
		`placeholder=d.sub.missing where=page.html:8:1 err="framework.Data has no key \"missing\""`,
		`placeholder=m.nope where=part.html:1:1`,
	}
	check := func(t *testing.T, logs string, times int) {
		t.Helper()
		if got := strings.Count(logs, "level=WARN"); got != len(wantWarnings)*times {
			t.Errorf("%d warnings, want %d:\n%s", got, len(wantWarnings)*times, logs)
		}
		for _, w := range wantWarnings {
			if got := strings.Count(logs, w); got != times {
				t.Errorf("%q logged %d times, want %d:\n%s", w, got, times, logs)
			}
		}
	}

	app, logs := newApp(t, dir, Options{Dev: true})
	app.Page("GET", "/page.py", "page.html", data)
	for range 3 {
		expect(t, app, "/page.py", 200, "T x Ada A")
	}
	check(t, logs.String(), 1)

	// An edit: the same positions warn once more. One event, so one cache
	// drop, before the requests.
	edit(t, app, func() { moveIn(t, dir, "page.html", page) })
	expect(t, app, "/page.py", 200, "T x Ada A")
	expect(t, app, "/page.py", 200, "T x Ada A")
	check(t, logs.String(), 2)

	prod, logs := newApp(t, dir, Options{})
	prod.Page("GET", "/page.py", "page.html", data)
	expect(t, prod, "/page.py", 200, "T x Ada A")
	if logs.String() != "" {
		t.Errorf("production logged:\n%s", logs)
	}
}
