package demo

import (
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/framework/frameworktest"
	"github.com/miniweb/miniweb/framework/session"
	"github.com/miniweb/miniweb/server/gateway"
)

// sessionCookie returns c's session cookie, failing the test without one.
func sessionCookie(t testing.TB, c *frameworktest.Client) string {
	t.Helper()
	v, ok := c.Cookie("miniweb_session")
	if !ok {
		t.Fatal("no session cookie")
	}
	return v
}

// holding returns a new browser on app that holds the session cookie v: a
// copy of another's, as from a lost device or a stolen cookie.
func holding(t testing.TB, app gateway.App, v string) *frameworktest.Client {
	c := newClient(t, app)
	c.SetCookie("miniweb_session", v)
	return c
}

// generation returns the session generation of the user name.
func generation(t testing.TB, db *database.DB, name string) int {
	t.Helper()
	return count(t, db, "SELECT session_generation FROM users WHERE name = ?", name)
}

// wantSignedIn fails the test unless the session cookie v is name's on
// app: the header says so and the watch list opens.
func wantSignedIn(t testing.TB, app gateway.App, v, name string) {
	t.Helper()
	c := holding(t, app, v)
	if resp := c.Get("/about.py"); !strings.Contains(resp.Text(), "Signed in as <strong>"+name+"</strong>") {
		t.Errorf("the cookie is not %s's on /about.py:\n%s", name, resp.Body)
	}
	if resp := c.NoRedirects().Get("/watchlist.py"); resp.Code != 200 {
		t.Errorf("the cookie does not open %s's watch list: %d", name, resp.Code)
	}
}

// wantAnonymous fails the test unless the session cookie v, every copy of
// it, is a visitor's on app, on every kind of page, with nothing done in
// the name of user name, whose password is password: the pages that run
// no statement, those whose statement checks the session, the members'
// pages and every POST. Each page gets
// its own copy of the cookie, as the first clears it: the flash says why,
// and the cookie goes.
func wantAnonymous(t *testing.T, app gateway.App, db *database.DB, v, name, password string) {
	t.Helper()
	gen := generation(t, db, name)
	rows := count(t, db, "SELECT COUNT(*) FROM watchlist")
	ended := html.EscapeString(msgSessionEnded)
	for _, tt := range []struct {
		target string
		lacks  string // what the user's own page would show
	}{
		{"/about.py", "Signed in as"},         // no statement: the one lookup
		{"/login.py", "Signed in as"},         // the form, not a redirect home
		{"/index.py", "Welcome back"},         // the market's statement checks it
		{"/center.py", "Following"},           // and flags nothing followed
		{"/stock/600519.py", "On your watch"}, // nor does the stock's
		{"/nosuch.py", "Signed in as"},        // an error page
	} {
		c := holding(t, app, v)
		resp := c.NoRedirects().Get(tt.target)
		if body := resp.Text(); strings.Contains(body, tt.lacks) || strings.Contains(body, "Signed in as") ||
			!strings.Contains(body, ended) {
			t.Errorf("GET %s with a stale cookie: %d, shows %q or lacks the flash\n%s", tt.target, resp.Code, tt.lacks, body)
		}
		if _, ok := c.Cookie("miniweb_session"); ok {
			t.Errorf("GET %s: the stale cookie was kept", tt.target)
		}
	}
	for _, tt := range []struct {
		method, target string
		form           url.Values
		location       string
	}{
		{"GET", "/watchlist.py", nil, "/login.py?next=%2Fwatchlist.py"},
		{"GET", "/account.py", nil, "/login.py?next=%2Faccount.py"},
		{"POST", "/add/000001.py", nil, "/login.py?next=%2Fwatchlist.py"},
		{"POST", "/del/600519.py", nil, "/login.py?next=%2Fwatchlist.py"},
		{"POST", "/update/600519.py", url.Values{"note": {"stale"}}, "/login.py?next=%2Fwatchlist.py"},
		{"POST", "/password.py", url.Values{"current": {password}, "password": {"a stolen password"}}, "/login.py?next=%2Faccount.py"},
		{"POST", "/signout-others.py", nil, "/login.py?next=%2Faccount.py"},
	} {
		c := holding(t, app, v)
		var resp *frameworktest.Response
		if tt.method == "GET" {
			resp = c.Get(tt.target)
		} else {
			resp = c.PostForm(tt.target, tt.form)
		}
		wantSeeOther(t, resp, tt.location)
		wantFlash(t, resp, "error", msgSessionEnded)
	}
	// Logging out with it ends nothing: the user's sessions since are kept.
	c := holding(t, app, v)
	wantSeeOther(t, c.PostForm("/logout.py", nil), "/index.py")
	if _, ok := c.Cookie("miniweb_session"); ok {
		t.Error("logout kept the stale cookie")
	}
	if got := generation(t, db, name); got != gen {
		t.Errorf("a stale cookie changed the generation: %d, was %d", got, gen)
	}
	if got := count(t, db, "SELECT COUNT(*) FROM watchlist"); got != rows {
		t.Errorf("a stale cookie changed the watch lists: %d rows, were %d", got, rows)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM watchlist WHERE note = 'stale'"); n != 0 {
		t.Errorf("a stale cookie wrote %d notes", n)
	}
	if resp := newClient(t, app).PostForm("/login.py", url.Values{"name": {name}, "password": {password}}); resp.Code != 200 {
		t.Errorf("%s's password changed with a stale cookie: log in %d", name, resp.Code)
	}
}

