package demo

import (
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/framework/frameworktest"
)

// allPages are the pages every page links, in the menu.
var allPages = []string{"/index.py", "/center.py", "/watchlist.py", "/login.py", "/register.py", "/about.py", "/contact.py", "/single.py"}

// wantInOrder fails the test unless body holds each of want, in order.
func wantInOrder(t *testing.T, what, body string, want []string) {
	t.Helper()
	at := 0
	for _, w := range want {
		i := strings.Index(body[at:], w)
		if i < 0 {
			t.Errorf("%s: body lacks %q after byte %d:\n%s", what, w, at, body)
			return
		}
		at += i
	}
}

func TestPages(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		for _, dev := range []bool{false, true} {
			app, _, logs := testSite(t, db, templates, dev)
			tests := []struct {
				target string
				code   int
				want   []string // parts of the body, in order
			}{
				{"/index.py", 200, []string{"<title>Home · miniweb</title>", `aria-current="page">Home</a>`, "Tuesday 1 January 2019",
					"This month&#39;s market in detail: 7 stocks", `href="/stock/300750.py"`, "+2.74%", "Top loser", "Wuliangye Yibin", "-1.30%"}},
				{"/center.py", 200, []string{"<title>Market · miniweb</title>", "Data from the database", "<strong>Code</strong>",
					`<a href="/stock/000001.py">000001</a></td><td>Ping An Bank</td><td class="num">11.23</td><td class="num down">-0.42%</td>`,
					"600519", "7 stocks, sorted by code", `<a href="/login.py?next=%2Fcenter.py">Log in</a> to follow`}},
				{"/center.py?sort=change", 200, []string{"<strong>Change</strong>", "CATL", "Kweichow Moutai", "China Merchants", "Ping An Insurance",
					"Ping An Bank", "Hikvision", "Wuliangye", "sorted by change"}},
				{"/center.py?sort=price", 200, []string{"Kweichow Moutai", "CATL", "Wuliangye", "Ping An Insurance", "China Merchants", "Hikvision", "Ping An Bank", "sorted by price"}},
				{"/center.py?sort=name", 200, []string{"CATL", "China Merchants", "Hikvision", "Kweichow", "Ping An Bank", "Ping An Insurance", "Wuliangye", "sorted by name"}},
				{"/center.py?sort=<script>", 200, []string{"sorted by code"}},
				{"/center.py?sort=code;DROP%20TABLE%20stocks", 200, []string{"000001", "sorted by code"}},
				{"/stock/600519.py", 200, []string{"<title>Kweichow Moutai · miniweb</title>", "<dd>Beverages</dd>", "¥1688.50", "+1.25%",
					`<a href="/login.py?next=%2Fstock%2F600519.py">Log in</a> to follow Kweichow Moutai`}},
				{"/stock/999999.py", 404, []string{"<title>404 Not Found · miniweb</title>", "There is no stock with that code."}},
				{"/stock/" + strings.Repeat("9", 40) + ".py", 404, []string{"There is no stock with that code."}},
				{"/login.py", 200, []string{`<form class="panel" method="post" action="/login.py">`, `name="password" type="password"`, `href="/register.py"`}},
				{"/login.py?next=/watchlist.py", 200, []string{`<input type="hidden" name="next" value="/watchlist.py">`, `href="/register.py?next=%2Fwatchlist.py"`}},
				{"/login.py?next=//evil.example", 200, []string{`<input type="hidden" name="next" value="/index.py">`}},
				{"/register.py", 200, []string{`name="name"`, `name="password" type="password"`, "Page time: 2019-01-01 22:09:58 UTC"}},
				{"/about.py", 200, []string{"<title>About · miniweb</title>", "rebuilt from a classic Python lesson", "&lt;%content%&gt;"}},
				{"/contact.py", 200, []string{`<a href="mailto:hello@miniweb.example">hello@miniweb.example</a>`}},
				{"/single.py", 200, []string{"<h1>From a socket to a framework</h1>", "<p>The lesson starts with a socket", "<code>application(environ, start_response)</code>"}},
				{"/nosuch.py", 404, []string{"<title>404 Not Found · miniweb</title>", "There is no such page."}},
				{"/index.html.py", 404, nil},
			}
			c := newClient(t, app)
			for _, tt := range tests {
				resp := c.Get(tt.target)
				if resp.Code != tt.code {
					t.Errorf("%s: status %d, want %d\n%s", tt.target, resp.Code, tt.code, resp.Body)
					continue
				}
				body := resp.Text()
				wantInOrder(t, tt.target, body, tt.want)
				// Every page links every page.
				for _, page := range allPages {
					if !strings.Contains(body, `href="`+page+`"`) {
						t.Errorf("%s: no link to %s", tt.target, page)
					}
				}
				if strings.Contains(body, `action="/add/`) {
					t.Errorf("%s: a visitor sees Follow buttons", tt.target)
				}
			}
			if strings.Contains(logs.String(), "placeholder") {
				t.Errorf("a placeholder lacks a value:\n%s", logs)
			}
		}
	})
}

