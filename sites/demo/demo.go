// Package demo is the lesson's site made real on the framework: the pages
// of the Python mini_frame, each a few lines of Go and a template that
// extends base.html and fills <%content%>-style placeholders.
//
//	/index.py           the home page, with content from its handler
//	/center.py          the market table: rows from the site's data (the
//	                    lesson's "data from the database"), sortable
//	/stock/{code}.py    one stock; an unknown code is a 404
//	/login.py           a login form; POST checks the demo user, signs
//	                    them in (the session, framework.Request.Session)
//	                    and redirects with a flash message
//	/logout.py          POST signs out, with a flash message
//	/register.py        a form with first and last name; a good POST
//	                    redirects back with what was sent in a flash
//	/about.py, /contact.py, /single.py   the lesson's other pages
//
// The templates are in the templates folder given to New; the stylesheet
// and logo are static files (static/style.css, static/logo.svg).
package demo

import (
	"cmp"
	"crypto/subtle"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"miniweb/framework"
	"miniweb/server/gateway"
)

// The demo user of /login.py.
const (
	demoUser     = "demo"
	demoPassword = "miniweb"
)

// maxName bounds a name sent to /register.py, in characters.
const maxName = 100

// site is the demo's state: its data. Who is signed in is in each
// visitor's session cookie, not here.
type site struct {
	stocks []Stock
	// now is the clock, replaced in tests.
	now func() time.Time
}

// New returns the demo site's application. o gives the templates folder,
// dev mode (live template reload, and failures in detail for loopback
// clients), the log, the session keys (nil Session: no secret, which only
// dev mode accepts) and the CSRF protection's trusted origins; the demo
// sets its error template and globals itself. The application is a
// *framework.App: Close stops its template watcher.
func New(o framework.Options) (gateway.App, error) {
	if o.Session == nil {
		o.Session = &framework.SessionOptions{}
	}
	app, err := newApp(o, &site{stocks: market, now: time.Now})
	if err != nil {
		return nil, err
	}
	return app, nil
}

// nav is the site's menu, every page of it, in base.html.
var nav = []framework.Data{
	{"key": "index", "href": "/index.py", "label": "Home"},
	{"key": "center", "href": "/center.py", "label": "Market"},
	{"key": "single", "href": "/single.py", "label": "Article"},
	{"key": "register", "href": "/register.py", "label": "Register"},
	{"key": "about", "href": "/about.py", "label": "About"},
	{"key": "contact", "href": "/contact.py", "label": "Contact"},
	{"key": "login", "href": "/login.py", "label": "Log in"},
}

func newApp(o framework.Options, s *site) (*framework.App, error) {
	o.ErrorTemplate = "error.html"
	// page is every page's (see site.data); error pages get this one.
	o.Globals = framework.Data{"site_name": "miniweb", "nav": nav, "page": ""}
	app, err := framework.New(o)
	if err != nil {
		return nil, err
	}
	// Every page, error pages included: who is signed in, and the flash
	// messages, shown once.
	app.Context(func(r *framework.Request) framework.Data {
		return framework.Data{"user": user(r), "flashes": r.Flashes()}
	})
	app.Page("GET", "/index.py", "index.html", s.index)
	app.Page("GET", "/center.py", "center.html", s.center)
	app.Page("GET", "/stock/{code}.py", "stock.html", s.stock)
	app.Handle("GET POST", "/login.py", s.login)
	app.Handle("POST", "/logout.py", s.logout)
	app.Handle("GET POST", "/register.py", s.register)
	app.Page("GET", "/about.py", "about.html", s.about)
	app.Page("GET", "/contact.py", "contact.html", s.contact)
	app.Page("GET", "/single.py", "single.html", s.single)
	return app, nil
}

// data returns d with what base.html needs of a page: its key, for the
// menu.
func (s *site) data(r *framework.Request, page string, d framework.Data) framework.Data {
	if d == nil {
		d = framework.Data{}
	}
	d["page"] = page
	return d
}

// user returns the signed-in user of r, or "".
func user(r *framework.Request) string { return r.Session().Get("user") }

func (s *site) index(r *framework.Request) (framework.Data, error) {
	best, worst := s.stocks[0], s.stocks[0]
	for _, st := range s.stocks {
		if st.Change > best.Change {
			best = st
		}
		if st.Change < worst.Change {
			worst = st
		}
	}
	return s.data(r, "index", framework.Data{
		"title":   "Home",
		"content": "This month's market in detail: " + strconv.Itoa(len(s.stocks)) + " stocks, updated as you watch.",
		"best":    best,
		"worst":   worst,
		"today":   s.now().Format("Monday 2 January 2006"),
	}), nil
}

// columns are the market table's, each a sort order of /center.py.
var columns = []framework.Data{
	{"key": "code", "label": "Code", "num": false},
	{"key": "name", "label": "Name", "num": false},
	{"key": "price", "label": "Price (¥)", "num": true},
	{"key": "change", "label": "Change", "num": true},
}

