package frameworktest

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework/session"
	"github.com/miniweb/miniweb/server/gateway"
)

// environ is the comparable part of a gateway.Environ.
type environ struct {
	Method, Path, RawPath, Query, Protocol, ServerName, ServerPort, RemoteAddr, PeerAddr, Scheme, Host string
	ContentLength                                                                                      int64
}

// seen is what an application saw of a request.
type seen struct {
	env    environ
	header gateway.Fields
	body   string
}

// recorder returns an application that keeps what it sees in *got and
// answers 200 "ok".
func recorder(got *seen) gateway.App {
	return gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		b, _ := io.ReadAll(env.Body)
		*got = seen{env: environ{Method: env.Method, Path: env.Path, RawPath: env.RawPath, Query: env.Query,
			Protocol: env.Protocol, ServerName: env.ServerName, ServerPort: env.ServerPort, RemoteAddr: env.RemoteAddr,
			PeerAddr: env.PeerAddr, Scheme: env.Scheme, Host: env.Host, ContentLength: env.ContentLength},
			header: slices.Clone(env.Header), body: string(b)}
		start("200 OK", nil)
		return gateway.Bytes([]byte("ok"))
	})
}

// TestEnviron: the request reaches the application as miniweb's server
// hands it over, with a browser's fields.
func TestEnviron(t *testing.T) {
	const (
		form   = "application/x-www-form-urlencoded"
		json   = "application/json"
		html   = "text/html,application/xhtml+xml,*/*;q=0.8"
		local  = "http://127.0.0.1:8080"
		absent = "(absent)"
	)
	tests := []struct {
		name string
		o    Options
		send func(c *Client)
		env  environ           // wanted; Protocol is always HTTP/1.1, PeerAddr RemoteAddr
		want map[string]string // wanted header fields; absent for none
		body string
	}{
		{
			name: "get",
			send: func(c *Client) { c.Get("/a%20b.py?x=1&y=%2F") },
			env: environ{Method: "GET", Path: "/a b.py", RawPath: "/a%20b.py", Query: "x=1&y=%2F",
				ServerName: "127.0.0.1", ServerPort: "8080", RemoteAddr: DefaultRemoteAddr, Scheme: "http", Host: "127.0.0.1:8080"},
			want: map[string]string{"Host": "127.0.0.1:8080", "Accept": html, "Sec-Fetch-Site": "same-origin",
				"Origin": absent, "Content-Length": absent, "Content-Type": absent, "Cookie": absent},
		},
		{
			name: "post_form",
			send: func(c *Client) { c.PostForm("/f.py", url.Values{"a": {"1"}, "b": {"é"}}) },
			env: environ{Method: "POST", Path: "/f.py", RawPath: "/f.py", ServerName: "127.0.0.1", ServerPort: "8080",
				RemoteAddr: DefaultRemoteAddr, Scheme: "http", Host: "127.0.0.1:8080", ContentLength: 12},
			want: map[string]string{"Origin": local, "Sec-Fetch-Site": "same-origin", "Content-Type": form, "Content-Length": "12"},
			body: "a=1&b=%C3%A9",
		},
		{
			name: "post_empty_form",
			send: func(c *Client) { c.PostForm("/f.py", nil) },
			env: environ{Method: "POST", Path: "/f.py", RawPath: "/f.py", ServerName: "127.0.0.1", ServerPort: "8080",
				RemoteAddr: DefaultRemoteAddr, Scheme: "http", Host: "127.0.0.1:8080"},
			want: map[string]string{"Origin": local, "Content-Type": form, "Content-Length": "0"},
		},
		{
			name: "post_json",
			send: func(c *Client) { c.PostJSON("/j.py", map[string]int{"a": 1}) },
			env: environ{Method: "POST", Path: "/j.py", RawPath: "/j.py", ServerName: "127.0.0.1", ServerPort: "8080",
				RemoteAddr: DefaultRemoteAddr, Scheme: "http", Host: "127.0.0.1:8080", ContentLength: 7},
			want: map[string]string{"Content-Type": json, "Accept": json, "Content-Length": "7", "Origin": local},
			body: `{"a":1}`,
		},
		{
			name: "do_with_fields_replaced_and_removed",
			send: func(c *Client) {
				c.Do("PUT", "/p.py", strings.NewReader("hello"), "Sec-Fetch-Site", "", "content-type", "text/plain", "X-Trace", "7")
			},
			env: environ{Method: "PUT", Path: "/p.py", RawPath: "/p.py", ServerName: "127.0.0.1", ServerPort: "8080",
				RemoteAddr: DefaultRemoteAddr, Scheme: "http", Host: "127.0.0.1:8080", ContentLength: 5},
			want: map[string]string{"Sec-Fetch-Site": absent, "Content-Type": "text/plain", "X-Trace": "7", "Origin": local, "Content-Length": "5"},
			body: "hello",
		},
		{
			name: "cross_site_post",
			send: func(c *Client) { c.CrossSite().PostForm("/f.py", url.Values{"a": {"1"}}) },
			env: environ{Method: "POST", Path: "/f.py", RawPath: "/f.py", ServerName: "127.0.0.1", ServerPort: "8080",
				RemoteAddr: DefaultRemoteAddr, Scheme: "http", Host: "127.0.0.1:8080", ContentLength: 3},
			want: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": CrossOrigin},
			body: "a=1",
		},
		{
			name: "cross_site_get_has_no_origin",
			send: func(c *Client) { c.CrossSite().Get("/g.py") },
			env: environ{Method: "GET", Path: "/g.py", RawPath: "/g.py", ServerName: "127.0.0.1", ServerPort: "8080",
				RemoteAddr: DefaultRemoteAddr, Scheme: "http", Host: "127.0.0.1:8080"},
			want: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": absent},
		},
		{
			name: "https_site_without_port",
			o:    Options{BaseURL: "https://Example.com/", RemoteAddr: "203.0.113.9:4711"},
			send: func(c *Client) { c.PostForm("/f.py", nil) },
			env: environ{Method: "POST", Path: "/f.py", RawPath: "/f.py", ServerName: "Example.com",
				RemoteAddr: "203.0.113.9:4711", Scheme: "https", Host: "Example.com"},
			want: map[string]string{"Host": "Example.com", "Origin": "https://Example.com"},
		},
		{
			name: "ipv6_site",
			o:    Options{BaseURL: "http://[::1]:8000"},
			send: func(c *Client) { c.Get("/") },
			env: environ{Method: "GET", Path: "/", RawPath: "/", ServerName: "::1", ServerPort: "8000",
				RemoteAddr: DefaultRemoteAddr, Scheme: "http", Host: "[::1]:8000"},
			want: map[string]string{"Host": "[::1]:8000"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got seen
			tt.send(New(t, recorder(&got), tt.o))
			want := tt.env
			want.Protocol, want.PeerAddr = "HTTP/1.1", want.RemoteAddr
			if got.env != want {
				t.Errorf("environ:\n got %+v\nwant %+v", got.env, want)
			}
			for name, v := range tt.want {
				if have, ok := got.header.Lookup(name); v == absent && ok || v != absent && have != v {
					t.Errorf("field %s = %q (present %v); want %q", name, have, ok, v)
				}
			}
			if got.body != tt.body {
				t.Errorf("body %q; want %q", got.body, tt.body)
			}
			if host := got.header[0]; host.Name != "Host" {
				t.Errorf("first field %v; want Host, as a browser sends it", host)
			}
		})
	}
}

