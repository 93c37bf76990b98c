package demo

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"miniweb/framework"
	"miniweb/server/gateway"
	"miniweb/server/gateway/gatewaytest"
)

// templates is the shipped templates folder.
const templates = "../../templates"

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testSite returns the demo on dir with a fixed clock, and its log.
func testSite(t testing.TB, dir string, dev bool) (*framework.App, *site, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	s := &site{stocks: market, now: func() time.Time {
		return time.Date(2019, 1, 1, 22, 9, 58, 0, time.UTC)
	}}
	app, err := newApp(framework.Options{Templates: dir, Dev: dev, Log: slog.New(slog.NewTextHandler(logs, nil)),
		Session: &framework.SessionOptions{Secret: testSecret}}, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app, s, logs
}

// request runs one request: method, target, a form body (nil for none),
// and cookie ("" for none).
func request(t *testing.T, app gateway.App, method, target string, form url.Values, cookie string) *gatewaytest.Recording {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	env := gatewaytest.NewEnviron(method, target, body)
	if form != nil {
		env.Header = append(env.Header, gateway.Field{Name: "Content-Type", Value: "application/x-www-form-urlencoded"})
	}
	if cookie != "" {
		env.Header = append(env.Header, gateway.Field{Name: "Cookie", Value: cookie})
	}
	rec, err := gatewaytest.Record(app, env)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	return rec
}

func TestPages(t *testing.T) {
	for _, dev := range []bool{false, true} {
		app, _, logs := testSite(t, templates, dev)
		tests := []struct {
			target string
			code   int
			want   []string // parts of the body, in order
		}{
			{"/index.py", 200, []string{"<title>Home · miniweb</title>", `aria-current="page">Home</a>`, "Tuesday 1 January 2019",
				"This month&#39;s market in detail: 7 stocks", `href="/stock/300750.py"`, "+2.74%", "Top loser", "Wuliangye Yibin", "-1.30%"}},
			{"/center.py", 200, []string{"<title>Market · miniweb</title>", "Data from the database", "<strong>Code</strong>",
				`<a href="/stock/000001.py">000001</a></td><td>Ping An Bank</td><td class="num">11.23</td><td class="num down">-0.42%</td>`,
				"600519", "7 stocks, sorted by code"}},
			{"/center.py?sort=change", 200, []string{"<strong>Change</strong>", "CATL", "Kweichow Moutai", "Hikvision", "Wuliangye", "sorted by change"}},
			{"/center.py?sort=<script>", 200, []string{"sorted by code"}},
			{"/stock/600519.py", 200, []string{"<title>Kweichow Moutai · miniweb</title>", "<dd>Beverages</dd>", "¥1688.50", "+1.25%"}},
			{"/stock/999999.py", 404, []string{"<title>404 Not Found · miniweb</title>", "There is no stock with that code."}},
			{"/login.py", 200, []string{`<form class="panel" method="post" action="/login.py">`, `name="password" type="password"`}},
			{"/register.py", 200, []string{`name="first"`, `name="last"`, "Page time: 2019-01-01 22:09:58 UTC"}},
			{"/about.py", 200, []string{"<title>About · miniweb</title>", "rebuilt from a classic Python lesson", "&lt;%content%&gt;"}},
			{"/contact.py", 200, []string{`<a href="mailto:hello@miniweb.example">hello@miniweb.example</a>`}},
			{"/single.py", 200, []string{"<h1>From a socket to a framework</h1>", "<p>The lesson starts with a socket", "<code>application(environ, start_response)</code>"}},
			{"/nosuch.py", 404, []string{"<title>404 Not Found · miniweb</title>", "There is no such page."}},
			{"/index.html.py", 404, nil},
		}
		for _, tt := range tests {
			rec := request(t, app, "GET", tt.target, nil, "")
			if rec.Code != tt.code {
				t.Errorf("%s: status %d, want %d\n%s", tt.target, rec.Code, tt.code, rec.Body)
				continue
			}
			body := string(rec.Body)
			at := 0
			for _, w := range tt.want {
				i := strings.Index(body[at:], w)
				if i < 0 {
					t.Errorf("%s: body lacks %q after byte %d:\n%s", tt.target, w, at, body)
					break
				}
				at += i
			}
			// Every page links every page.
			for _, page := range []string{"/index.py", "/center.py", "/login.py", "/register.py", "/about.py", "/contact.py", "/single.py"} {
				if !strings.Contains(body, `href="`+page+`"`) {
					t.Errorf("%s: no link to %s", tt.target, page)
				}
			}
		}
		if strings.Contains(logs.String(), "placeholder") {
			t.Errorf("a placeholder lacks a value:\n%s", logs)
		}
	}
}

func TestMethods(t *testing.T) {
	app, _, _ := testSite(t, templates, false)
	for _, tt := range []struct {
		method, target, allow string
	}{
		{"POST", "/index.py", "GET, HEAD"},
		{"POST", "/center.py", "GET, HEAD"},
		{"GET", "/logout.py", "POST"},
		{"PUT", "/register.py", "GET, HEAD, POST"},
		{"DELETE", "/login.py", "GET, HEAD, POST"},
	} {
		rec := request(t, app, tt.method, tt.target, nil, "")
		if rec.Code != 405 || rec.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tt.method, tt.target, rec.Code, rec.Header.Get("Allow"), tt.allow)
		}
	}
	if rec := request(t, app, "HEAD", "/center.py", nil, ""); rec.Code != 200 || len(rec.Body) != 0 {
		t.Errorf("HEAD: %d %q", rec.Code, rec.Body)
	}
}

