package framework

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flosch/pongo2/v6"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// benchData is the data of testdata/bench/center.html: a page the size of
// the demo's (about 1.2 KB out).
func benchData() Data {
	type stock struct {
		Code, Name    string
		Price, Change float64
	}
	type link struct{ Key, Href, Label string }
	nav := []map[string]string{}
	for _, l := range []link{{"index", "/index.py", "Home"}, {"center", "/center.py", "Market"}, {"login", "/login.py", "Log in"},
		{"register", "/register.py", "Register"}, {"about", "/about.py", "About"}, {"contact", "/contact.py", "Contact"}} {
		nav = append(nav, map[string]string{"key": l.Key, "href": l.Href, "label": l.Label})
	}
	return Data{
		"title":   "Market",
		"content": "Prices from the site's in-memory table <updated hourly>.",
		"user":    "guest",
		"page":    "center",
		"nav":     nav,
		"stocks": []stock{
			{"600519", "Kweichow Moutai", 1688.5, 1.25}, {"000001", "Ping An Bank", 11.23, -0.42},
			{"600036", "China Merchants Bank", 33.8, 0.61}, {"000858", "Wuliangye", 142.07, -1.3},
			{"601318", "Ping An Insurance", 47.15, 0.08},
		},
	}
}

// nopStart is a start_response that records nothing and allocates nothing.
func nopStart(string, []gateway.Field) error { return nil }

// BenchmarkRenderPage renders a demo-sized page through the App: routing,
// the Request, the page function, the template cache, rendering and the
// response. Compare BenchmarkRenderPongo2Direct for the framework's cost.
func BenchmarkRenderPage(b *testing.B) {
	for _, dev := range []bool{false, true} {
		name := "prod"
		if dev {
			name = "dev"
		}
		b.Run(name, func(b *testing.B) {
			app, _ := newApp(b, "testdata/bench", Options{Dev: dev})
			data := benchData()
			app.Page("GET", "/center.py", "center.html", func(*Request) (Data, error) { return data, nil })
			env := gatewaytest.NewEnviron("GET", "/center.py", nil)
			body := app.ServeGateway(env, nopStart)
			out, _ := body.Bytes()
			if len(out) < 1000 {
				b.Fatalf("page of %d bytes:\n%s", len(out), out)
			}
			b.SetBytes(int64(len(out)))
			b.ReportAllocs()
			for b.Loop() {
				app.ServeGateway(env, nopStart).Close()
			}
		})
	}
}

// BenchmarkRenderPongo2Direct renders the same template with pongo2 alone:
// a TemplateSet compiled once, Template.ExecuteBytes with the same data.
// Its loader is ours (it only reads the files, with the placeholders
// rewritten, which pongo2 parses once); rendering is pongo2's own.
func BenchmarkRenderPongo2Direct(b *testing.B) {
	root, err := os.OpenRoot("testdata/bench")
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	set := pongo2.NewSet("direct", &loader{fsys: root.FS()})
	tpl, err := set.FromFile("center.html")
	if err != nil {
		b.Fatal(err)
	}
	ctx := pongo2.Context(benchData())
	out, err := tpl.ExecuteBytes(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.ExecuteBytes(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChangeDetection measures what finding a page's compiled template
// costs a request: with the dev watcher, in production (no watcher), and,
// for comparison, what a stat-based design would add: one os.Stat per file
// of the page (here the page and its base; a page with partials has more).
func BenchmarkChangeDetection(b *testing.B) {
	for _, dev := range []bool{true, false} {
		name := "prod-cache"
		if dev {
			name = "dev-fsnotify"
		}
		b.Run(name, func(b *testing.B) {
			app, _ := newApp(b, "testdata/bench", Options{Dev: dev})
			if e := app.store.lookup("center.html"); e.err != nil {
				b.Fatal(e.err)
			}
			b.ReportAllocs()
			for b.Loop() {
				app.store.lookup("center.html")
			}
		})
	}
	b.Run("stat-2-files", func(b *testing.B) {
		files := []string{"center.html", "base.html"}
		b.ReportAllocs()
		for b.Loop() {
			for _, f := range files {
				if _, err := os.Stat(filepath.Join("testdata/bench", f)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// TestRenderAllocs guards the hot path: a page through the App allocates
// at most one object (the Request) more than pongo2 rendering it alone.
//
// It is not parallel: testing.AllocsPerRun counts the allocations of the
// whole process.
func TestRenderAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	app, _ := newApp(t, "testdata/bench", Options{})
	data := benchData()
	app.Page("GET", "/center.py", "center.html", func(*Request) (Data, error) { return data, nil })
	env := gatewaytest.NewEnviron("GET", "/center.py", nil)
	tpl := app.store.lookup("center.html").tpl
	if tpl == nil {
		t.Fatal(app.store.lookup("center.html").err)
	}
	direct := testing.AllocsPerRun(100, func() { tpl.ExecuteBytes(pongo2.Context(data)) })
	framework := testing.AllocsPerRun(100, func() { app.ServeGateway(env, nopStart).Close() })
	if framework > direct+1 {
		t.Errorf("the App allocates %v times a page, pongo2 alone %v: more than the Request", framework, direct)
	}
}
