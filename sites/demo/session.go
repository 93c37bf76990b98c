package demo

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/miniweb/miniweb/framework"
)

// A signed-in session, and how it ends everywhere.
//
// The session cookie holds the user's id, name and session generation
// (users.session_generation when the user signed in). Logging out,
// changing the password and "Sign out everywhere else" add one to the
// user's generation, in the database every instance reads: every cookie of
// an older generation, every copy of it, on every instance, is from then
// on a visitor's, though it is still well sealed and within its max age.
// The cookie of the device that changed the password or signed the others
// out gets the new generation and stays signed in.
//
// Each request checks its session with the statement it runs anyway: the
// market's and a stock's statements join the user on id, name and
// generation (marketClaimQuery), the watch list's and the account's pages read
// the user first (member), and logout and the account's POSTs update the
// user only where all three still match. A page that runs no statement of
// its own (about, contact, the forms, error pages) reads the user once,
// when it shows who is signed in (who); a visitor's costs nothing. A
// session found stale is cleared, with a flash that says why, and its
// cookie goes with the answer.

// The session's keys: the signed-in user's id, name and session generation
// (decimal).
const (
	sessionUserID = "uid"
	sessionUser   = "user"
	sessionGen    = "gen"
)

// claim is who a session says is signed in; id 0 is a visitor (no user
// has id 0).
type claim struct {
	id   int64
	name string
	gen  int64
}

// claimOf returns who r's session says is signed in; ok is false for a
// visitor. A session with a name but no id (an older release's cookie) is
// a visitor's; one with no generation (before sessions could end) is of
// generation 0, which every user had then, so that no one was signed out
// by the upgrade.
func claimOf(r *framework.Request) (c claim, ok bool) {
	sess := r.Session()
	v := sess.Get(sessionUserID)
	if v == "" { // a visitor: no strconv error made to say so
		return claim{}, false
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return claim{}, false
	}
	c = claim{id: id, name: sess.Get(sessionUser)}
	if g := sess.Get(sessionGen); g != "" {
		if c.gen, err = strconv.ParseInt(g, 10, 64); err != nil || c.gen < 0 {
			c.gen = -1 // no user's generation: stale
		}
	}
	return c, true
}

// signIn makes r's session the user id called name, of generation gen.
func signIn(r *framework.Request, id int64, name string, gen int64) {
	sess := r.Session()
	sess.Set(sessionUserID, strconv.FormatInt(id, 10))
	sess.Set(sessionUser, name)
	sess.Set(sessionGen, strconv.FormatInt(gen, 10))
}

// verdict is what the database said of a session's claim.
type verdict int8

const (
	unchecked verdict = iota // not asked yet, or the statement had no row to tell
	current                  // the user is there, with the session's name and generation
	stale                    // the user is gone or renamed, or its sessions ended since
)

// verdictOf returns current when ok, stale otherwise.
func verdictOf(ok bool) verdict {
	if ok {
		return current
	}
	return stale
}

// verdictKey keys a request's verdict (Request.Set).
type verdictKey struct{}

// The flashes of a session found stale.
const (
	msgSessionEnded = "Your session has ended: you signed out or changed your password, here or on another device. Please log in again."
	msgUserGone     = "Your account is no longer known here; please log in again."
)

// settle records v, the database's answer on r's session, for the rest of
// the request (who); a stale session is cleared, its cookie removed by the
// answer, and msg flashed as an error. A visitor's session is left alone.
func settle(r *framework.Request, v verdict, msg string) {
	if _, ok := claimOf(r); !ok || v == unchecked {
		return
	}
	r.Set(verdictKey{}, v)
	if v == stale {
		r.Session().Clear()
		r.Flash("error", msg)
	}
}

// who returns the name of r's signed-in user, or "" for a visitor and for
// a session found stale. A page whose statement did not check the session
// gets it checked here, by one query; a database that cannot answer shows
// the page as to a visitor, the session kept.
func (s *site) who(r *framework.Request) string {
	c, ok := claimOf(r)
	if !ok {
		return ""
	}
	if v, _ := r.Value(verdictKey{}).(verdict); v == current {
		return c.name
	}
	ctx, cancel := s.readContext(r)
	defer cancel()
	v, _, err := s.check(ctx, c)
	if err != nil {
		return ""
	}
	settle(r, v, msgSessionEnded)
	if v != current {
		return ""
	}
	return c.name
}

// check asks the database about claim c: its verdict, and the flash of a
// stale one.
func (s *site) check(ctx context.Context, c claim) (v verdict, msg string, err error) {
	name, gen, err := s.store.userByID(ctx, c.id)
	return judge(c, name, gen, err)
}

// judge returns the verdict on claim c of what the database has of its
// user, name and generation gen, or err (sql.ErrNoRows: no such user); and
// the flash of a stale one.
func judge(c claim, name string, gen int64, err error) (v verdict, msg string, _ error) {
	switch {
	case errors.Is(err, sql.ErrNoRows) || err == nil && name != c.name:
		return stale, msgUserGone, nil
	case err != nil:
		return unchecked, "", err
	case gen != c.gen:
		return stale, msgSessionEnded, nil
	}
	return current, "", nil
}

// gate is the way into a members' page for a visitor: back is the page a
// POST comes back to after logging in (a GET comes back to itself), and
// prompt the flash on the login page.
type gate struct{ back, prompt string }

var (
	watchGate   = gate{"/watchlist.py", "Please log in to use your watch list."}
	accountGate = gate{"/account.py", "Please log in to manage your account."}
)

// member returns the session of r's signed-in user, checked against the
// database within ctx. A visitor gets resp, a 303 to the login page that
// comes back through g; so does a session found stale (its user gone or
// renamed, by a database reset; or its sessions ended since, by a logout,
// a password change or "Sign out everywhere else"), which is signed out.
func (s *site) member(ctx context.Context, r *framework.Request, g gate) (c claim, resp *framework.Response, err error) {
	c, resp = claimAt(r, g)
	if resp != nil {
		return claim{}, resp, nil
	}
	v, msg, err := s.check(ctx, c)
	if err != nil {
		return claim{}, nil, fail(err)
	}
	if resp := admit(r, g, v, msg); resp != nil {
		return claim{}, resp, nil
	}
	return c, nil, nil
}

// claimAt returns who r's session says is signed in, or for a visitor
// resp, the 303 to the login page through g, with g's flash.
func claimAt(r *framework.Request, g gate) (c claim, resp *framework.Response) {
	c, ok := claimOf(r)
	if !ok {
		r.Flash("info", g.prompt)
		return claim{}, framework.Redirect(loginHref(back(r, g)))
	}
	return c, nil
}

// admit settles r's session on v, the database's verdict on it, with the
// flash msg for a stale one (see judge), and returns nil for a current
// one; a stale one is signed out, and gets the 303 to the login page
// through g.
func admit(r *framework.Request, g gate, v verdict, msg string) *framework.Response {
	settle(r, v, msg)
	if v != current {
		return framework.Redirect(loginHref(back(r, g)))
	}
	return nil
}

// back returns the page the login page is to come back to from r: r's own
// for a GET, g's for a POST.
func back(r *framework.Request, g gate) string {
	if r.Method != "GET" && r.Method != "HEAD" {
		return g.back
	}
	return r.Path
}
