// Package guestbook is the lesson's guestbook: visitors leave their name
// and a message, and the page lists the entries, newest first, from the
// database. It began as `go run ./server new guestbook` wrote it.
//
//	/, /index.py    the entries and the form
//	/sign.py        POST name=...&message=...: a new entry, then a redirect
//	                to /index.py with a flash message (post, redirect,
//	                get); a bad one is the page again with each error
//	                beside its field and the input kept, status 422
//
// A name is 1 to 64 characters, a message 1 to 2000, once the spaces
// around them are trimmed; both are shown escaped, the message's line
// breaks kept.
//
// Its files travel with it, embedded in the binary: templates/ (pongo2,
// Django's syntax, with <%name%> placeholders, escaped), static/ (served
// at the site's root) and migrations/ (its table, guestbook_entries,
// applied at start and recorded under the site's name). It shares the
// database with the other sites: the demo's by default, data/miniweb.db.
// Run it with `go run ./server -site guestbook`.
package guestbook

import (
	"embed"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
)

// Files are the site's templates, static files and migrations, each in its
// folder; sites/sites.go hands them to the server.
//
//go:embed templates static migrations
var Files embed.FS

// The longest name and message, in characters.
const (
	maxName    = 64
	maxMessage = 2000
)

// New returns the guestbook on db, its migrations applied; o comes from
// the config (folders, dev mode, log, session keys).
func New(o framework.Options, db *database.DB) (*framework.App, error) {
	o.ErrorTemplate = "error.html"
	o.Globals = framework.Data{"site_name": "Guestbook"}
	app, err := framework.New(o)
	if err != nil {
		return nil, err
	}
	s := &site{db: db, now: time.Now}
	// What every template sees, error pages included: the flash messages,
	// each shown once.
	app.Context(func(r *framework.Request) framework.Data {
		return framework.Data{"flashes": r.Flashes()}
	})
	app.Page("GET", "/", "index.html", s.index)
	app.Page("GET", "/index.py", "index.html", s.index)
	app.Handle("POST", "/sign.py", s.sign)
	return app, nil
}

// site is the guestbook's state.
type site struct {
	db  *database.DB
	now func() time.Time // the entries' time
}

// entry is a row of guestbook_entries, as the page shows it.
type entry struct {
	Name    string
	Message string
	Created time.Time
}

// form is the form as sent, and what is wrong with it: errors by field
// name, none when it will do.
type form struct {
	Name, Message string
	Errors        map[string]string
}

// index is the page: the entries and an empty form.
func (s *site) index(r *framework.Request) (framework.Data, error) {
	return s.page(r, form{})
}

// page returns the page's data: the entries, newest first, and f.
func (s *site) page(r *framework.Request, f form) (framework.Data, error) {
	rows, err := s.db.QueryContext(r.Context(),
		"SELECT name, message, created_at FROM guestbook_entries ORDER BY created_at DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var entries []entry
	for rows.Next() {
		var e entry
		var created int64
		if err := rows.Scan(&e.Name, &e.Message, &created); err != nil {
			return nil, err
		}
		e.Created = time.Unix(0, created).UTC()
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return framework.Data{"title": "Guestbook", "entries": entries, "form": f}, nil
}

// sign takes the form: a good one is a new entry and a redirect with a
// flash, a bad one the page again with the errors and the input (422).
func (s *site) sign(r *framework.Request) (*framework.Response, error) {
	f := form{Name: strings.TrimSpace(r.FormValue("name")), Message: strings.TrimSpace(r.FormValue("message"))}
	f.check()
	if len(f.Errors) > 0 {
		d, err := s.page(r, f)
		if err != nil {
			return nil, err
		}
		resp := framework.Render("index.html", d)
		resp.Status = 422
		return resp, nil
	}
	_, err := s.db.ExecContext(r.Context(),
		s.db.Rebind("INSERT INTO guestbook_entries (name, message, created_at) VALUES (?, ?, ?)"),
		f.Name, f.Message, s.now().UnixNano())
	if err != nil {
		return nil, err
	}
	r.Flash("info", "Thank you for signing, "+f.Name+".")
	return framework.Redirect("/index.py"), nil
}

// check fills f.Errors with what is wrong with each field.
func (f *form) check() {
	f.Errors = map[string]string{}
	if msg := checkLength(f.Name, maxName, "your name"); msg != "" {
		f.Errors["name"] = msg
	}
	if msg := checkLength(f.Message, maxMessage, "a message"); msg != "" {
		f.Errors["message"] = msg
	}
}

// checkLength returns what is wrong with text, what being what it should
// say ("your name"), or "" when it has 1 to limit characters.
func checkLength(text string, limit int, what string) string {
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return "Please write " + what + "."
	case n > limit:
		return "At most " + strconv.Itoa(limit) + " characters, please (this has " + strconv.Itoa(n) + ")."
	}
	return ""
}
