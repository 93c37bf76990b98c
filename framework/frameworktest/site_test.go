package frameworktest

import (
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/server/gateway"
)

// This file is a small site for the package's tests: accounts with
// sessions, notes posted by a form and by JSON, flashes after redirects,
// and routes that redirect and set cookies in the ways a Client must
// handle.

// testSecret keys the test site's session cookies.
const testSecret = "a test secret of at least thirty-two bytes"

// sessionOptions are the test site's, given to the site and to Clients.
var sessionOptions = &framework.SessionOptions{Secret: testSecret}

// siteTemplates are the test site's templates; base.html shows the flashes
// the context processor gives every page.
var siteTemplates = fstest.MapFS{
	"base.html": {Data: []byte(`<!doctype html><title>notes</title>
{% for f in flashes %}<p class="flash flash-{{ f.Kind }}">{{ f.Message }}</p>{% endfor %}
{% if user %}<p>Signed in as <strong><%user%></strong></p>{% endif %}
{% block content %}{% endblock %}`)},
	"index.html": {Data: []byte(`{% extends "base.html" %}{% block content %}<h1>Home</h1>{% endblock %}`)},
	"register.html": {Data: []byte(`{% extends "base.html" %}{% block content %}<form method="post">
{% if error %}<p class="error"><%error%></p>{% endif %}<input name="name" value="<%name%>"></form>{% endblock %}`)},
	"notes.html": {Data: []byte(`{% extends "base.html" %}{% block content %}<ul>{% for n in notes %}<li><%n%></li>{% endfor %}</ul>{% endblock %}`)},
}

// siteMigrations are the test site's schema.
var siteMigrations = fstest.MapFS{
	"0001_users.sql": {Data: []byte(`CREATE TABLE users (name TEXT PRIMARY KEY, password TEXT NOT NULL)`)},
	"0002_notes.sql": {Data: []byte(`CREATE TABLE notes (id INTEGER PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL)`)},
}

// newSite returns the test site on a fresh database; it is closed at the
// test's end.
func newSite(t testing.TB) *framework.App {
	t.Helper()
	db := SQLite(t, "notes", siteMigrations)
	app, err := framework.New(framework.Options{TemplatesFS: siteTemplates, Log: slog.New(slog.DiscardHandler),
		Session: sessionOptions})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	s := &site{db: db}
	app.Context(func(r *framework.Request) framework.Data {
		return framework.Data{"user": r.Session().Get("user"), "flashes": r.Flashes()}
	})
	app.Page("GET", "/index.py", "index.html", func(r *framework.Request) (framework.Data, error) { return nil, nil })
	app.Handle("GET POST", "/register.py", s.register)
	app.Handle("POST", "/login.py", s.login)
	app.Handle("POST", "/logout.py", s.logout)
	app.Handle("GET", "/notes.py", s.notes)
	app.Handle("POST", "/note.py", s.note)
	app.Handle("POST", "/api/notes.py", s.apiNote)
	app.Handle("GET POST PUT", "/echo.py", echo)
	for _, rd := range []struct {
		pattern string
		code    int
		to      string
	}{
		{"/moved.py", 301, "/index.py"},
		{"/found.py", 302, "/echo.py?from=found"},
		{"/see.py", 303, "/echo.py"},
		{"/temp.py", 307, "/echo.py"},
		{"/perm.py", 308, "http://127.0.0.1:8080/echo.py"},
		{"/chain.py", 303, "/moved.py"},
		{"/loop.py", 302, "/loop.py"},
		{"/away.py", 302, "https://elsewhere.example/"},
	} {
		app.Handle("GET POST PUT", rd.pattern, func(r *framework.Request) (*framework.Response, error) {
			resp := framework.Redirect(rd.to)
			resp.Status = rd.code
			return resp, nil
		})
	}
	app.Handle("GET", "/admin/remember.py", func(r *framework.Request) (*framework.Response, error) {
		return (&framework.Response{Body: []byte("ok")}).AddHeader("Set-Cookie", "pref=dark; Path=/admin; HttpOnly"), nil
	})
	app.Handle("GET", "/admin/forget.py", func(r *framework.Request) (*framework.Response, error) {
		return (&framework.Response{Body: []byte("ok")}).
			AddHeader("Set-Cookie", "pref=gone; Path=/admin; Expires=Thu, 01 Jan 1970 00:00:00 GMT"), nil
	})
	app.Handle("GET", "/admin/pref.py", cookieValue)
	app.Handle("GET", "/pref.py", cookieValue)
	return app
}