// TestPagesSignedIn: the market pages have Follow and Unfollow buttons
// for a signed-in user.
func TestPagesSignedIn(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, logs := testSite(t, db, templates, true)
		v := newClient(t, app)
		register(t, v, "ada", "correct horse")
		v.PostForm("/add/600519.py", nil).WantStatus(t, 200)
		for _, tt := range []struct {
			target string
			want   []string
		}{
			{"/center.py", []string{
				`<a href="/stock/000001.py">000001</a></td><td>Ping An Bank</td><td class="num">11.23</td><td class="num down">-0.42%</td><td class="act"><form method="post" action="/add/000001.py"><button class="small" aria-label="Follow Ping An Bank">Follow</button></form></td>`,
				`<a href="/stock/600519.py">600519</a></td><td>Kweichow Moutai</td><td class="num">1688.50</td><td class="num up">+1.25%</td><td class="act"><a class="tag" href="/watchlist.py">Following</a></td>`}},
			{"/stock/600519.py", []string{`<form class="actions" method="post" action="/del/600519.py"><a class="tag" href="/watchlist.py">On your watch list</a> <button class="quiet">Unfollow</button></form>`}},
			{"/stock/000001.py", []string{`<form class="actions" method="post" action="/add/000001.py"><button>Follow</button></form>`}},
			{"/index.py", []string{"Signed in as <strong>ada</strong>", "Welcome back, ada"}},
		} {
			resp := v.Get(tt.target)
			if resp.Code != 200 {
				t.Errorf("%s: %d\n%s", tt.target, resp.Code, resp.Body)
			}
			wantInOrder(t, tt.target, resp.Text(), tt.want)
			if strings.Contains(resp.Text(), "Log in</a> to follow") {
				t.Errorf("%s: a signed-in user is asked to log in", tt.target)
			}
		}
		if strings.Contains(logs.String(), "placeholder") {
			t.Errorf("a placeholder lacks a value:\n%s", logs)
		}
	})
}

func TestMethods(t *testing.T) {
	t.Parallel()
	app, _, _ := testSite(t, sqliteDB(t), templates, false)
	c := newClient(t, app).NoRedirects()
	for _, tt := range []struct {
		method, target, allow string
	}{
		{"POST", "/index.py", "GET, HEAD"},
		{"POST", "/center.py", "GET, HEAD"},
		{"GET", "/logout.py", "POST"},
		{"PUT", "/register.py", "GET, HEAD, POST"},
		{"DELETE", "/login.py", "GET, HEAD, POST"},
		{"POST", "/watchlist.py", "GET, HEAD"},
		{"GET", "/add/600519.py", "POST"},
		{"GET", "/del/600519.py", "POST"},
		{"GET", "/update/600519.py", "POST"},
	} {
		resp := c.Do(tt.method, tt.target, nil)
		if resp.Code != 405 || resp.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tt.method, tt.target, resp.Code, resp.Header.Get("Allow"), tt.allow)
		}
	}
	if resp := c.Do("HEAD", "/center.py", nil); resp.Code != 200 || len(resp.Body) != 0 {
		t.Errorf("HEAD: %d %q", resp.Code, resp.Body)
	}
}

