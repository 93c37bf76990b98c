package demo

import (
	"cmp"
	"database/sql"
	"errors"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/throttle"
)

// Bounds of a user name, in characters, after trimming surrounding spaces.
const maxName = 64

// maxNext bounds the next= path a login returns to, in bytes.
const maxNext = 2048

// The messages of the register and login forms. They never echo the
// request: the name the visitor typed is shown in its field, escaped.
const (
	msgNameEmpty     = "Please choose a user name."
	msgNameLong      = "A user name is at most 64 characters."
	msgNameChars     = "A user name may hold letters, digits, punctuation, symbols and spaces, but no control characters."
	msgNameTaken     = "That name is taken; please choose another."
	msgPasswordShort = "A password is at least 8 characters."
	msgPasswordLong  = "A password is at most 72 bytes (bcrypt reads no more); please choose a shorter one."
	msgWrongLogin    = "Wrong name or password."
)

// checkName returns the message that refuses name (trimmed), or "".
func checkName(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return msgNameEmpty
	case n > maxName:
		return msgNameLong
	}
	for _, c := range name {
		if !unicode.IsPrint(c) {
			return msgNameChars
		}
	}
	return ""
}

// checkPassword returns the message that refuses password, or "".
func checkPassword(password string) string {
	switch {
	case utf8.RuneCountInString(password) < minPassword:
		return msgPasswordShort
	case len(password) > maxPasswordBytes:
		return msgPasswordLong
	}
	return ""
}

// localPath returns next when it is a path of this site to send a visitor
// to after logging in, and "/index.py" otherwise. A local path starts with
// one "/" and holds printable ASCII only: "//evil.example" and
// "/\evil.example" are other hosts to a browser (which reads "\" as "/"),
// "https://evil.example" another site, and a browser drops tabs and line
// breaks from a URL, so that "/\t/evil.example" would be "//evil.example".
func localPath(next string) string {
	const home = "/index.py"
	if len(next) == 0 || len(next) > maxNext || next[0] != '/' {
		return home
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return home
		}
	}
	if len(next) > 1 && next[1] == '/' {
		return home
	}
	return next
}

// nextOf returns where r's visitor goes after logging in or registering:
// the form's next field on a POST, the query's next= on a GET, when it is
// a local path (localPath); "" when none was given.
func nextOf(r *framework.Request) string {
	next := r.Query("next")
	if r.Method == "POST" {
		next = r.FormValue("next")
	}
	if next == "" {
		return ""
	}
	return localPath(next)
}

func (s *site) register(r *framework.Request) (*framework.Response, error) {
	next := nextOf(r)
	d := s.data(r, "register", framework.Data{
		"title": "Register", "name": "", "error": "", "next": next,
		"time": s.now().Format("2006-01-02 15:04:05 MST"),
	})
	if r.Method != "POST" {
		return framework.Render("register.html", d), nil
	}
	name, password := strings.TrimSpace(r.FormValue("name")), r.FormValue("password")
	d["name"] = name
	refuse := func(msg string) (*framework.Response, error) {
		d["error"] = msg
		resp := framework.Render("register.html", d)
		resp.Status = 422
		return resp, nil
	}
	if msg := checkName(name); msg != "" {
		return refuse(msg)
	}
	if msg := checkPassword(password); msg != "" {
		return refuse(msg)
	}
	client := clientOf(r)
	tctx, tcancel := s.queryContext(r)
	defer tcancel()
	if wait, err := s.takeSignup(tctx, client); err != nil {
		return nil, fail(err)
	} else if wait > 0 {
		return s.tooMany("register.html", d, wait), nil
	}
	hash, err := s.pw.hash(r.Context(), client, password)
	if err != nil {
		s.refund(r, throttle.Key{Limit: &s.limits.signup, Subject: client}) // not attempted
		return nil, err
	}
	// The hash took its time: the insert gets a bound of its own.
	ctx, cancel := s.queryContext(r)
	defer cancel()
	id, ok, err := s.store.createUser(ctx, name, hash)
	if err != nil {
		return nil, fail(err)
	}
	if !ok {
		return refuse(msgNameTaken)
	}
	signIn(r, id, name, 0) // a new user's generation
	r.Flash("info", "Welcome, "+name+": your account is ready, and you are signed in.")
	return framework.Redirect(cmp.Or(next, "/index.py")), nil
}