// site is the test site's handlers.
type site struct{ db *database.DB }

// register makes an account and signs its visitor in; a name taken or
// empty is the form again, 422.
func (s *site) register(r *framework.Request) (*framework.Response, error) {
	if r.Method == "GET" {
		return framework.Render("register.html", nil), nil
	}
	name, password := strings.TrimSpace(r.FormValue("name")), r.FormValue("password")
	if name == "" {
		return s.again(name, "Choose a name.")
	}
	if _, err := s.db.ExecContext(r.Context(), "INSERT INTO users (name, password) VALUES (?, ?)", name, password); err != nil {
		return s.again(name, "That name is taken.")
	}
	r.Session().Set("user", name)
	r.Flash("info", "Welcome, "+name+".")
	next := r.FormValue("next")
	if next == "" {
		next = "/index.py"
	}
	return framework.Redirect(next), nil
}

// again is the register form with error, 422.
func (s *site) again(name, error string) (*framework.Response, error) {
	resp := framework.Render("register.html", framework.Data{"name": name, "error": error})
	resp.Status = 422
	return resp, nil
}

// login signs a visitor in, or answers 403.
func (s *site) login(r *framework.Request) (*framework.Response, error) {
	name := r.FormValue("name")
	var password string
	err := s.db.QueryRowContext(r.Context(), "SELECT password FROM users WHERE name = ?", name).Scan(&password)
	if errors.Is(err, sql.ErrNoRows) || err == nil && password != r.FormValue("password") {
		return nil, &framework.StatusError{Code: 403, Message: "Wrong name or password."}
	} else if err != nil {
		return nil, err
	}
	r.Session().Set("user", name)
	r.Flash("info", "Signed in as "+name+".")
	return framework.Redirect("/notes.py"), nil
}

// logout ends the session: its cookie is deleted.
func (s *site) logout(r *framework.Request) (*framework.Response, error) {
	r.Session().Clear()
	return framework.Redirect("/index.py"), nil
}

// notes lists the signed-in visitor's notes.
func (s *site) notes(r *framework.Request) (*framework.Response, error) {
	user := r.Session().Get("user")
	if user == "" {
		r.Flash("error", "Please sign in.")
		return framework.Redirect("/index.py"), nil
	}
	rows, err := s.db.QueryContext(r.Context(), "SELECT text FROM notes WHERE author = ? ORDER BY id", user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var notes []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		notes = append(notes, n)
	}
	return framework.Render("notes.html", framework.Data{"notes": notes}), rows.Err()
}

// note adds a note from a form and flashes that it did.
func (s *site) note(r *framework.Request) (*framework.Response, error) {
	user := r.Session().Get("user")
	if user == "" {
		return nil, &framework.StatusError{Code: 401, Message: "Sign in first."}
	}
	if _, err := s.db.ExecContext(r.Context(), "INSERT INTO notes (author, text) VALUES (?, ?)", user, r.FormValue("text")); err != nil {
		return nil, err
	}
	r.Flash("info", "Note saved.")
	return framework.Redirect("/notes.py"), nil
}

// apiNote adds a note sent as JSON, {"text": "..."}, and answers it with
// its id, 201.
func (s *site) apiNote(r *framework.Request) (*framework.Response, error) {
	user := r.Session().Get("user")
	if user == "" {
		return framework.Problem(401, "Sign in first."), nil
	}
	var in struct{ Text string }
	if err := r.DecodeJSON(&in); err != nil {
		return nil, err
	}
	res, err := s.db.ExecContext(r.Context(), "INSERT INTO notes (author, text) VALUES (?, ?)", user, in.Text)
	if err != nil {
		return nil, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, err
	}
	return framework.JSON(201, map[string]any{"id": id, "text": in.Text, "author": user})
}

// echo answers the method, Content-Type, query and body it got:
// "POST text/plain from=found body".
func echo(r *framework.Request) (*framework.Response, error) {
	body, err := r.Body()
	if err != nil {
		return nil, err
	}
	text := r.Method + " " + r.Header.Get("Content-Type") + " " + r.Env.Query + " " + string(body)
	return &framework.Response{Header: gateway.Fields{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}, Body: []byte(text)}, nil
}

// cookieValue answers the value of the cookie pref, or "none".
func cookieValue(r *framework.Request) (*framework.Response, error) {
	v, ok := r.Cookie("pref")
	if !ok {
		v = "none"
	}
	return &framework.Response{Body: []byte(v)}, nil
}