// TestAccount: register, the flash after the redirect, the session kept
// from request to request, sign out deleting the cookie, sign in again.
func TestAccount(t *testing.T) {
	c := New(t, newSite(t), Options{Session: sessionOptions})

	resp := c.PostForm("/register.py", url.Values{"name": {`Ada <&> "L"`}, "password": {"correct horse"}})
	resp.WantStatus(t, 200)
	if resp.Path != "/index.py" || len(resp.Redirects) != 1 || resp.Redirects[0].Code != 303 || resp.Redirects[0].Method != "POST" {
		t.Fatalf("register: ended at %s after %v; want /index.py after one 303", resp.Path, resp.Redirects)
	}
	resp.WantFlash(t, "info", `Welcome, Ada <&> "L".`)
	resp.WantContains(t, `Signed in as <strong>Ada &lt;&amp;&gt; &quot;L&quot;</strong>`)
	if got := c.Session().Get("user"); got != `Ada <&> "L"` {
		t.Errorf("session user %q after register", got)
	}
	// Shown once: the next page has no flash.
	if resp := c.Get("/index.py"); len(resp.Flashes()) != 0 || strings.Contains(resp.Text(), `class="flash`) {
		t.Errorf("second page: flashes %v\n%s", resp.Flashes(), resp.Body)
	}

	// A form: posted, redirected, flashed, listed.
	resp = c.PostForm("/note.py", url.Values{"text": {"buy <milk>"}})
	resp.WantStatus(t, 200)
	resp.WantFlash(t, "info", "Note saved.")
	resp.WantContains(t, "<li>buy &lt;milk&gt;</li>")

	// Sign out: the 303 deletes the session cookie (Max-Age=0).
	out := c.NoRedirects().PostForm("/logout.py", nil)
	out.WantStatus(t, 303)
	if sc := out.Header.Get("Set-Cookie"); !strings.Contains(sc, "Max-Age=0") {
		t.Fatalf("logout: Set-Cookie %q; want a deletion", sc)
	}
	if v, ok := c.Cookie("miniweb_session"); ok {
		t.Fatalf("session cookie %q still in the jar after its deletion", v)
	}
	if !c.Session().Empty() {
		t.Errorf("session after logout: %d values", c.Session().Len())
	}
	resp = c.Get("/notes.py")
	if resp.Path != "/index.py" {
		t.Errorf("notes signed out: ended at %s; want /index.py", resp.Path)
	}
	resp.WantFlash(t, "error", "Please sign in.")

	// Sign in again, wrongly then rightly.
	c.PostForm("/login.py", url.Values{"name": {`Ada <&> "L"`}, "password": {"wrong"}}).WantStatus(t, 403)
	resp = c.PostForm("/login.py", url.Values{"name": {`Ada <&> "L"`}, "password": {"correct horse"}})
	resp.WantStatus(t, 200)
	resp.WantFlash(t, "info", `Signed in as Ada <&> "L".`)
	resp.WantContains(t, "<li>buy &lt;milk&gt;</li>")

	// Another visitor has a jar of their own.
	other := New(t, c.app, Options{Session: sessionOptions})
	if resp := other.Get("/notes.py"); resp.Path != "/index.py" {
		t.Errorf("another visitor reached %s", resp.Path)
	}
}

