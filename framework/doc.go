// Package framework is miniweb's mini web framework, the lesson's
// mini_frame made real: routes from request paths such as "/index.py" to
// handlers, pongo2 templates with <%name%> placeholders, error pages, and
// live template editing, served as a [gateway.App].
//
// A site is a few lines:
//
//	app, err := framework.New(framework.Options{Templates: "templates", Dev: true})
//	...
//	app.Page("GET", "/index.py", "index.html", func(r *framework.Request) (framework.Data, error) {
//		return framework.Data{"content": "This month's analysis..."}, nil
//	})
//	app.Page("GET", "/stock/{code}.py", "stock.html", stockPage)
//	app.Handle("GET POST", "/login.py", login) // returns a *framework.Response
//
// # Routes
//
// A pattern is a path, or a path with named segments: "/stock/{code}.py"
// matches "/stock/600519.py" with Request.Param("code") == "600519". A
// segment holds one {name} at most, with literal text around it; a name
// matches one or more characters other than "/" of the percent-decoded path.
// Patterns without names are found first, by map; then patterns with names,
// in the order registered. HEAD is answered wherever GET is (the server
// sends no body). A path no route matches is a 404 page; a path some route
// matches with another method is a 405 page with an Allow field.
//
// With Options.Suffix set to the server's dynamic suffix (".py"), a route
// the server would never hand to the App is a panic at registration that
// says why ("/about" cannot be reached; name it "/about.py"). The suffix
// must be in the pattern: "/stock/{code}.py", not "/stock/{code}". "/" is
// the one path without the suffix a route may have: the home page from a
// handler, app.Handle("GET", "/", home). App.OwnsPath then claims "/" for
// the App, and miniweb's command adds it to the server's suffix rule
// (Server.AppPath), so that "/" no longer serves the static index.html.
//
// # Templates and placeholders
//
// Templates are pongo2 (Django syntax: extends, block, include, for, if,
// filters) from the templates folder, in a TemplateSet rooted there: names
// are relative to the folder, whichever template asks, and "..", absolute
// names and symbolic links out of the folder are refused. The ssi tag, which
// reads files past the loader, is banned. The framework renders with its
// own copy of pongo2 v6.0.0, patched for speed (framework/internal/pongo2,
// whose PATCHES.md lists each change): the same language and output, but
// filters or tags registered with github.com/flosch/pongo2 do not reach it.
//
// <%name%> is a placeholder, the lesson's {%content%} in a form that does
// not clash with pongo2's {% tags %}: it prints the value of name, escaped.
// <%user.name%> reaches into maps and structs as pongo2 does, and pongo2's
// filters apply: <%name|upper%>, <%price|floatformat:2%>,
// <%user.name|default:"anonymous"|title%>. The template loader rewrites
// each placeholder into a pongo2 {{ }} tag as it reads a file, so a page,
// the base it extends, what it includes and the macros it imports all see
// the same text, and errors give lines and columns of the file as written.
// Text inside pongo2's own tags, comments and {% verbatim %} is never
// rewritten. "<%", a name and a "%>" on the same line must be a
// placeholder: <%a b%>, <%a..b%> or <%a|%> is an error at its file, line
// and column, and so is a placeholder right after a "{" (which would open
// a pongo2 tag a byte early). Other text starting with "<%", such as
// "<%= x %>", is left as it is.
//
// A placeholder prints a time.Time as TimeLayout, "2006-01-02 15:04:05 MST"
// in the value's own location ("2026-11-22 13:01:02 UTC"), not Go's String
// with its fractions of a second and monotonic clock; pongo2's date filter
// takes any Go layout: <%created|date:"2 Jan 2006"%>. pongo2's own
// {{ created }} prints Go's String.
//
// # Checked at start
//
// New compiles every template in the folder and below it: files ending in
// .html, .htm, .xml or .txt, except hidden ones (a name starting with ".").
// With Dev false an error in any of them fails New, and so server -check,
// one line per fault: "file:line:col: message". In dev mode they are
// logged as a warning and the App starts, so that they can be fixed live;
// each such page shows the dev error page until then.
//
// Every value is escaped but HTML, which the handler vouches for and which
// is inserted as it is.
//
// # Errors
//
// A handler that returns an error gets an error page: a *StatusError (see
// Error) shows its status and message; any other error, and a panic, is a
// 500 that says "Internal error", while the log gets the detail (a panic
// with its stack). A panic costs only its request. Options.ErrorTemplate
// renders these pages with the site's look.
//
// In dev mode (Options.Dev) a 5xx shows its detail to a client on the
// loopback address (127.0.0.0/8, ::1) only: for a template, its file,
// line, column, the line and the message; for a handler, the error, or the
// panic and its stack. Others, and everyone when Dev is false, get the
// plain page.
//
// # Live editing
//
// In dev mode a saved template shows on the next request, with no restart:
// an edit to a page, to the base it extends or to a partial it includes;
// written in place or renamed over the old file. Compiled templates stay
// cached until a file in the folder changes, and an fsnotify watcher on the
// folder and its subfolders drops the whole cache on any change (a compiled
// page embeds what it extends and includes, so a change anywhere may change
// any page). A template with an error shows the dev error page until it is
// fixed. A placeholder whose value is missing is logged, once per edit, with
// its template, line and column; so is a dotted placeholder whose field or
// map key its value lacks (<%user.nmae%>), once per template position and
// edit, when it is printed. Finding a compiled page costs a request one
// atomic load and a map lookup, in dev mode as in production
// (BenchmarkChangeDetection).
//
// # Live reload
//
// In dev mode the open pages follow the saves too (package livereload):
// save a template and they reload; save a stylesheet of Options.Static and
// it is swapped in place, with no reload (typed text, scroll position and
// script state stay); save an image and it is refreshed; save a template
// that does not compile and they show its file, line, column, line and
// message in an overlay, until a fix reloads them. Every HTML page the App
// answers (its pages, handlers' HTML bodies, error pages) gets a small
// script before </body>, with a nonce when the response sets a
// Content-Security-Policy; the App answers the paths under /_miniweb/
// itself, before any middleware, and OwnsPath claims them. A browser keeps
// one connection for all its tabs. With Dev false, or
// Options.NoLiveReload, there is no script, no /_miniweb/ path (a 404) and
// no watcher. A server calls App.CloseStreams as it starts to shut down.
//
// # Requests
//
// A Request has the method, path and named segments, query values, form
// values (application/x-www-form-urlencoded and multipart/form-data, read
// before the handler runs, within Options.Limits: past them the client gets
// a 413, and a malformed form a 400), uploaded files, cookies, header
// fields, the raw body, and the request's context.
//
// # Middleware and context processors
//
// [App.Use] wraps every route and the error pages in [Middleware]: a
// function of the rest of the chain, which may act before and after it or
// answer instead (a login check that redirects, timing, headers added to
// every answer). The first added is the outermost. A 404 or 405 is an
// error that comes back through the middleware like any handler's.
// Middleware, handlers and context processors share per-request values
// through [Request.Set] and [Request.Value].
//
// [App.Context] adds a context processor, as Flask's: its Data is under
// every template the App renders for a request, error pages included (the
// signed-in user in the nav of the 404 page), and a key the page sets
// itself wins.
//
// # Cross-site requests
//
// Every App refuses, with a 403 page and before any middleware or handler,
// an unsafe request (POST, PUT, PATCH, DELETE, ...) that a page on another
// site made a visitor's browser send: by the browser's Sec-Fetch-Site field,
// else by Origin against Host, as Go's net/http.CrossOriginProtection.
// GET, HEAD and OPTIONS always pass, so a handler must change nothing for
// them; a request with neither field (curl, a webhook sender) passes.
// Options.CSRF lists trusted origins and exempt route patterns (webhooks):
// see CSRF.
//
// # Sessions and flash messages
//
// With Options.Session, Request.Session is the visitor's session, kept in a
// signed and encrypted cookie (package session): nothing per visitor on
// the server, so sessions survive restarts and work across instances that
// share the secret. A bad cookie is an anonymous visitor, never an error.
// Request.Flash keeps a message for the next page, shown once
// (Request.Flashes, usually given to every page by a context processor).
//
// Query and form text is always valid UTF-8 without NUL bytes, so that a
// value echoed into a page (which declares UTF-8) is what it says. One rule
// applies, after percent-decoding, to the keys and values of the query
// string, of an urlencoded body and of a multipart form, and to the names
// of uploaded files: each run of bytes that is not valid UTF-8 becomes one
// U+FFFD, and NUL bytes are dropped. "name=Ada%00%FF" reads as
// "Ada�". The request is not refused for it, and text already clean
// costs no copy. The raw body (Request.Body) and file data are left as
// sent.
package framework