// TestLiveEdit edits a copy of the shipped templates under a running dev
// site: the base every page extends, then a page.
func TestLiveEdit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(templates)); err != nil {
		t.Fatal(err)
	}
	app, _, _ := testSite(t, sqliteDB(t), dir, true)
	c := newClient(t, app)
	if resp := c.Get("/about.py"); !strings.Contains(resp.Text(), "· miniweb</title>") {
		t.Fatalf("about: %d\n%s", resp.Code, resp.Body)
	}
	base, err := os.ReadFile(filepath.Join(dir, "base.html"))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(base), "· <%site_name%></title>", "· edited</title>", 1)
	if err := os.WriteFile(filepath.Join(dir, "base.html"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	waitBody(t, c, "/about.py", "· edited</title>")
	waitBody(t, c, "/center.py", "· edited</title>")
}

// waitBody requests target until its body contains want, failing after
// hang: the watcher sees a change within a millisecond on a quiet machine.
func waitBody(t *testing.T, c *frameworktest.Client, target, want string) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for {
		resp := c.Get(target)
		if strings.Contains(resp.Text(), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %q:\n%s", target, want, resp.Body)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	if app, err := New(framework.Options{Templates: "no/such/folder", Session: &framework.SessionOptions{Secret: testSecret}}, db); err == nil || app != nil {
		t.Errorf("New on a missing folder: %v, %v", app, err)
	}
	if app, err := New(framework.Options{Templates: templates, Log: slog.New(slog.DiscardHandler)}, db); !errors.Is(err, framework.ErrNoSessionSecret) || app != nil {
		t.Errorf("New in production without a session secret: %v, %v", app, err)
	}
	// Without a database (server -check before it exists): built, and its
	// database pages are 503s.
	bare, err := New(framework.Options{Templates: templates, Strict: true, Session: &framework.SessionOptions{Secret: testSecret},
		Log: slog.New(slog.DiscardHandler)}, nil)
	if err != nil {
		t.Fatalf("New without a database: %v", err)
	}
	defer bare.Close()
	c := newClient(t, bare)
	for _, target := range []string{"/index.py", "/center.py", "/stock/600519.py"} {
		want503(t, c.Get(target))
	}
	want503(t, c.PostForm("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}}))
	c.Get("/about.py").WantStatus(t, 200)

	app, err := New(framework.Options{Templates: templates, Dev: true, Log: slog.New(slog.DiscardHandler)}, db) // dev: a secret for the run
	if err != nil {
		t.Fatal(err)
	}
	frameworktest.New(t, app, frameworktest.Options{}).Get("/index.py").WantStatus(t, 200)
	var closer io.Closer = app
	if err := closer.Close(); err != nil {
		t.Error(err)
	}
}

// TestCrossOrigin: the demo refuses a POST from another origin unless the
// origin is trusted (the config's [csrf] trusted_origins, through New),
// whether a current browser tells it (Sec-Fetch-Site) or an older one
// (Origin alone).
func TestCrossOrigin(t *testing.T) {
	t.Parallel()
	app, err := New(framework.Options{Templates: templates, Log: slog.New(slog.DiscardHandler),
		Session: &framework.SessionOptions{Secret: testSecret},
		CSRF:    framework.CSRF{TrustedOrigins: []string{"https://partner.example"}}}, sqliteDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	c := newClient(t, app).NoRedirects()
	for _, tt := range []struct {
		target string
		site   string // Sec-Fetch-Site; "" for none
		origin string // Origin; "" for none
		code   int
	}{
		{"/logout.py", "", "", 303}, // not a browser
		{"/logout.py", "", "http://127.0.0.1:8080", 303},
		{"/logout.py", "", "https://partner.example", 303},
		{"/logout.py", "", "https://evil.example", 403},
		{"/add/600519.py", "", "https://evil.example", 403},
		{"/del/600519.py", "", "https://evil.example", 403},
		{"/update/600519.py", "", "https://evil.example", 403},
		{"/login.py", "", "https://evil.example", 403},
		{"/register.py", "", "https://evil.example", 403},
		// A current browser.
		{"/logout.py", "same-origin", "http://127.0.0.1:8080", 303},
		{"/logout.py", "cross-site", "https://partner.example", 303},
		{"/logout.py", "same-site", "http://127.0.0.1:8081", 403},
	} {
		if resp := c.Do("POST", tt.target, nil, "Sec-Fetch-Site", tt.site, "Origin", tt.origin); resp.Code != tt.code {
			t.Errorf("POST %s, Sec-Fetch-Site %q, Origin %q: %d; want %d", tt.target, tt.site, tt.origin, resp.Code, tt.code)
		}
	}
	// The client's own requests, as a browser sends them from the site's
	// pages and from another site's.
	for _, target := range []string{"/logout.py", "/add/600519.py", "/del/600519.py", "/update/600519.py", "/login.py", "/register.py"} {
		c.CrossSite().PostForm(target, nil).WantStatus(t, 403)
	}
	c.PostForm("/logout.py", nil).WantStatus(t, 303)
}