// TestJSON: a script's POST of JSON, its answer decoded; errors come as
// problem details, for the client asked for JSON.
func TestJSON(t *testing.T) {
	c := New(t, newSite(t), Options{Session: sessionOptions})
	c.PostForm("/register.py", url.Values{"name": {"ada"}, "password": {"pw"}}).WantStatus(t, 200)

	resp := c.PostJSON("/api/notes.py", map[string]string{"text": "hello"})
	resp.WantStatus(t, 201)
	var got struct {
		ID           int
		Text, Author string
	}
	if err := resp.JSON(&got); err != nil {
		t.Fatal(err)
	}
	if got.ID != 1 || got.Text != "hello" || got.Author != "ada" {
		t.Errorf("answer %+v", got)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}

	resp = c.PostJSON("/api/notes.py", []int{1})
	resp.WantStatus(t, 400)
	var problem struct{ Status int }
	if err := resp.JSON(&problem); err != nil || problem.Status != 400 {
		t.Errorf("problem %+v, %v\n%s", problem, err, resp.Body)
	}
	if err := c.Get("/index.py").JSON(&problem); err == nil || !strings.Contains(err.Error(), "GET /index.py") {
		t.Errorf("an HTML page as JSON: %v; want an error naming the request", err)
	}

	anon := New(t, c.app, Options{})
	anon.PostJSON("/api/notes.py", map[string]string{"text": "x"}).WantStatus(t, 401)
}

