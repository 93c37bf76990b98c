package framework

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework/internal/pongo2"

	"github.com/miniweb/miniweb/framework/session"
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
			start := cpuTime(b)
			for b.Loop() {
				app.ServeGateway(env, nopStart).Close()
			}
			reportCPU(b, start)
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
	start := cpuTime(b)
	for b.Loop() {
		if _, err := tpl.ExecuteBytes(ctx); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
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
	// pongo2 alone merges the globals under the data in a map of its own
	// (upstream's Template.Execute with a set's globals); the App's store
	// makes that map itself and hands it to pongo2 as it is.
	globals := app.store.globals
	direct := testing.AllocsPerRun(100, func() {
		ctx := make(pongo2.Context, len(globals)+len(data))
		ctx.Update(globals)
		ctx.Update(pongo2.Context(data))
		tpl.ExecuteBytes(ctx)
	})
	framework := testing.AllocsPerRun(100, func() { app.ServeGateway(env, nopStart).Close() })
	if framework > direct+1 {
		t.Errorf("the App allocates %v times a page, pongo2 alone %v: more than the Request", framework, direct)
	}
}

// benchSecret seals the session cookies of the benchmarks.
const benchSecret = "0123456789abcdef0123456789abcdef"

// benchHello is the body of the benchmarks' byte handlers.
var benchHello = []byte("Hello, world!\n")

// benchRequestApp returns an App with sessions on and three routes of a
// handler returning bytes, no template: /hello.py (GET and a POST form,
// which reads a field), and /me.py, which reads the session.
func benchRequestApp(tb testing.TB) *App {
	app, _ := newApp(tb, "testdata/bench", Options{Session: &SessionOptions{Secret: benchSecret}})
	app.Handle("GET POST", "/hello.py", func(r *Request) (*Response, error) {
		if r.Method == "POST" && r.FormValue("name") != "Ada" {
			return nil, &StatusError{Code: 422, Message: "no name"}
		}
		return &Response{Body: benchHello}, nil
	})
	app.Handle("GET", "/me.py", func(r *Request) (*Response, error) {
		if r.Session().Get("user") != "ada" {
			return nil, &StatusError{Code: 401, Message: "no user"}
		}
		return &Response{Body: benchHello}, nil
	})
	return app
}

// benchCase is one request of BenchmarkRequest and of the allocation
// guards: an Environ made once, and reset before each use.
type benchCase struct {
	name  string
	env   *gateway.Environ
	body  *strings.Reader // the POST's body, rewound each time
	form  string
	reset func()
}

// benchCases returns the requests of BenchmarkRequest on app: a GET, a
// POST form passing the CSRF check by Sec-Fetch-Site, and a GET reading a
// session cookie. Each sends the header fields a browser sends.
func benchCases(tb testing.TB, app *App) []benchCase {
	browser := func(env *gateway.Environ) {
		env.Header = append(env.Header,
			gateway.Field{Name: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
			gateway.Field{Name: "Accept", Value: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
			gateway.Field{Name: "Accept-Language", Value: "en-US,en;q=0.5"},
			gateway.Field{Name: "Accept-Encoding", Value: "gzip, deflate, br, zstd"})
	}
	get := gatewaytest.NewEnviron("GET", "/hello.py", nil)
	browser(get)

	const form = "name=Ada&message=Hello+there%21"
	body := strings.NewReader(form)
	post := gatewaytest.NewEnviron("POST", "/hello.py", body)
	browser(post)
	post.Header = append(post.Header,
		gateway.Field{Name: "Content-Type", Value: "application/x-www-form-urlencoded"},
		gateway.Field{Name: "Origin", Value: "http://127.0.0.1:8080"},
		gateway.Field{Name: "Sec-Fetch-Site", Value: "same-origin"})

	s := &session.Session{}
	s.Set("user", "ada")
	s.Set("theme", "dark")
	v, err := app.sessions.codec.Encode(app.sessions.name, s, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	me := gatewaytest.NewEnviron("GET", "/me.py", nil)
	browser(me)
	me.Header = append(me.Header, gateway.Field{Name: "Cookie", Value: "theme=dark; " + app.sessions.name + "=" + v})

	return []benchCase{
		{name: "get", env: get},
		{name: "post-form", env: post, body: body, form: form},
		{name: "session", env: me},
	}
}

// serve runs c's request once through app, its body rewound, and returns
// the status and body.
func (c *benchCase) serve(app *App) (status string, out []byte) {
	if c.body != nil {
		c.body.Reset(c.form)
	}
	b := app.ServeGateway(c.env, func(s string, _ []gateway.Field) error { status = s; return nil })
	out, _ = b.Bytes()
	b.Close()
	return status, out
}

// BenchmarkRequest measures a request through the App to a handler that
// returns bytes, with no template: what the framework itself costs a
// request (routing, the Request, CSRF, the form, the session).
func BenchmarkRequest(b *testing.B) {
	app := benchRequestApp(b)
	for _, c := range benchCases(b, app) {
		b.Run(c.name, func(b *testing.B) {
			if status, out := c.serve(app); status != "200 OK" || string(out) != string(benchHello) {
				b.Fatalf("%s: %q", status, out)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.serve(app)
			}
		})
	}
}
