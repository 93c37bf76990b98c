package framework_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/session"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

const (
	testSecret = "0123456789abcdef0123456789abcdef-test"
	oldSecret  = "fedcba9876543210fedcba9876543210-old!"
)

// sessionApp is an App with sessions: /login.py?as=NAME signs in (and
// flashes), /logout.py signs out, /index.py shows the user and the flashes,
// /big.py stores more than a cookie holds.
func sessionApp(t *testing.T, o framework.Options) *framework.App {
	t.Helper()
	o.Templates = "testdata/sessions"
	if o.Log == nil {
		o.Log = quiet
	}
	if o.Session == nil {
		o.Session = &framework.SessionOptions{Secret: testSecret, OldSecrets: []string{oldSecret}}
	}
	app, err := framework.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	app.Context(func(r *framework.Request) framework.Data {
		user := r.Session().Get("user")
		if user == "" {
			user = "anonymous"
		}
		return framework.Data{"user": user, "flashes": r.Flashes()}
	})
	app.Page("GET", "/index.py", "page.html", nil)
	app.Handle("GET", "/login.py", func(r *framework.Request) (*framework.Response, error) {
		r.Session().Set("user", r.Query("as"))
		r.Flash("info", "Welcome, "+r.Query("as"))
		return framework.Redirect("/index.py"), nil
	})
	app.Handle("GET", "/logout.py", func(r *framework.Request) (*framework.Response, error) {
		r.Session().Clear()
		return framework.Redirect("/index.py"), nil
	})
	app.Handle("GET", "/big.py", func(r *framework.Request) (*framework.Response, error) {
		r.Session().Set("big", strings.Repeat("x", 5000))
		return framework.Redirect("/index.py"), nil
	})
	return app
}

// client is a browser-like client of base: a cookie jar, no redirects
// followed.
type client struct {
	t    *testing.T
	base string
	jar  *cookiejar.Jar
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, jar: jar, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches path and returns the response, its body read.
func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// setCookie puts a session cookie with value v in the client's jar.
func (c *client) setCookie(v string) {
	u, _ := url.Parse(c.base)
	c.jar.SetCookies(u, []*http.Cookie{{Name: "miniweb_session", Value: v, Path: "/"}})
}

// TestSessions: a session lives in its cookie, through a real server:
// signing in sets it (HttpOnly, SameSite=Lax, a Max-Age), the next pages
// see it, a flash shows once, signing out removes it; a tampered,
// expired, foreign or unknown-secret cookie makes an anonymous visitor.
func TestSessions(t *testing.T) {
	t.Parallel()
	base := serve(t, sessionApp(t, framework.Options{}))
	c := newClient(t, base)
	if _, body := c.get("/index.py"); !strings.Contains(body, "<p>anonymous</p>") {
		t.Fatalf("first visit: %q", body)
	}
	resp, _ := c.get("/login.py?as=ada")
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"miniweb_session=", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=1209600"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Errorf("Set-Cookie %q is Secure over http", sc)
	}
	if _, body := c.get("/index.py"); !strings.Contains(body, "<p>ada</p><flash>info:Welcome, ada</flash>") {
		t.Fatalf("after login: %q", body)
	}
	if _, body := c.get("/index.py"); !strings.Contains(body, "<p>ada</p>") || strings.Contains(body, "<flash>") {
		t.Fatalf("the flash shows twice, or the user is gone: %q", body)
	}
	good := cookieOf(t, c)

	codec := func(secret string, maxAge time.Duration) *session.Codec {
		k, err := session.NewCodec(secret, nil, maxAge)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	s := &session.Session{}
	s.Set("user", "mallory")
	sealed := func(k *session.Codec, name string, at time.Time) string {
		v, err := k.Encode(name, s, at)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tampered := []byte(good)
	tampered[len(tampered)/2] ^= 'A' ^ 'B'
	for _, tt := range []struct {
		name, cookie, want string
	}{
		{"tampered", string(tampered), "anonymous"},
		{"garbage", "not-a-session", "anonymous"},
		{"expired (sealed 15 days ago; max age 14)", sealed(codec(testSecret, 0), "miniweb_session", time.Now().Add(-15*24*time.Hour)), "anonymous"},
		{"foreign name", sealed(codec(testSecret, 0), "other_cookie", time.Now()), "anonymous"},
		{"unknown secret", sealed(codec("an-unknown-secret-of-32-bytes-or-more", 0), "miniweb_session", time.Now()), "anonymous"},
		{"old secret still opens", sealed(codec(oldSecret, 0), "miniweb_session", time.Now()), "mallory"},
		{"good", good, "ada"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, base)
			c.setCookie(tt.cookie)
			resp, body := c.get("/index.py")
			if resp.StatusCode != 200 || !strings.Contains(body, "<p>"+tt.want+"</p>") {
				t.Errorf("%d %q; want 200 and %s", resp.StatusCode, body, tt.want)
			}
		})
	}

	resp, _ = c.get("/logout.py")
	if sc := resp.Header.Get("Set-Cookie"); !strings.Contains(sc, "miniweb_session=") || !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("logout's Set-Cookie %q does not remove the cookie", sc)
	}
	if _, body := c.get("/index.py"); !strings.Contains(body, "<p>anonymous</p>") {
		t.Errorf("after logout: %q", body)
	}
}

