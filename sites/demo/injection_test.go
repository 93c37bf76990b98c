package demo

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework/database"
)

// injections are SQL-injection attempts, put into every input the site
// takes: user name, password, stock code (a path segment) and note.
var injections = []string{
	`'; DROP TABLE users; --`,
	`' OR '1'='1`,
	`' OR '1'='1' --`,
	`x'); DELETE FROM watchlist; --`,
	`1 OR 1=1`,
	`600519' OR 'a'='a`,
	`600519'; UPDATE watchlist SET note = 'pwned'; --`,
	`"; DROP TABLE stocks; --`,
	`%' OR 1=1 --`,
	`\'; DROP TABLE watchlist; --`,
	`1; DELETE FROM users`,
	`' UNION SELECT id, password_hash FROM users --`,
	`$1`,
	`?`,
}

// TestSQLInjection puts each of injections into the user name, the
// password, the code and the note; afterwards the schema is as it was,
// another user's rows are untouched, and each string was stored, when it
// was, as the text it is.
func TestSQLInjection(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		// Many logins and registrations from one address: the throttle lifted.
		app, _, _ := testSiteWith(t, db, templates, false, config{limits: looseLimits()})
		before := schema(t, db)

		victim := newClient(t, app)
		register(t, victim, "victim", "victim's password")
		victim.PostForm("/add/600519.py", nil)
		victim.PostForm("/add/000001.py", nil)
		victim.PostForm("/update/600519.py", url.Values{"note": {"mine"}})
		victimRows := []watchRow{{"000001", ""}, {"600519", "mine"}}

		for i, inj := range injections {
			// As a user name, with the string as the password too.
			password := inj + " password"
			v := newClient(t, app)
			if resp := v.NoRedirects().PostForm("/register.py", url.Values{"name": {inj}, "password": {password}}); resp.Code != 303 {
				t.Errorf("register %q: %d\n%s", inj, resp.Code, resp.Body)
				continue
			}
			// Its own account: the wrong password fails, the right one works.
			if resp := newClient(t, app).PostForm("/login.py", url.Values{"name": {inj}, "password": {"wrong password"}}); resp.Code != 403 {
				t.Errorf("login as %q with a wrong password: %d", inj, resp.Code)
			}
			if resp := newClient(t, app).NoRedirects().PostForm("/login.py", url.Values{"name": {inj}, "password": {password}}); resp.Code != 303 {
				t.Errorf("login as %q: %d", inj, resp.Code)
			}
			// Into the victim's account: as the password, or in the name.
			for _, form := range []url.Values{
				{"name": {"victim"}, "password": {inj}},
				{"name": {"victim' --"}, "password": {inj}},
				{"name": {"victim" + inj}, "password": {inj}},
				{"name": {inj}, "password": {"victim's password"}},
			} {
				if resp := newClient(t, app).PostForm("/login.py", form); resp.Code != 403 {
					t.Errorf("login %v: %d; want 403", form, resp.Code)
				}
			}
			// As a code, in the path: no such stock.
			code := url.PathEscape(inj)
			for _, target := range []string{"/add/" + code + ".py", "/del/" + code + ".py", "/update/" + code + ".py"} {
				if resp := v.PostForm(target, url.Values{"note": {inj}}); resp.Code != 404 {
					t.Errorf("%s: %d; want 404\n%s", target, resp.Code, resp.Body)
				}
			}
			if resp := v.Get("/stock/" + code + ".py"); resp.Code != 404 {
				t.Errorf("/stock/%s.py: %d; want 404\n%s", code, resp.Code, resp.Body)
			}
			if resp := v.Get("/center.py?sort=" + url.QueryEscape(inj)); resp.Code != 200 {
				t.Errorf("/center.py?sort=%s: %d", inj, resp.Code)
			}
			// As a note: stored as typed.
			v.PostForm("/add/600519.py", nil)
			v.PostForm("/update/600519.py", url.Values{"note": {inj}})
			if got, want := watchRows(v.Get("/watchlist.py").Body), []watchRow{{"600519", strings.TrimSpace(inj)}}; !reflect.DeepEqual(got, want) {
				t.Errorf("user %d's list: %q; want %q", i, got, want)
			}
		}

		if after := schema(t, db); !reflect.DeepEqual(after, before) {
			t.Errorf("schema after: %q; before: %q", after, before)
		}
		if got := watchRows(victim.Get("/watchlist.py").Body); !reflect.DeepEqual(got, victimRows) {
			t.Errorf("the victim's list: %q; want %q", got, victimRows)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM users"); n != 1+len(injections) {
			t.Errorf("%d users; want %d", n, 1+len(injections))
		}
		if n := count(t, db, "SELECT COUNT(*) FROM stocks"); n != 7 {
			t.Errorf("%d stocks; want 7", n)
		}
		// Each name was stored as the text it is.
		for _, inj := range injections {
			if n := count(t, db, "SELECT COUNT(*) FROM users WHERE name = ?", strings.TrimSpace(inj)); n != 1 {
				t.Errorf("user %q: %d rows", inj, n)
			}
		}
	})
}