func (s *site) login(r *framework.Request) (*framework.Response, error) {
	next := nextOf(r)
	if r.Method != "POST" && s.who(r) != "" {
		return framework.Redirect(cmp.Or(next, "/index.py")), nil
	}
	d := s.data(r, "login", framework.Data{"title": "Log in", "name": "", "error": "", "next": next,
		"register_href": "/register.py"})
	if next != "" {
		d["register_href"] = "/register.py?next=" + url.QueryEscape(next)
	}
	if r.Method != "POST" {
		return framework.Render("login.html", d), nil
	}
	name, password := strings.TrimSpace(r.FormValue("name")), r.FormValue("password")
	d["name"] = name
	valid := checkName(name) == "" // no user has another name: no query for it
	counted := name
	if !valid {
		counted = "" // all such names count as one: none can sign in
	}
	client := clientOf(r)
	ctx, cancel := s.queryContext(r)
	defer cancel()
	attempt, wait, err := s.beginLogin(ctx, client, counted)
	if err != nil {
		return nil, fail(err)
	}
	if wait > 0 { // before any query of the user, and any hash
		return s.tooMany("login.html", d, wait), nil
	}
	var id, gen int64
	var hash []byte // nil: checked against the dummy hash, in the same time
	if valid {
		id, hash, gen, err = s.store.userByName(ctx, name)
		if errors.Is(err, sql.ErrNoRows) {
			hash = nil
		} else if err != nil {
			return nil, fail(err)
		}
	}
	ok, err := s.pw.check(r.Context(), client, hash, password)
	if err != nil {
		s.abandonLogin(r, attempt)
		return nil, err
	}
	if !ok {
		// One answer for both faults, which says nothing of which it was.
		d["error"] = msgWrongLogin
		resp := framework.Render("login.html", d)
		resp.Status = 403
		return resp, nil
	}
	// The hash took its time: the settling gets a bound of its own.
	ectx, ecancel := s.queryContext(r)
	defer ecancel()
	if err := s.endLogin(ectx, attempt); err != nil {
		return nil, fail(err)
	}
	signIn(r, id, name, gen)
	r.Flash("info", "Signed in as "+name+".")
	return framework.Redirect(cmp.Or(next, "/index.py")), nil
}

// logout answers POST /logout.py: it ends every session of the user,
// every device's and every copy of this cookie (see endSessions), and
// clears this one. A stale session is cleared and ends nothing; a
// database that cannot be reached is a 503, the session kept, rather than
// a sign-out that copies would outlive.
func (s *site) logout(r *framework.Request) (*framework.Response, error) {
	c, ok := claimOf(r)
	if !ok {
		return framework.Redirect("/index.py"), nil
	}
	ctx, cancel := s.queryContext(r)
	defer cancel()
	_, ended, err := s.store.endSessions(ctx, c)
	if err != nil {
		return nil, fail(err)
	}
	r.Session().Clear()
	if ended {
		r.Flash("info", msgSignedOut)
	}
	return framework.Redirect("/index.py"), nil
}

// The flashes of the account's actions.
const (
	msgSignedOut       = "Signed out. See you soon." // on every device: the account page says so
	msgPasswordChanged = "Password changed. Every other device is signed out; you stay signed in here."
	msgSignedOutOthers = "Signed out everywhere else. You stay signed in here."
	msgWrongPassword   = "Your current password is wrong."
)

// account answers GET /account.py: the password form and "Sign out
// everywhere else", for a signed-in user.
func (s *site) account(r *framework.Request) (*framework.Response, error) {
	ctx, cancel := s.queryContext(r)
	defer cancel()
	if _, resp, err := s.member(ctx, r, accountGate); resp != nil || err != nil {
		return resp, err
	}
	return framework.Render("account.html", s.accountData(r, "")), nil
}