// TestCrossSite: the framework's CSRF protection lets the Client's own
// requests through and refuses the cross-site ones, with the cookies sent.
func TestCrossSite(t *testing.T) {
	app := newSite(t)
	c := New(t, app, Options{Session: sessionOptions})
	c.PostForm("/register.py", url.Values{"name": {"ada"}, "password": {"pw"}}).WantStatus(t, 200)
	tests := []struct {
		name string
		send func() *Response
		code int // the first answer's
	}{
		{"same_origin", func() *Response { return c.NoRedirects().PostForm("/note.py", url.Values{"text": {"a"}}) }, 303},
		{"cross_site", func() *Response { return c.CrossSite().PostForm("/note.py", url.Values{"text": {"b"}}) }, 403},
		{"cross_site_json", func() *Response { return c.CrossSite().PostJSON("/api/notes.py", map[string]string{"text": "c"}) }, 403},
		{"cross_site_get_passes", func() *Response { return c.CrossSite().Get("/notes.py") }, 200},
		{"old_browser_other_origin", func() *Response {
			return c.Do("POST", "/note.py", strings.NewReader("text=d"), "Sec-Fetch-Site", "", "Origin", "http://evil.example",
				"Content-Type", "application/x-www-form-urlencoded")
		}, 403},
		{"old_browser_same_origin", func() *Response {
			return c.NoRedirects().Do("POST", "/note.py", strings.NewReader("text=e"), "Sec-Fetch-Site", "",
				"Content-Type", "application/x-www-form-urlencoded")
		}, 303},
		{"not_a_browser", func() *Response {
			return c.NoRedirects().Do("POST", "/note.py", strings.NewReader("text=f"), "Sec-Fetch-Site", "", "Origin", "",
				"Content-Type", "application/x-www-form-urlencoded")
		}, 303},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.send().WantStatus(t, tt.code)
		})
	}
	// Only the three that passed were saved.
	c.Get("/notes.py").WantContains(t, "<li>a</li><li>e</li><li>f</li>")
	if _, ok := c.Cookie("miniweb_session"); !ok {
		t.Error("the refusals cost the visitor their session")
	}
}

// TestRedirects: which redirects are followed, with which method and body,
// as browsers do.
func TestRedirects(t *testing.T) {
	c := New(t, newSite(t), Options{})
	form := url.Values{"k": {"v"}}
	const ct = "application/x-www-form-urlencoded"
	tests := []struct {
		name   string
		method string
		target string
		codes  []int  // the redirects followed
		path   string // where it ended
		text   string // the echo there: method, Content-Type, query, body
	}{
		{"301_post_becomes_get", "POST", "/moved.py", []int{301}, "/index.py", ""},
		{"302_post_becomes_get", "POST", "/found.py", []int{302}, "/echo.py", "GET  from=found "},
		{"302_put_is_repeated", "PUT", "/found.py", []int{302}, "/echo.py", "PUT " + ct + " from=found k=v"},
		{"303_post_becomes_get", "POST", "/see.py", []int{303}, "/echo.py", "GET   "},
		{"307_post_repeated_with_body", "POST", "/temp.py", []int{307}, "/echo.py", "POST " + ct + "  k=v"},
		{"308_absolute_same_origin", "POST", "/perm.py", []int{308}, "/echo.py", "POST " + ct + "  k=v"},
		{"chain", "POST", "/chain.py", []int{303, 301}, "/index.py", ""},
		{"other_origin_not_followed", "GET", "/away.py", nil, "/away.py", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := c.Do(tt.method, tt.target, strings.NewReader(form.Encode()), "Content-Type", ct)
			var codes []int
			for _, r := range resp.Redirects {
				codes = append(codes, r.Code)
			}
			if !slices.Equal(codes, tt.codes) || resp.Path != tt.path {
				t.Fatalf("%s %s: ended %d at %s after %v; want at %s after %v", tt.method, tt.target, resp.Code, resp.Path, codes, tt.path, tt.codes)
			}
			if tt.text != "" && resp.Text() != tt.text {
				t.Errorf("echo %q; want %q", resp.Text(), tt.text)
			}
		})
	}

	resp := c.NoRedirects().PostForm("/see.py", form)
	if resp.Code != 303 || resp.Location() != "/echo.py" || resp.Redirects != nil {
		t.Errorf("not followed: %d %q %v", resp.Code, resp.Location(), resp.Redirects)
	}
	if resp := c.Get("/away.py"); resp.Code != 302 || resp.Location() != "https://elsewhere.example/" {
		t.Errorf("away: %d %q", resp.Code, resp.Location())
	}
}

