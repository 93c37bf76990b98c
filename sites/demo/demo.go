package demo

import (
	"context"
	"errors"
	"net/url"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/framework/throttle"
	"github.com/miniweb/miniweb/server/gateway"
)

// site is the demo's state: its database and its password hasher. Who is
// signed in is in each visitor's session cookie, not here.
type site struct {
	store *store
	pw    *passwords
	// guard counts logins and sign-ups (see limits); nil without a
	// database.
	guard  *throttle.Throttle
	limits limits
	// now is the clock, replaced in tests.
	now func() time.Time
	// queryTimeout bounds the database work of one request.
	queryTimeout time.Duration
}

// config is what a test may change of a site; New takes the defaults.
type config struct {
	// now is the clock; nil means time.Now.
	now func() time.Time
	// cost is bcrypt's cost; 0 means bcrypt.DefaultCost.
	cost int
	// hashSlots bounds the bcrypt hashes run at once; 0 means GOMAXPROCS.
	hashSlots int
	// hashShare bounds the requests of one client at the hashing gate;
	// 0 means twice hashSlots.
	hashShare int
	// hashWait bounds a request's wait for a hashing slot; 0 means 5 s.
	hashWait time.Duration
	// limits, when set, replaces defaultLimits.
	limits *limits
	// queryTimeout bounds a request's database work; 0 means 5 s.
	queryTimeout time.Duration
}

// New returns the demo site's application on db, whose schema must be up
// to date with Migrations (sites.Build applies them first). The caller owns
// db and closes it after the application. A nil db builds the site to be
// checked, not served (server -check before the database exists): its
// pages that need the database then answer 503. o gives the templates
// folder, dev mode (live template reload, and failures in detail for
// loopback clients), the log, the session keys (nil Session: no secret,
// which only dev mode accepts) and the CSRF protection's trusted origins;
// the demo sets its error template and globals itself. Close the
// application to stop its template watcher.
func New(o framework.Options, db *database.DB) (*framework.App, error) {
	if o.Session == nil {
		o.Session = &framework.SessionOptions{}
	}
	s, err := newSite(db, config{})
	if err != nil {
		return nil, err
	}
	return newApp(o, s)
}

// newSite returns the site on db (nil: none, see New), with c's settings.
func newSite(db *database.DB, c config) (*site, error) {
	if c.now == nil {
		c.now = time.Now
	}
	if c.cost == 0 {
		c.cost = bcrypt.DefaultCost
	}
	if c.queryTimeout <= 0 {
		c.queryTimeout = 5 * time.Second
	}
	pw, err := newPasswords(c.cost, c.hashSlots, c.hashShare, c.hashWait)
	if err != nil {
		return nil, err
	}
	s := &site{pw: pw, now: c.now, queryTimeout: c.queryTimeout, limits: defaultLimits}
	if c.limits != nil {
		s.limits = *c.limits
	}
	if db != nil {
		s.store = newStore(db)
		s.guard = throttle.New(db, c.now)
	}
	return s, nil
}

// nav is the site's menu, every page of it, in base.html.
var nav = []framework.Data{
	{"key": "index", "href": "/index.py", "label": "Home"},
	{"key": "center", "href": "/center.py", "label": "Market"},
	{"key": "watchlist", "href": "/watchlist.py", "label": "Watch list"},
	{"key": "single", "href": "/single.py", "label": "Article"},
	{"key": "register", "href": "/register.py", "label": "Register"},
	{"key": "account", "href": "/account.py", "label": "Account"},
	{"key": "about", "href": "/about.py", "label": "About"},
	{"key": "contact", "href": "/contact.py", "label": "Contact"},
	{"key": "login", "href": "/login.py", "label": "Log in"},
}

// newApp returns the application of s, configured by o.
func newApp(o framework.Options, s *site) (*framework.App, error) {
	o.ErrorTemplate = "error.html"
	// page is every page's (see site.data); error pages get this one.
	o.Globals = framework.Data{"site_name": "miniweb", "nav": nav, "page": ""}
	app, err := framework.New(o)
	if err != nil {
		return nil, err
	}
	for _, f := range s.pw.figures() { // for the server's metrics
		app.Figure(f)
	}
	// Every page, error pages included: who is signed in, and the flash
	// messages, shown once.
	app.Context(func(r *framework.Request) framework.Data {
		name := s.who(r) // first: a session found stale leaves a flash
		return framework.Data{"user": name, "flashes": r.Flashes()}
	})
	app.Page("GET", "/index.py", "index.html", s.index)
	app.Page("GET", "/center.py", "center.html", s.center)
	app.Page("GET", "/stock/{code}.py", "stock.html", s.stock)
	app.Handle("GET POST", "/login.py", s.login)
	app.Handle("POST", "/logout.py", s.logout)
	app.Handle("GET POST", "/register.py", s.register)
	app.Handle("GET", "/account.py", s.account)
	app.Handle("POST", "/password.py", s.password)
	app.Handle("POST", "/signout-others.py", s.signOutOthers)
	app.Handle("GET", "/watchlist.py", s.watchlist)
	app.Handle("POST", "/add/{code}.py", s.add)
	app.Handle("POST", "/del/{code}.py", s.del)
	app.Handle("POST", "/update/{code}.py", s.update)
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

// loginHref returns the link to the login page that comes back to next.
func loginHref(next string) string { return "/login.py?next=" + url.QueryEscape(next) }

// queryContext returns the context of r's database work: r's, bounded by
// s.queryTimeout, so that a hung database never holds a request forever.
func (s *site) queryContext(r *framework.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.queryTimeout)
}

// readContext returns the context of r's database work when it only
// reads (SELECTs), which runs to its end if r's client leaves: on
// PostgreSQL bounded by s.queryTimeout (a query ended early costs pgx its
// connection); on SQLite bounded by the busy timeout there (see
// database.DB.ReadContext: the two goroutines that watch a context that
// can end were a quarter of the watch list's statement).
func (s *site) readContext(r *framework.Request) (context.Context, context.CancelFunc) {
	if s.store == nil {
		return s.queryContext(r)
	}
	return s.store.db.ReadContext(r.Context(), s.queryTimeout)
}

// retryAfter is the Retry-After of a 503: seconds.
var retryAfter = gateway.Fields{{Name: "Retry-After", Value: "5"}}

// fail returns the error a handler returns for a failure of the store: a
// 503 page when the database cannot be used right now (it is down, or
// timed out), err itself otherwise (a 500, logged by the framework; a
// request whose client went away is not logged).
func fail(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if database.Unavailable(err) || errors.Is(err, errNoDatabase) {
		return &framework.StatusError{Code: 503, Message: "The database is unavailable; please try again in a moment.",
			Header: retryAfter, Err: err}
	}
	return err
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
