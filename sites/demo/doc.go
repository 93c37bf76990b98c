// Package demo is the lesson's site made real on the framework and an SQL
// database: the pages of the Python mini_frame, a market of stocks read
// from the database, users who register and log in, and each user's watch
// list of stocks with a note on each. Every page is a few lines of Go and
// a template that extends base.html and fills <%content%>-style
// placeholders.
//
//	/index.py             the home page: the day's top gainer and loser
//	/center.py            the market table from the database, sortable
//	                      (?sort=code, name, price or change); a Follow
//	                      button per row when signed in
//	/stock/{code}.py      one stock, with Follow or Unfollow; an unknown
//	                      code is a 404
//	/register.py          a user name and a password; a good POST makes the
//	                      account, signs the user in and redirects (303)
//	/login.py             POST checks the name and password and redirects
//	                      to ?next= (a local path only) or /index.py
//	/logout.py            POST signs out, on every device (see Sessions)
//	/account.py           the signed-in user's password form and "Sign out
//	                      everywhere else"
//	/password.py          POST current=...&password=...: change the
//	                      password; every other session ends
//	/signout-others.py    POST: every session but this one ends
//	/watchlist.py         the signed-in user's stocks by code, with notes
//	                      and buttons
//	/add/{code}.py        POST: follow a stock; following twice keeps one row
//	/del/{code}.py        POST: unfollow it
//	/update/{code}.py     POST note=...: set the note on a followed stock
//	/about.py, /contact.py, /single.py   the lesson's other pages
//
// The watch list's pages need a signed-in user: a visitor gets a 303 to
// /login.py?next=PATH (for a POST, next=/watchlist.py) and comes back
// after logging in. Each POST answers 303 to /watchlist.py with a flash
// message; a code not in the market is a 404. Unfollowing a stock that is
// not followed, or setting a note on one, is not an error page but a
// flash that says so: a second click on a button is no fault.
//
// # Users
//
// A user name is 1 to 64 characters once surrounding spaces are trimmed,
// each printable (letters, marks, digits, punctuation, symbols, the ASCII
// space: no control or format characters); names are unique as typed, case
// and all, and shown escaped. A password is at least 8 characters and at
// most 72 bytes, bcrypt's limit: a longer one is refused (422), not cut.
// Only its bcrypt hash is stored (bcrypt.DefaultCost). A login that fails
// says "Wrong name or password." (403) whichever part was wrong, and an
// unknown name is checked against a dummy hash so that it takes as long as
// a known one. At most GOMAXPROCS hashes run at once, shared fairly
// between client addresses; a request whose turn cannot come within 5 s
// gets a 503 at once, and an address over its share a 429 (hashgate.go).
// Logins and sign-ups are throttled per account, per address and per pair
// of both, counted in the database's throttle table before any hash: past
// a few free attempts, a 429 with Retry-After and the form saying when to
// try again (throttle.go).
//
// # Sessions
//
// The session cookie holds the user's id, name and session generation.
// Logging out, changing the password and "Sign out everywhere else" add
// one to the user's generation in the database, which every instance
// reads: every older cookie, each copy of it (a lost device, a stolen
// cookie), is a visitor's from then on, though sealed and within its 14
// days. The device that changed the password or signed the others out
// keeps its session, with the new generation; a logout ends its own too.
// Every page checks a signed-in session against the database in the
// statement it runs anyway (the market's and a stock's join the user; the
// watch list's and the account's read it first); a page with no statement
// of its own reads the user once. A session found stale, or whose user is
// gone or renamed (a database reset), is cleared with a flash that says
// so. See session.go.
//
// # The database
//
// The caller opens the database, applies Migrations and gives it to New;
// the tables are users, stocks (seeded with the market's seven stocks) and
// watchlist. Every query is parameterized and the same on SQLite and
// PostgreSQL (store.go). Each request's queries get at most 5 s; a
// database that cannot be used (database.Unavailable) is a 503 page, any
// other failure a 500 that the framework logs.
//
// The templates are in the templates folder given to New; the stylesheet
// and logo are static files (static/style.css, static/logo.svg).
package demo