// TestFailures: what fails the test, and with what message.
func TestFailures(t *testing.T) {
	app := newSite(t)
	tests := []struct {
		name string
		o    Options
		send func(c *Client)
		want string // in the failure
	}{
		{"redirect_loop", Options{}, func(c *Client) { c.Get("/loop.py") }, `more than 10 redirects: the last to "/loop.py"`},
		{"absolute_target", Options{}, func(c *Client) { c.Get("http://127.0.0.1:8080/index.py") }, "want a path"},
		{"relative_target", Options{}, func(c *Client) { c.Get("index.py") }, "want a path"},
		{"scheme_relative_target", Options{}, func(c *Client) { c.Get("//evil.example/x") }, "want a path"},
		{"odd_header", Options{}, func(c *Client) { c.Do("GET", "/index.py", nil, "X-Only-A-Name") }, "not name, value pairs"},
		{"json_unencodable", Options{}, func(c *Client) { c.PostJSON("/api/notes.py", make(chan int)) }, "encoding chan int as JSON"},
		{"base_url_with_path", Options{BaseURL: "http://example.com/app"}, nil, "want an http or https origin"},
		{"base_url_ftp", Options{BaseURL: "ftp://example.com"}, nil, "want an http or https origin"},
		{"session_without_secret", Options{Session: &sessionOptionsNoSecret}, nil, "has no Secret"},
		{"session_weak_secret", Options{Session: &sessionOptionsWeak}, nil, "Options.Session"},
		{"contract_breach", Options{}, nil, "start_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeT{TB: t}
			ft.run(func() {
				var a gateway.App = app
				if tt.name == "contract_breach" {
					a = gateway.AppFunc(func(*gateway.Environ, gateway.StartResponse) gateway.Body { return gateway.Bytes(nil) })
					New(ft, a, tt.o).Get("/")
					return
				}
				c := New(ft, a, tt.o)
				if tt.send != nil {
					tt.send(c)
				}
			})
			if !strings.Contains(ft.fatal, tt.want) {
				t.Errorf("failure %q; want one with %q", ft.fatal, tt.want)
			}
		})
	}
}

var (
	sessionOptionsNoSecret = *sessionOptions
	sessionOptionsWeak     = *sessionOptions
)

func init() {
	sessionOptionsNoSecret.Secret = ""
	sessionOptionsWeak.Secret = "short"
}

// fakeT is a testing.TB whose Fatalf is recorded and stops only the
// function given to run.
type fakeT struct {
	testing.TB
	fatal, errors string
}

// fatalStop is what fakeT's Fatalf panics with.
type fatalStop struct{}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(fatalStop{})
}

func (f *fakeT) Errorf(format string, args ...any) { f.errors += fmt.Sprintf(format, args...) + "\n" }

// run runs fn until its end or its Fatalf.
func (f *fakeT) run(fn func()) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(fatalStop); !ok {
				panic(p)
			}
		}
	}()
	fn()
}