// TestLogoutEndsCopies: a copy of a session cookie, taken before the
// logout, is a visitor's after it, on every page; as is one of another
// device's sign in. A new login is a new session the stale copies cannot
// end.
func TestLogoutEndsCopies(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		ada := newClient(t, app)
		register(t, ada, "ada", "correct horse")
		ada.PostForm("/add/600519.py", nil).WantStatus(t, 200)
		copied := sessionCookie(t, ada)
		phone := newClient(t, app)
		phone.PostForm("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}}).WantStatus(t, 200)
		wantSignedIn(t, app, copied, "ada")
		wantSignedIn(t, app, sessionCookie(t, phone), "ada")
		bob := newClient(t, app)
		register(t, bob, "bob", "battery staple")

		resp := ada.PostForm("/logout.py", nil)
		wantSeeOther(t, resp, "/index.py")
		wantFlash(t, resp, "info", msgSignedOut)
		if _, ok := ada.Cookie("miniweb_session"); ok {
			t.Error("the cookie is kept after logout")
		}
		wantAnonymous(t, app, db, copied, "ada", "correct horse")
		wantAnonymous(t, app, db, sessionCookie(t, phone), "ada", "correct horse")
		wantSignedIn(t, app, sessionCookie(t, bob), "bob") // another user's session is not touched

		// Signed in again: the new session is good, the old copy not.
		ada.PostForm("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}}).WantStatus(t, 200)
		wantSignedIn(t, app, sessionCookie(t, ada), "ada")
		wantAnonymous(t, app, db, copied, "ada", "correct horse")
		wantSignedIn(t, app, sessionCookie(t, ada), "ada")
	})
}

// TestPasswordChangeEndsOthers: a password change ends every other
// session, a copy of this one's cookie included, and keeps this one; a
// refused change ends nothing.
func TestPasswordChangeEndsOthers(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		ada := newClient(t, app)
		register(t, ada, "ada", "correct horse")
		ada.PostForm("/add/600519.py", nil).WantStatus(t, 200)
		copied := sessionCookie(t, ada)
		lost := newClient(t, app)
		lost.PostForm("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}}).WantStatus(t, 200)

		resp := ada.Get("/account.py")
		resp.WantStatus(t, 200)
		resp.WantContains(t, `<form class="panel" method="post" action="/password.py">`,
			`<form class="panel" method="post" action="/signout-others.py">`, "<button>Sign out everywhere else</button>")

		// Refused: a short new password (422), a wrong current one (403).
		for _, tt := range []struct {
			current, password string
			code              int
			msg               string
		}{
			{"correct horse", "short", 422, msgPasswordShort},
			{"correct horse", strings.Repeat("x", 73), 422, msgPasswordLong},
			{"wrong horse", "a new password", 403, msgWrongPassword},
			{"", "a new password", 403, msgWrongPassword},
		} {
			resp := ada.PostForm("/password.py", url.Values{"current": {tt.current}, "password": {tt.password}})
			resp.WantStatus(t, tt.code)
			resp.WantContains(t, `<p class="error" role="alert">`+html.EscapeString(tt.msg)+`</p>`)
		}
		ada.CrossSite().PostForm("/password.py", url.Values{"current": {"correct horse"}, "password": {"a new password"}}).WantStatus(t, 403)
		if n := generation(t, db, "ada"); n != 0 {
			t.Errorf("refused changes moved the generation to %d", n)
		}
		wantSignedIn(t, app, copied, "ada")
		wantSignedIn(t, app, sessionCookie(t, lost), "ada")

		resp = ada.PostForm("/password.py", url.Values{"current": {"correct horse"}, "password": {"a new password"}})
		wantSeeOther(t, resp, "/account.py")
		wantFlash(t, resp, "info", msgPasswordChanged)
		wantSignedIn(t, app, sessionCookie(t, ada), "ada") // this device stays
		wantAnonymous(t, app, db, copied, "ada", "a new password")
		wantAnonymous(t, app, db, sessionCookie(t, lost), "ada", "a new password")
		if resp := newClient(t, app).PostForm("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}}); resp.Code != 403 {
			t.Errorf("the old password: log in %d; want 403", resp.Code)
		}
		wantSignedIn(t, app, sessionCookie(t, ada), "ada")
	})
}