// cookieOf returns the session cookie in c's jar.
func cookieOf(t *testing.T, c *client) string {
	u, _ := url.Parse(c.base)
	for _, k := range c.jar.Cookies(u) {
		if k.Name == "miniweb_session" {
			return k.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// TestSessionTooLarge: a session over the cookie's size is a 500 whose
// log says the sizes, and the previous session stays.
func TestSessionTooLarge(t *testing.T) {
	t.Parallel()
	logs := &lockedLog{}
	base := serve(t, sessionApp(t, framework.Options{Log: slog.New(slog.NewTextHandler(logs, nil))}))
	c := newClient(t, base)
	c.get("/login.py?as=ada")
	resp, _ := c.get("/big.py")
	l := logs.String()
	if resp.StatusCode != 500 || !strings.Contains(l, "over the limit") {
		t.Errorf("a session too large: %d, log %q; want 500 and the sizes in the log", resp.StatusCode, l)
	}
	if _, body := c.get("/index.py"); !strings.Contains(body, "<p>ada</p>") {
		t.Errorf("the session before: %q", body)
	}
}

// lockedLog is a log destination safe for the server's goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSessionSecrets: without a secret, a production App refuses to start,
// naming the config key and the variable; a dev App makes one and warns.
func TestSessionSecrets(t *testing.T) {
	t.Parallel()
	_, err := framework.New(framework.Options{Templates: "testdata/sessions", Log: quiet, Session: &framework.SessionOptions{}})
	if !errors.Is(err, framework.ErrNoSessionSecret) || !strings.Contains(err.Error(), "[session] secret") || !strings.Contains(err.Error(), "MINIWEB_SESSION_SECRET") {
		t.Errorf("production without a secret: %v", err)
	}
	logs := &strings.Builder{}
	app, err := framework.New(framework.Options{Templates: "testdata/sessions", Dev: true, Log: slog.New(slog.NewTextHandler(logs, nil)),
		Session: &framework.SessionOptions{}})
	if err != nil {
		t.Fatalf("dev without a secret: %v", err)
	}
	app.Close()
	if !strings.Contains(logs.String(), "no session secret") {
		t.Errorf("dev without a secret logged %q; want a warning", logs.String())
	}
	if _, err := framework.New(framework.Options{Templates: "testdata/sessions", Log: quiet, Session: &framework.SessionOptions{Secret: "short"}}); !errors.Is(err, session.ErrWeakSecret) {
		t.Errorf("a short secret: %v", err)
	}
}

// TestSessionSecureOnHTTPS: over https the cookie is Secure.
func TestSessionSecureOnHTTPS(t *testing.T) {
	t.Parallel()
	app := sessionApp(t, framework.Options{})
	env := gatewaytest.NewEnviron("GET", "/login.py?as=ada", nil)
	env.Scheme = "https"
	rec, err := gatewaytest.Record(app, env)
	if err != nil {
		t.Fatal(err)
	}
	if sc := rec.Header.Get("Set-Cookie"); !strings.Contains(sc, "; Secure") {
		t.Errorf("Set-Cookie over https: %q; want Secure", sc)
	}
}

// BenchmarkSession measures what sessions cost a page: none, a session
// read from its cookie, and one read and saved (a flash taken).
func BenchmarkSession(b *testing.B) {
	o := framework.Options{Templates: "testdata/sessions", Log: quiet,
		Session: &framework.SessionOptions{Secret: testSecret}}
	app, err := framework.New(o)
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	app.Page("GET", "/plain.py", "page.html", func(*framework.Request) (framework.Data, error) {
		return framework.Data{"user": "anonymous"}, nil
	})
	app.Page("GET", "/read.py", "page.html", func(r *framework.Request) (framework.Data, error) {
		return framework.Data{"user": r.Session().Get("user")}, nil
	})
	app.Page("GET", "/write.py", "page.html", func(r *framework.Request) (framework.Data, error) {
		r.Session().Set("seen", "1")
		return framework.Data{"user": r.Session().Get("user"), "flashes": r.Flashes()}, nil
	})
	codec, _ := session.NewCodec(testSecret, nil, 0)
	s := &session.Session{}
	s.Set("user", "ada")
	s.AddFlash("info", "Welcome")
	cookie, _ := codec.Encode("miniweb_session", s, time.Now())
	for _, path := range []string{"/plain.py", "/read.py", "/write.py"} {
		b.Run(strings.Trim(path, "/"), func(b *testing.B) {
			env := gatewaytest.NewEnviron("GET", path, nil)
			env.Header = append(env.Header, gateway.Field{Name: "Cookie", Value: "miniweb_session=" + cookie})
			b.ReportAllocs()
			for b.Loop() {
				rec, err := gatewaytest.Record(app, env)
				if err != nil || rec.Status != "200 OK" {
					b.Fatal(rec, err)
				}
			}
		})
	}
}