// sortKeys are the orders of /center.py?sort=...: codes and names
// ascending, prices and changes from the highest.
var sortKeys = map[string]func(a, b Stock) int{
	"code":   func(a, b Stock) int { return cmp.Compare(a.Code, b.Code) },
	"name":   func(a, b Stock) int { return cmp.Compare(a.Name, b.Name) },
	"price":  func(a, b Stock) int { return cmp.Compare(b.Price, a.Price) },
	"change": func(a, b Stock) int { return cmp.Compare(b.Change, a.Change) },
}

func (s *site) center(r *framework.Request) (framework.Data, error) {
	key := r.Query("sort")
	by, ok := sortKeys[key]
	if !ok {
		key, by = "code", sortKeys["code"]
	}
	rows := slices.SortedStableFunc(slices.Values(s.stocks), by)
	return s.data(r, "center", framework.Data{
		"title":   "Market",
		"content": "Data from the database: the site's table of stocks, as the lesson's center.py promised.",
		"stocks":  rows,
		"count":   len(rows),
		"columns": columns,
		"sort":    key,
	}), nil
}

func (s *site) stock(r *framework.Request) (framework.Data, error) {
	code := r.Param("code")
	i := slices.IndexFunc(s.stocks, func(st Stock) bool { return st.Code == code })
	if i < 0 {
		return nil, framework.Error(404, "There is no stock with that code.")
	}
	st := s.stocks[i]
	return s.data(r, "center", framework.Data{"title": st.Name, "content": st.About, "stock": st}), nil
}

func (s *site) login(r *framework.Request) (*framework.Response, error) {
	if user(r) != "" && r.Method != "POST" {
		return framework.Redirect("/index.py"), nil
	}
	d := s.data(r, "login", framework.Data{"title": "Log in", "name": "", "error": ""})
	if r.Method != "POST" {
		return framework.Render("login.html", d), nil
	}
	name, password := r.FormValue("name"), r.FormValue("password")
	// Both compared in full, whatever the first says, in constant time.
	okName := subtle.ConstantTimeCompare([]byte(name), []byte(demoUser))
	okPassword := subtle.ConstantTimeCompare([]byte(password), []byte(demoPassword))
	if okName&okPassword != 1 {
		d["name"], d["error"] = name, "Wrong name or password."
		resp := framework.Render("login.html", d)
		resp.Status = 403
		return resp, nil
	}
	r.Session().Set("user", name)
	r.Flash("info", "Signed in as "+name+".")
	return framework.Redirect("/index.py"), nil
}

func (s *site) logout(r *framework.Request) (*framework.Response, error) {
	if user(r) != "" {
		r.Session().Delete("user")
		r.Flash("info", "Signed out. See you soon.")
	}
	return framework.Redirect("/index.py"), nil
}

func (s *site) register(r *framework.Request) (*framework.Response, error) {
	d := s.data(r, "register", framework.Data{
		"title": "Register", "first": "", "last": "", "error": "",
		"time": s.now().Format("2006-01-02 15:04:05 MST"),
	})
	if r.Method != "POST" {
		return framework.Render("register.html", d), nil
	}
	first := strings.TrimSpace(r.FormValue("first"))
	last := strings.TrimSpace(r.FormValue("last"))
	d["first"], d["last"] = first, last
	resp := framework.Render("register.html", d)
	switch {
	case first == "" || last == "":
		d["error"] = "Please give both a first and a last name."
		resp.Status = 422
	case utf8.RuneCountInString(first) > maxName || utf8.RuneCountInString(last) > maxName:
		d["error"] = "Names are at most " + strconv.Itoa(maxName) + " characters."
		resp.Status = 422
	default:
		// Post, redirect, get: the page after shows what was sent, once.
		r.Flash("info", "Registered: "+first+" "+last+", at "+s.now().Format("2006-01-02 15:04:05 MST")+".")
		return framework.Redirect("/register.py"), nil
	}
	return resp, nil
}

func (s *site) about(r *framework.Request) (framework.Data, error) {
	return s.data(r, "about", framework.Data{
		"title":   "About",
		"content": "miniweb is a small web server and framework in Go, rebuilt from a classic Python lesson.",
	}), nil
}

func (s *site) contact(r *framework.Request) (framework.Data, error) {
	return s.data(r, "contact", framework.Data{
		"title":   "Contact",
		"content": "Questions about the lesson or the code? Write to us.",
		"email":   "hello@miniweb.example",
		"address": "1 Socket Street, Port 8080",
	}), nil
}

func (s *site) single(r *framework.Request) (framework.Data, error) {
	return s.data(r, "single", framework.Data{
		"title":   article.Title,
		"content": article.Lead,
		"article": article,
		// The article is the site's own text, so its HTML is trusted.
		"body": framework.HTML(article.Body),
	}), nil
}