// accountData is the account page's data, with the password form's error.
func (s *site) accountData(r *framework.Request, msg string) framework.Data {
	return s.data(r, "account", framework.Data{
		"title":   "Account",
		"content": "Your password, and where you are signed in.",
		"error":   msg,
	})
}

// password answers POST /password.py with the fields current and password:
// the user's password becomes password when current is right. It ends
// every other session of the user (see setPassword), a lost device's and
// a copied cookie's; this one stays signed in with the new generation.
// A new password refused is 422, a wrong current one 403, the account
// page with the message either way.
func (s *site) password(r *framework.Request) (*framework.Response, error) {
	ctx, cancel := s.queryContext(r)
	defer cancel()
	c, resp, err := s.member(ctx, r, accountGate)
	if resp != nil || err != nil {
		return resp, err
	}
	refuse := func(status int, msg string) (*framework.Response, error) {
		resp := framework.Render("account.html", s.accountData(r, msg))
		resp.Status = status
		return resp, nil
	}
	current, password := r.FormValue("current"), r.FormValue("password")
	if msg := checkPassword(password); msg != "" {
		return refuse(422, msg)
	}
	hash, err := s.store.password(ctx, c.id)
	if errors.Is(err, sql.ErrNoRows) { // gone since member read it
		settle(r, stale, msgUserGone)
		return framework.Redirect(loginHref(accountGate.back)), nil
	}
	if err != nil {
		return nil, fail(err)
	}
	// A wrong current password counts as a failed login of the account
	// from this client: a stolen session cannot guess it faster.
	client := clientOf(r)
	pair := throttle.Key{Limit: &s.limits.pair, Subject: client + " " + c.name}
	if wait, err := s.guard.Take(ctx, pair); err != nil {
		return nil, fail(err)
	} else if wait > 0 {
		return s.tooMany("account.html", s.accountData(r, ""), wait), nil
	}
	if ok, err := s.pw.check(r.Context(), client, hash, current); err != nil {
		s.refund(r, pair) // not checked
		return nil, err
	} else if !ok {
		return refuse(403, msgWrongPassword)
	}
	if hash, err = s.pw.hash(r.Context(), client, password); err != nil {
		return nil, err
	}
	// The hashes took their time: the update gets a bound of its own.
	uctx, ucancel := s.queryContext(r)
	defer ucancel()
	gen, ok, err := s.store.setPassword(uctx, c, hash)
	if err != nil {
		return nil, fail(err)
	}
	if err := s.guard.Clear(uctx, pair); err != nil {
		return nil, fail(err)
	}
	if !ok { // ended meanwhile, on another device: nothing changed
		settle(r, stale, msgSessionEnded)
		return framework.Redirect(loginHref(accountGate.back)), nil
	}
	signIn(r, c.id, c.name, gen)
	r.Flash("info", msgPasswordChanged)
	return framework.Redirect("/account.py"), nil
}

// signOutOthers answers POST /signout-others.py: "Sign out everywhere
// else". It ends every session of the user but this one, which stays
// signed in with the new generation (see endSessions).
func (s *site) signOutOthers(r *framework.Request) (*framework.Response, error) {
	c, ok := claimOf(r)
	if !ok {
		r.Flash("info", accountGate.prompt)
		return framework.Redirect(loginHref(accountGate.back)), nil
	}
	ctx, cancel := s.queryContext(r)
	defer cancel()
	gen, ok, err := s.store.endSessions(ctx, c)
	if err != nil {
		return nil, fail(err)
	}
	if !ok {
		settle(r, stale, msgSessionEnded)
		return framework.Redirect(loginHref(accountGate.back)), nil
	}
	signIn(r, c.id, c.name, gen)
	r.Flash("info", msgSignedOutOthers)
	return framework.Redirect("/account.py"), nil
}
