// Package guestbook is the site "guestbook", made by `go run ./server new guestbook`:
// one page that lists the notes of the guestbook_notes table, newest first, and a
// form that adds one.
//
//	/, /index.py    the notes and the form
//	/add.py         POST text=...: a note of 1 to 200 characters (spaces
//	                around it trimmed), then a redirect to /index.py with a
//	                flash message (post, redirect, get); a bad one is the page
//	                again with the message beside the field and the input
//	                kept, status 422
//
// Its files travel with it, embedded in the binary: templates/ (pongo2,
// Django's syntax, with <%name%> placeholders, escaped), static/ (served
// at the site's root) and migrations/ (its schema, applied at start and
// recorded under the site's name). Its table is prefixed with the site's
// name, as Django prefixes an app's, because sites share one database.
// Run it with `go run ./server -site guestbook`, test it with
// `go test ./sites/guestbook/`.
package guestbook

import (
	"embed"
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

// maxText is the longest note the form takes, in characters.
const maxText = 200

// New returns the site on db, its migrations applied; o comes from the
// config (folders, dev mode, log, session keys).
func New(o framework.Options, db *database.DB) (*framework.App, error) {
	o.ErrorTemplate = "error.html"
	o.Globals = framework.Data{"site_name": "guestbook"}
	app, err := framework.New(o)
	if err != nil {
		return nil, err
	}
	s := &site{db: db}
	// What every template sees, error pages included: the flash messages,
	// each shown once.
	app.Context(func(r *framework.Request) framework.Data {
		return framework.Data{"flashes": r.Flashes()}
	})
	app.Page("GET", "/", "index.html", s.index)
	app.Page("GET", "/index.py", "index.html", s.index)
	app.Handle("POST", "/add.py", s.add)
	return app, nil
}

// site is the site's state: its database.
type site struct {
	db *database.DB
}

// note is a row of the guestbook_notes table, as the page shows it.
type note struct {
	Text    string
	Created time.Time
}

// index is the page: the notes and an empty form.
func (s *site) index(r *framework.Request) (framework.Data, error) {
	return s.page(r, "", "")
}

// page returns the page's data: the notes, newest first, and the form with
// its text and error message.
func (s *site) page(r *framework.Request, text, msg string) (framework.Data, error) {
	rows, err := s.db.QueryContext(r.Context(), "SELECT text, created_at FROM guestbook_notes ORDER BY created_at DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var notes []note
	for rows.Next() {
		var n note
		var created int64
		if err := rows.Scan(&n.Text, &created); err != nil {
			return nil, err
		}
		n.Created = time.Unix(0, created).UTC()
		notes = append(notes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return framework.Data{"title": "Guestbook", "notes": notes, "text": text, "error": msg}, nil
}

// add takes the form: a good text is a new note and a redirect with a
// flash, a bad one the page again with the message (422).
func (s *site) add(r *framework.Request) (*framework.Response, error) {
	text := strings.TrimSpace(r.FormValue("text"))
	if msg := checkText(text); msg != "" {
		d, err := s.page(r, text, msg)
		if err != nil {
			return nil, err
		}
		resp := framework.Render("index.html", d)
		resp.Status = 422
		return resp, nil
	}
	_, err := s.db.ExecContext(r.Context(), s.db.Rebind("INSERT INTO guestbook_notes (text, created_at) VALUES (?, ?)"),
		text, time.Now().UnixNano())
	if err != nil {
		return nil, err
	}
	r.Flash("info", "Added.")
	return framework.Redirect("/index.py"), nil
}

// checkText returns what is wrong with text, or "" when it will do.
func checkText(text string) string {
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return "Write something."
	case n > maxText:
		return "At most 200 characters, please."
	}
	return ""
}