// TestSignOutEverywhereElse: the account page's button ends every other
// session, and keeps this one.
func TestSignOutEverywhereElse(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		ada := newClient(t, app)
		register(t, ada, "ada", "correct horse")
		copied := sessionCookie(t, ada)
		lost := newClient(t, app)
		lost.PostForm("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}}).WantStatus(t, 200)

		ada.CrossSite().PostForm("/signout-others.py", nil).WantStatus(t, 403)
		wantSignedIn(t, app, copied, "ada")
		resp := ada.PostForm("/signout-others.py", nil)
		wantSeeOther(t, resp, "/account.py")
		wantFlash(t, resp, "info", msgSignedOutOthers)
		wantSignedIn(t, app, sessionCookie(t, ada), "ada")
		wantAnonymous(t, app, db, copied, "ada", "correct horse")
		wantAnonymous(t, app, db, sessionCookie(t, lost), "ada", "correct horse")

		// A visitor is asked to log in, and comes back to the account.
		v := newClient(t, app)
		resp = v.Get("/account.py")
		wantSeeOther(t, resp, "/login.py?next=%2Faccount.py")
		wantFlash(t, resp, "info", "Please log in to manage your account.")
		wantSeeOther(t, v.PostForm("/signout-others.py", nil), "/login.py?next=%2Faccount.py")
	})
}

// TestLogoutOtherInstance: two instances of the site on one database, with
// one secret: a cookie from the first opens the second, and after a logout
// on the first it is a visitor's on the second; so after a password change
// on the second, on the first.
func TestLogoutOtherInstance(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			url1 := b.url(t)
			one, _, _ := testSite(t, openDB(t, url1, database.Options{}), templates, false)
			db := openDB(t, url1, database.Options{}) // a pool of its own, as another process has
			two, _, _ := testSite(t, db, templates, false)

			ada := newClient(t, one)
			register(t, ada, "ada", "correct horse")
			ada.PostForm("/add/600519.py", nil).WantStatus(t, 200)
			copied := sessionCookie(t, ada)
			wantSignedIn(t, two, copied, "ada")
			wantSeeOther(t, ada.PostForm("/logout.py", nil), "/index.py")
			wantAnonymous(t, two, db, copied, "ada", "correct horse")

			// Signed in on the second, the password changed there: a copy
			// taken before is a visitor's on the first.
			ada = newClient(t, two)
			ada.PostForm("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}}).WantStatus(t, 200)
			copied = sessionCookie(t, ada)
			wantSignedIn(t, one, copied, "ada")
			wantSeeOther(t, ada.PostForm("/password.py", url.Values{"current": {"correct horse"}, "password": {"a new password"}}), "/account.py")
			wantSignedIn(t, one, sessionCookie(t, ada), "ada")
			wantAnonymous(t, one, db, copied, "ada", "a new password")
		})
	}
}

// TestEarlierSessionCookie: a cookie of an earlier release, with no
// generation, stays signed in after the upgrade, until the user's sessions
// end; a generation that is no number is a visitor's.
func TestEarlierSessionCookie(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	app, _, _ := testSite(t, db, templates, false)
	register(t, newClient(t, app), "ada", "correct horse")
	codec, err := session.NewCodec(testSecret, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seal := func(gen string) string {
		s := &session.Session{}
		s.Set(sessionUserID, "1")
		s.Set(sessionUser, "ada")
		if gen != "" {
			s.Set(sessionGen, gen)
		}
		v, err := codec.Encode("miniweb_session", s, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	earlier := seal("")
	wantSignedIn(t, app, earlier, "ada")
	for _, gen := range []string{"x", "-1", "1", "0x0", " 0"} {
		if body := holding(t, app, seal(gen)).Get("/about.py").Text(); strings.Contains(body, "Signed in as") {
			t.Errorf("generation %q signs in", gen)
		}
	}
	ada := holding(t, app, earlier)
	wantSeeOther(t, ada.PostForm("/logout.py", nil), "/index.py")
	wantAnonymous(t, app, db, earlier, "ada", "correct horse")
}