// TestCookies: Path scopes a cookie, a past Expires deletes it, and a
// forged session cookie is an anonymous visitor.
func TestCookies(t *testing.T) {
	c := New(t, newSite(t), Options{Session: sessionOptions})
	c.Get("/admin/remember.py").WantStatus(t, 200)
	for _, tt := range []struct{ target, want string }{
		{"/admin/pref.py", "dark"},
		{"/pref.py", "none"}, // out of Path=/admin
	} {
		if got := c.Get(tt.target).Text(); got != tt.want {
			t.Errorf("GET %s: %q; want %q", tt.target, got, tt.want)
		}
	}
	c.Get("/admin/forget.py")
	if got := c.Get("/admin/pref.py").Text(); got != "none" {
		t.Errorf("after a past Expires: %q; want the cookie gone", got)
	}

	c.PostForm("/register.py", url.Values{"name": {"ada"}, "password": {"pw"}}).WantStatus(t, 200)
	c.SetCookie("miniweb_session", "forged")
	if got, _ := c.Cookie("miniweb_session"); got != "forged" {
		t.Fatalf("cookie %q after SetCookie", got)
	}
	if !c.Session().Empty() {
		t.Error("a forged cookie opened")
	}
	resp := c.Get("/notes.py")
	if resp.Path != "/index.py" {
		t.Errorf("forged session reached %s", resp.Path)
	}
	resp.WantFlash(t, "error", "Please sign in.")
	c.SetCookie("miniweb_session", "")
	if _, ok := c.Cookie("miniweb_session"); ok {
		t.Error("SetCookie with an empty value left the cookie")
	}
}

// TestBadSetCookie: a Set-Cookie field a browser ignores is reported.
func TestBadSetCookie(t *testing.T) {
	app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", []gateway.Field{{Name: "Set-Cookie", Value: "no-equals-sign"}, {Name: "Set-Cookie", Value: "ok=1"}})
		return gateway.Bytes(nil)
	})
	ft := &fakeT{TB: t}
	c := New(ft, app, Options{})
	ft.run(func() { c.Get("/") })
	if !strings.Contains(ft.errors, `Set-Cookie "no-equals-sign"`) {
		t.Errorf("errors %q; want the bad Set-Cookie named", ft.errors)
	}
	if v, ok := c.Cookie("ok"); v != "1" || !ok {
		t.Errorf("the good cookie: %q %v", v, ok)
	}
}

// TestFlashesNeedSession: without Options.Session the session cannot be
// read, and saying so beats an empty answer.
func TestFlashesNeedSession(t *testing.T) {
	c := New(t, newSite(t), Options{})
	resp := c.Get("/notes.py")
	for name, f := range map[string]func(){
		"Response.Flashes": func() { resp.Flashes() },
		"Client.Session":   func() { c.Session() },
	} {
		func() {
			defer func() {
				if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "without Options.Session") {
					t.Errorf("%s: panic %v; want one naming Options.Session", name, p)
				}
			}()
			f()
		}()
	}
}

// TestTaken: which flashes a request took, from the session before and
// after it.
func TestTaken(t *testing.T) {
	a, b, n := session.Flash{Kind: "info", Message: "a"}, session.Flash{Kind: "info", Message: "b"}, session.Flash{Kind: "error", Message: "new"}
	tests := []struct {
		name          string
		before, after []session.Flash
		want          []session.Flash
	}{
		{"none", nil, nil, nil},
		{"added", nil, []session.Flash{n}, nil},
		{"taken", []session.Flash{a, b}, nil, []session.Flash{a, b}},
		{"kept", []session.Flash{a, b}, []session.Flash{a, b}, nil},
		{"kept_and_added", []session.Flash{a}, []session.Flash{a, n}, nil},
		{"taken_and_added", []session.Flash{a, b}, []session.Flash{n}, []session.Flash{a, b}},
		{"taken_and_same_added", []session.Flash{a}, []session.Flash{b, a}, []session.Flash{a}},
	}
	for _, tt := range tests {
		if got := taken(tt.before, tt.after); !slices.Equal(got, tt.want) {
			t.Errorf("%s: taken(%v, %v) = %v; want %v", tt.name, tt.before, tt.after, got, tt.want)
		}
	}
}
