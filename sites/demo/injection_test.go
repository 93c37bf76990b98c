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
		app, _, _ := testSite(t, db, templates, false)
		before := schema(t, db)

		victim := &visitor{t: t, app: app}
		victim.register("victim", "victim's password")
		victim.post("/add/600519.py", nil)
		victim.post("/add/000001.py", nil)
		victim.post("/update/600519.py", url.Values{"note": {"mine"}})
		victimRows := []watchRow{{"000001", ""}, {"600519", "mine"}}

		for i, inj := range injections {
			// As a user name, with the string as the password too.
			password := inj + " password"
			v := &visitor{t: t, app: app}
			if rec := v.post("/register.py", url.Values{"name": {inj}, "password": {password}}); rec.Code != 303 {
				t.Errorf("register %q: %d\n%s", inj, rec.Code, rec.Body)
				continue
			}
			// Its own account: the wrong password fails, the right one works.
			if rec := request(t, app, "POST", "/login.py", url.Values{"name": {inj}, "password": {"wrong password"}}, ""); rec.Code != 403 {
				t.Errorf("login as %q with a wrong password: %d", inj, rec.Code)
			}
			if rec := request(t, app, "POST", "/login.py", url.Values{"name": {inj}, "password": {password}}, ""); rec.Code != 303 {
				t.Errorf("login as %q: %d", inj, rec.Code)
			}
			// Into the victim's account: as the password, or in the name.
			for _, form := range []url.Values{
				{"name": {"victim"}, "password": {inj}},
				{"name": {"victim' --"}, "password": {inj}},
				{"name": {"victim" + inj}, "password": {inj}},
				{"name": {inj}, "password": {"victim's password"}},
			} {
				if rec := request(t, app, "POST", "/login.py", form, ""); rec.Code != 403 {
					t.Errorf("login %v: %d; want 403", form, rec.Code)
				}
			}
			// As a code, in the path: no such stock.
			code := url.PathEscape(inj)
			for _, target := range []string{"/add/" + code + ".py", "/del/" + code + ".py", "/update/" + code + ".py", "/stock/" + code + ".py"} {
				rec := v.do(map[bool]string{true: "GET", false: "POST"}[strings.HasPrefix(target, "/stock/")], target, url.Values{"note": {inj}})
				if rec.Code != 404 {
					t.Errorf("%s: %d; want 404\n%s", target, rec.Code, rec.Body)
				}
			}
			if rec := v.get("/center.py?sort=" + url.QueryEscape(inj)); rec.Code != 200 {
				t.Errorf("/center.py?sort=%s: %d", inj, rec.Code)
			}
			// As a note: stored as typed.
			v.post("/add/600519.py", nil)
			v.post("/update/600519.py", url.Values{"note": {inj}})
			if got, want := watchRows(v.get("/watchlist.py").Body), []watchRow{{"600519", strings.TrimSpace(inj)}}; !reflect.DeepEqual(got, want) {
				t.Errorf("user %d's list: %q; want %q", i, got, want)
			}
		}

		if after := schema(t, db); !reflect.DeepEqual(after, before) {
			t.Errorf("schema after: %q; before: %q", after, before)
		}
		if got := watchRows(victim.get("/watchlist.py").Body); !reflect.DeepEqual(got, victimRows) {
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
