// Package frameworktest tests a site as a browser uses it, in process and
// without sockets, as net/http/httptest does for net/http: a [Client]
// sends requests to a [gateway.App] through the gateway contract (by
// [gatewaytest.Record]), keeps the cookies the site sets, sends the
// same-origin fields that the framework's CSRF protection looks for, and
// follows redirects; a [Response] has what a test asserts on, the flash
// messages the page took from the session among them. [SQLite] gives a
// test a throwaway database with the site's migrations applied.
//
// A site's test is then about the site:
//
//	func TestLogin(t *testing.T) {
//		db := frameworktest.SQLite(t, "demo", demo.Migrations)
//		app := newTestApp(t, db) // the site's *framework.App
//		c := frameworktest.New(t, app, frameworktest.Options{Session: sessionOptions})
//		resp := c.PostForm("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}})
//		resp.WantStatus(t, 200)           // the page the 303 led to
//		resp.WantFlash(t, "info", "Signed in as ada.")
//		c.CrossSite().PostForm("/logout.py", nil).WantStatus(t, 403)
//	}
package frameworktest