func TestRegister(t *testing.T) {
	app, _, _ := testSite(t, templates, false)
	rec := request(t, app, "POST", "/register.py", url.Values{"first": {`<script>alert("x")</script>`}, "last": {"O'Brien & Sons"}}, "")
	if rec.Code != 303 || rec.Header.Get("Location") != "/register.py" {
		t.Fatalf("register: %d %v\n%s", rec.Code, rec.Header, rec.Body)
	}
	// Post, redirect, get: the page after shows what was sent, escaped.
	rec = request(t, app, "GET", "/register.py", nil, cookieOf(t, rec))
	body := string(rec.Body)
	want := `<p class="flash flash-info" role="status">Registered: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; Sons, at 2019-01-01 22:09:58 UTC.</p>`
	if rec.Code != 200 || !strings.Contains(body, want) {
		t.Errorf("the page after: %d, lacks %q:\n%s", rec.Code, want, body)
	}
	if strings.Contains(body, "<script>") {
		t.Errorf("the script came back unescaped:\n%s", body)
	}

	for _, tt := range []struct {
		name string
		form url.Values
		want string
	}{
		{"empty", url.Values{"first": {"  "}, "last": {"x"}}, "Please give both"},
		{"missing", url.Values{"first": {"Ada"}}, "Please give both"},
		{"too long", url.Values{"first": {strings.Repeat("é", 101)}, "last": {"x"}}, "at most 100 characters"},
	} {
		rec := request(t, app, "POST", "/register.py", tt.form, "")
		if rec.Code != 422 || !strings.Contains(string(rec.Body), tt.want) || rec.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: %d\n%s", tt.name, rec.Code, rec.Body)
		}
	}
}

// testSecret keys the test site's session cookies.
const testSecret = "a test secret of at least thirty-two bytes"

var sessionRE = regexp.MustCompile(`^miniweb_session=([A-Za-z0-9_-]+); Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax$`)

// cookieOf returns the Cookie field that sends back the session rec set.
func cookieOf(t *testing.T, rec *gatewaytest.Recording) string {
	t.Helper()
	m := sessionRE.FindStringSubmatch(rec.Header.Get("Set-Cookie"))
	if m == nil {
		t.Fatalf("no session cookie in %v", rec.Header)
	}
	return "miniweb_session=" + m[1]
}

func TestLogin(t *testing.T) {
	app, _, _ := testSite(t, templates, false)

	// Wrong password: the form again, with the name kept and escaped.
	rec := request(t, app, "POST", "/login.py", url.Values{"name": {`demo"><b>`}, "password": {"nope"}}, "")
	if rec.Code != 403 || !strings.Contains(string(rec.Body), "Wrong name or password.") ||
		!strings.Contains(string(rec.Body), `value="demo&quot;&gt;&lt;b&gt;"`) || rec.Header.Get("Set-Cookie") != "" {
		t.Fatalf("wrong password: %d %v\n%s", rec.Code, rec.Header, rec.Body)
	}
	if rec := request(t, app, "POST", "/login.py", url.Values{"name": {"demo"}, "password": {"miniweb "}}, ""); rec.Code != 403 {
		t.Errorf("a password with a trailing space: %d", rec.Code)
	}

	// Right: a session cookie, a redirect, and a flash on the next page.
	rec = request(t, app, "POST", "/login.py", url.Values{"name": {"demo"}, "password": {"miniweb"}}, "")
	if rec.Code != 303 || rec.Header.Get("Location") != "/index.py" {
		t.Fatalf("login: %d %v", rec.Code, rec.Header)
	}
	cookie := cookieOf(t, rec)
	rec = request(t, app, "GET", "/index.py", nil, cookie)
	if body := string(rec.Body); !strings.Contains(body, "Welcome back, demo") || !strings.Contains(body, "Signed in as <strong>demo</strong>") ||
		!strings.Contains(body, `<p class="flash flash-info" role="status">Signed in as demo.</p>`) {
		t.Errorf("signed-in home page:\n%s", body)
	}
	cookie = cookieOf(t, rec) // the flash, shown, is gone from the session
	if body := string(request(t, app, "GET", "/about.py", nil, cookie).Body); strings.Contains(body, "flash") || !strings.Contains(body, "Signed in as") {
		t.Errorf("the next page shows the flash again, or forgot the user:\n%s", body)
	}
	if rec := request(t, app, "GET", "/login.py", nil, cookie); rec.Code != 303 {
		t.Errorf("login page when signed in: %d", rec.Code)
	}
	// The error pages know the user too.
	if body := string(request(t, app, "GET", "/nosuch.py", nil, cookie).Body); !strings.Contains(body, "Signed in as <strong>demo</strong>") {
		t.Errorf("404 page, signed in:\n%s", body)
	}
	// A forged or foreign cookie is nobody.
	for _, c := range []string{"miniweb_session=" + strings.Repeat("A", 60), "miniweb_session=x", "other=" + strings.TrimPrefix(cookie, "miniweb_session=")} {
		if body := string(request(t, app, "GET", "/index.py", nil, c).Body); strings.Contains(body, "Signed in") {
			t.Errorf("cookie %q signs in", c)
		}
	}

	// Log out: signed out, with a flash.
	rec = request(t, app, "POST", "/logout.py", nil, cookie)
	if rec.Code != 303 {
		t.Errorf("logout: %d %v", rec.Code, rec.Header)
	}
	out := cookieOf(t, rec)
	if body := string(request(t, app, "GET", "/index.py", nil, out).Body); strings.Contains(body, "Signed in as") || !strings.Contains(body, "Signed out. See you soon.") {
		t.Errorf("after logout:\n%s", body)
	}
}

// TestLiveEdit edits a copy of the shipped templates under a running dev
// site: the base every page extends, then a page.
func TestLiveEdit(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(templates)); err != nil {
		t.Fatal(err)
	}
	app, _, _ := testSite(t, dir, true)
	if rec := request(t, app, "GET", "/about.py", nil, ""); !strings.Contains(string(rec.Body), "· miniweb</title>") {
		t.Fatalf("about: %d\n%s", rec.Code, rec.Body)
	}
	base, err := os.ReadFile(filepath.Join(dir, "base.html"))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(base), "· <%site_name%></title>", "· edited</title>", 1)
	if err := os.WriteFile(filepath.Join(dir, "base.html"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	waitBody(t, app, "/about.py", "· edited</title>")
	waitBody(t, app, "/center.py", "· edited</title>")
}

// waitBody requests target until its body contains want, for at most 5 s:
// the watcher sees a change within a millisecond, the margin is for loaded
// machines.
func waitBody(t *testing.T, app gateway.App, target, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rec := request(t, app, "GET", target, nil, "")
		if strings.Contains(string(rec.Body), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %q:\n%s", target, want, rec.Body)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestNew(t *testing.T) {
	if app, err := New(framework.Options{Templates: "no/such/folder", Session: &framework.SessionOptions{Secret: testSecret}}); err == nil || app != nil {
		t.Errorf("New on a missing folder: %v, %v", app, err)
	}
	if app, err := New(framework.Options{Templates: templates, Log: slog.New(slog.DiscardHandler)}); !errors.Is(err, framework.ErrNoSessionSecret) || app != nil {
		t.Errorf("New in production without a session secret: %v, %v", app, err)
	}
	app, err := New(framework.Options{Templates: templates, Dev: true, Log: slog.New(slog.DiscardHandler)}) // dev: a secret for the run
	if err != nil {
		t.Fatal(err)
	}
	if rec := request(t, app, "GET", "/index.py", nil, ""); rec.Code != 200 {
		t.Errorf("/index.py: %d", rec.Code)
	}
	closer, ok := app.(io.Closer)
	if !ok {
		t.Fatal("the demo app is not an io.Closer")
	}
	if err := closer.Close(); err != nil {
		t.Error(err)
	}
}

// TestCrossOrigin: the demo refuses a POST from another origin unless the
// origin is trusted (the config's [csrf] trusted_origins, through New).
func TestCrossOrigin(t *testing.T) {
	app, err := New(framework.Options{Templates: templates, Log: slog.New(slog.DiscardHandler),
		Session: &framework.SessionOptions{Secret: testSecret},
		CSRF:    framework.CSRF{TrustedOrigins: []string{"https://partner.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer app.(io.Closer).Close()
	for _, tt := range []struct {
		origin string
		code   int
	}{
		{"", 303},
		{"http://127.0.0.1:8080", 303},
		{"https://partner.example", 303},
		{"https://evil.example", 403},
	} {
		env := gatewaytest.NewEnviron("POST", "/logout.py", nil)
		if tt.origin != "" {
			env.Header = append(env.Header, gateway.Field{Name: "Origin", Value: tt.origin})
		}
		rec, err := gatewaytest.Record(app, env)
		if err != nil || rec.Code != tt.code {
			t.Errorf("POST /logout.py from %q: %v %v; want %d", tt.origin, rec.Code, err, tt.code)
		}
	}
}
