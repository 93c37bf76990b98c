package frameworktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/session"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// Defaults of [Options].
const (
	// DefaultBaseURL is the origin a Client's requests go to.
	DefaultBaseURL = "http://127.0.0.1:8080"
	// DefaultRemoteAddr is the visitor's address: a loopback one, so that
	// an App in dev mode shows it the detail of a 5xx.
	DefaultRemoteAddr = "127.0.0.1:50000"
	// CrossOrigin is the Origin of the other site's page that a
	// [Client.CrossSite] request comes from.
	CrossOrigin = "https://evil.example"
	// MaxRedirects is how many redirects a Client follows for one request;
	// one more fails the test.
	MaxRedirects = 10
)

// defaultSessionCookie is framework's default session cookie name (see
// framework.SessionOptions.CookieName).
const defaultSessionCookie = "miniweb_session"

// Options configures a [Client]. The zero value is a visitor on the
// loopback address sending to http://127.0.0.1:8080, which cannot read
// the site's session.
type Options struct {
	// BaseURL is the site's origin as the visitor's browser sees it, a
	// scheme ("http" or "https"), a host and an optional port:
	// "https://example.com". It gives the requests their Host field,
	// Scheme and Origin, and the cookie jar its site. "" means
	// DefaultBaseURL.
	BaseURL string
	// RemoteAddr is the visitor's "ip:port"; "" means DefaultRemoteAddr.
	RemoteAddr string
	// Session is the site's session options, the value it gives
	// framework.Options.Session, with its Secret set. With them the Client
	// opens the session cookie as the site does, for [Client.Session] and
	// [Response.Flashes]; nil means it cannot, and those panic.
	Session *framework.SessionOptions
}

// Client is one visitor's browser on a site: it sends requests to an
// application in process, keeps the cookies the answers set (a cookie
// jar: Path, Max-Age and Expires are honoured, a Max-Age=0 or past Expires
// deletes), and follows redirects.
//
// Every request carries what a current browser sends on a same-origin
// request: Host, User-Agent, Accept, Sec-Fetch-Site: same-origin, and on
// an unsafe method (anything but GET, HEAD and OPTIONS) an Origin that is
// the BaseURL's. So the framework's CSRF protection lets it through, and
// [Client.CrossSite] makes a Client whose requests it must refuse.
//
// A request that breaks the gateway contract, a target that is not a
// path, or more than MaxRedirects redirects fails the test (t.Fatalf), so
// a Client's methods must be called from the goroutine running the test
// given to [New]. The cookie jar is safe for concurrent use; the views
// made by CrossSite and NoRedirects share it.
type Client struct {
	t        testing.TB
	app      gateway.App
	base     *url.URL
	remote   string
	jar      *cookiejar.Jar
	codec    *session.Codec // nil: the session cannot be read
	cookie   string         // the session cookie's name
	cross    bool           // requests come from CrossOrigin's page
	noFollow bool           // answers are returned as they are, redirects too
}

// New returns a Client for app with o, whose breaches fail t:
//
//	c := frameworktest.New(t, app, frameworktest.Options{Session: &framework.SessionOptions{Secret: secret}})
//
// A nil t makes a breach a panic with the same message, for an Example,
// which has no t. A BaseURL that is not an http or https origin, or
// session options that cannot open a cookie (no Secret, a weak one), fail
// t at once.
func New(t testing.TB, app gateway.App, o Options) *Client {
	if t == nil {
		t = panicTB{}
	}
	t.Helper()
	raw := o.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(raw)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" ||
		strings.Trim(base.Path, "/") != "" || base.RawQuery != "" || base.User != nil {
		t.Fatalf("frameworktest: BaseURL %q: want an http or https origin such as %q", o.BaseURL, DefaultBaseURL)
	}
	base.Path = ""
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("frameworktest: making the cookie jar: %v", err)
	}
	c := &Client{t: t, app: app, base: base, remote: o.RemoteAddr, jar: jar, cookie: defaultSessionCookie}
	if c.remote == "" {
		c.remote = DefaultRemoteAddr
	}
	if s := o.Session; s != nil {
		if s.Secret == "" {
			t.Fatalf("frameworktest: Options.Session has no Secret: give the site and the Client the same one")
		}
		if c.codec, err = session.NewCodec(s.Secret, s.OldSecrets, s.MaxAge); err != nil {
			t.Fatalf("frameworktest: Options.Session: %v", err)
		}
		if s.CookieName != "" {
			c.cookie = s.CookieName
		}
	}
	return c
}

// CrossSite returns a view of c, sharing its cookies, whose requests come
// from a page on another site (CrossOrigin): Sec-Fetch-Site: cross-site,
// and Origin: https://evil.example on an unsafe method. It sends the
// cookies anyway, SameSite notwithstanding, as an older browser would, so
// that a test sees the site's own refusal:
//
//	c.CrossSite().PostForm("/logout.py", nil).WantStatus(t, 403)
func (c *Client) CrossSite() *Client {
	v := *c
	v.cross = true
	return &v
}

// NoRedirects returns a view of c, sharing its cookies, that does not
// follow redirects: the answer is the first one, a 303 with its Location
// included:
//
//	resp := c.NoRedirects().PostForm("/login.py", form)
//	resp.WantStatus(t, 303) // and resp.Location() == "/index.py"
func (c *Client) NoRedirects() *Client {
	v := *c
	v.noFollow = true
	return &v
}

// Get sends "GET target", target being a path with an optional query:
// "/stock/600519.py?tab=news".
func (c *Client) Get(target string) *Response {
	c.t.Helper()
	return c.send("GET", target, nil, nil)
}

// PostForm sends form to target as a browser sends a form,
// application/x-www-form-urlencoded: "name=ada&password=...". A nil form
// sends an empty body.
func (c *Client) PostForm(target string, form url.Values) *Response {
	c.t.Helper()
	return c.send("POST", target, []byte(form.Encode()),
		[]string{"Content-Type", "application/x-www-form-urlencoded"})
}

// PostJSON sends v encoded as JSON to target, as a script's fetch() does:
// Content-Type and Accept are application/json. A v that encoding/json
// cannot encode fails the test.
func (c *Client) PostJSON(target string, v any) *Response {
	c.t.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		c.t.Fatalf("frameworktest: POST %s: encoding %T as JSON: %v", target, v, err)
	}
	return c.send("POST", target, body, []string{"Content-Type", "application/json", "Accept", "application/json"})
}

// Do sends method to target with body (nil for none) and header, given as
// name, value pairs: "Content-Type", "text/plain". A field named here
// replaces the Client's own of that name (Accept, Origin, Sec-Fetch-Site,
// User-Agent, Cookie, ...), and an empty value removes it, so that
//
//	c.Do("POST", "/logout.py", nil, "Sec-Fetch-Site", "", "Origin", "http://evil.example")
//
// is a form posted from another site by a browser older than Fetch
// Metadata. An odd number of header strings fails the test.
func (c *Client) Do(method, target string, body io.Reader, header ...string) *Response {
	c.t.Helper()
	if len(header)%2 != 0 {
		c.t.Fatalf("frameworktest: %s %s: header %q is not name, value pairs", method, target, header)
	}
	var b []byte
	if body != nil {
		var err error
		if b, err = io.ReadAll(body); err != nil {
			c.t.Fatalf("frameworktest: %s %s: reading the body to send: %v", method, target, err)
		}
	}
	return c.send(method, target, b, header)
}

// send sends one request and, unless c is a NoRedirects view, follows the
// redirects of its answers:
//
//   - 301 and 302 after a POST, and 303 after anything but HEAD, are
//     followed with a GET without a body, as browsers do; 307 and 308
//     repeat the method and the body;
//   - a Location on another origin than the BaseURL is not followed: that
//     answer is returned, as a browser would leave the site;
//   - the earlier answers are the Response's Redirects, oldest first.
func (c *Client) send(method, target string, body []byte, header []string) *Response {
	c.t.Helper()
	u := c.resolve(method, target)
	var chain []*Response
	for {
		resp := c.roundTrip(method, u, body, header)
		loc := resp.Header.Get("Location")
		if c.noFollow || !isRedirect(resp.Code) || loc == "" {
			resp.Redirects = chain
			return resp
		}
		next, err := u.Parse(loc)
		if err != nil || next.Scheme != c.base.Scheme || next.Host != c.base.Host {
			resp.Redirects = chain // not ours to follow
			return resp
		}
		chain = append(chain, resp)
		if len(chain) > MaxRedirects {
			c.t.Fatalf("frameworktest: %s %s: more than %d redirects: the last to %q", method, target, MaxRedirects, loc)
		}
		switch {
		case resp.Code == 303 && method != "HEAD", (resp.Code == 301 || resp.Code == 302) && method == "POST":
			method, body, header = "GET", nil, withoutBodyFields(header)
		}
		next.Fragment = ""
		u = next
	}
}

// isRedirect reports whether code is a redirect a browser follows.
func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// withoutBodyFields returns header without the fields that describe a
// body, for a redirect followed with a GET.
func withoutBodyFields(header []string) []string {
	var kept []string
	for i := 0; i+1 < len(header); i += 2 {
		if !strings.EqualFold(header[i], "Content-Type") && !strings.EqualFold(header[i], "Content-Length") {
			kept = append(kept, header[i], header[i+1])
		}
	}
	return kept
}

// resolve returns the absolute URL of target, a path with an optional
// query; anything else fails the test.
func (c *Client) resolve(method, target string) *url.URL {
	c.t.Helper()
	u, err := url.Parse(target)
	if err != nil || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || u.Scheme != "" {
		c.t.Fatalf("frameworktest: %s %q: want a path with an optional query, such as \"/index.py?page=2\"", method, target)
	}
	return c.base.ResolveReference(u)
}

// roundTrip sends one request for u and returns the answer, with the
// session's flashes before and after it compared (see Response.Flashes).
func (c *Client) roundTrip(method string, u *url.URL, body []byte, header []string) *Response {
	c.t.Helper()
	before := c.pendingFlashes(u)
	env := c.environ(method, u, body, header)
	ctx, cancel := context.WithCancel(c.t.Context())
	env.SetContext(ctx)
	rec, err := gatewaytest.Record(c.app, env)
	cancel() // as a server does when the response ends
	target := requestTarget(u)
	if err != nil {
		c.t.Fatalf("frameworktest: %s %s: %v", method, target, err)
	}
	c.keepCookies(method, u, rec.Header)
	resp := &Response{Method: method, Target: target, Path: env.Path, Code: rec.Code, Status: rec.Status,
		Header: rec.Header, Body: rec.Body, readable: c.codec != nil}
	if c.codec != nil {
		resp.flashes = taken(before, c.pendingFlashes(u))
	}
	return resp
}

// environ builds the request as miniweb's server hands it to an
// application: Host, Scheme, ServerName and ServerPort from the BaseURL,
// the visitor's address, the header fields in the order a browser sends
// them, and the body with its Content-Length.
func (c *Client) environ(method string, u *url.URL, body []byte, extra []string) *gateway.Environ {
	unsafe := method != "GET" && method != "HEAD" && method != "OPTIONS"
	site, origin := "same-origin", c.base.Scheme+"://"+c.base.Host
	if c.cross {
		site, origin = "cross-site", CrossOrigin
	}
	h := gateway.Fields{
		{Name: "Host", Value: c.base.Host},
		{Name: "User-Agent", Value: "miniweb-frameworktest"},
		{Name: "Accept", Value: "text/html,application/xhtml+xml,*/*;q=0.8"},
		{Name: "Sec-Fetch-Site", Value: site},
	}
	if unsafe {
		h = append(h, gateway.Field{Name: "Origin", Value: origin})
	}
	if body != nil || unsafe {
		h = append(h, gateway.Field{Name: "Content-Length", Value: strconv.Itoa(len(body))})
	}
	var pairs []string
	for _, ck := range c.jar.Cookies(u) {
		pairs = append(pairs, ck.Name+"="+ck.Value)
	}
	if len(pairs) > 0 {
		h = append(h, gateway.Field{Name: "Cookie", Value: strings.Join(pairs, "; ")})
	}
	for i := 0; i+1 < len(extra); i += 2 {
		h = setField(h, extra[i], extra[i+1])
	}
	host, port := splitHostPort(c.base.Host)
	return &gateway.Environ{
		Method:        method,
		Path:          u.Path,
		RawPath:       u.EscapedPath(),
		Query:         u.RawQuery,
		Protocol:      "HTTP/1.1",
		ServerName:    host,
		ServerPort:    port,
		RemoteAddr:    c.remote,
		PeerAddr:      c.remote,
		Scheme:        c.base.Scheme,
		Host:          c.base.Host,
		Header:        h,
		ContentLength: int64(len(body)),
		Body:          bytes.NewReader(body),
	}
}

// setField replaces the fields of h named name with one of value, where
// the first was, or adds it; an empty value removes them.
func setField(h gateway.Fields, name, value string) gateway.Fields {
	out, placed := h[:0:0], false
	for _, f := range h {
		if !gateway.EqualFold(f.Name, name) {
			out = append(out, f)
		} else if !placed && value != "" {
			out, placed = append(out, gateway.Field{Name: name, Value: value}), true
		}
	}
	if !placed && value != "" {
		out = append(out, gateway.Field{Name: name, Value: value})
	}
	return out
}

// splitHostPort splits "host:port", "[v6]:port" and "host" as miniweb's
// server does for ServerName and ServerPort: no port is "".
func splitHostPort(hp string) (host, port string) {
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return hp, ""
		}
		return hp[1:end], strings.TrimPrefix(hp[end+1:], ":")
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		return hp[:i], hp[i+1:]
	}
	return hp, ""
}

// requestTarget returns u's path and query as in a request line:
// "/stock/600519.py?tab=news".
func requestTarget(u *url.URL) string {
	if u.RawQuery == "" {
		return u.EscapedPath()
	}
	return u.EscapedPath() + "?" + u.RawQuery
}

// keepCookies stores the cookies of header's Set-Cookie fields, as a
// browser does for an answer to u. A field a browser would ignore fails
// the test (t.Errorf): net/http's parser refuses it.
func (c *Client) keepCookies(method string, u *url.URL, header gateway.Fields) {
	c.t.Helper()
	var cookies []*http.Cookie
	for _, line := range header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err != nil {
			c.t.Errorf("frameworktest: %s %s: Set-Cookie %q: %v; a browser ignores it", method, requestTarget(u), line, err)
			continue
		}
		cookies = append(cookies, ck)
	}
	if len(cookies) > 0 {
		c.jar.SetCookies(u, cookies)
	}
}

// Cookie returns the value of the cookie called name that c would send
// with a request for "/", as the site set it (percent-encoded where the
// framework encoded it), and whether there is one: a deleted or expired
// cookie is not there.
func (c *Client) Cookie(name string) (string, bool) {
	for _, ck := range c.jar.Cookies(c.base.ResolveReference(&url.URL{Path: "/"})) {
		if ck.Name == name {
			return ck.Value, true
		}
	}
	return "", false
}

// SetCookie puts the cookie name=value in c's jar for the whole site
// (Path=/), as a visitor who edits their cookies would:
//
//	c.SetCookie("miniweb_session", "forged") // the site must see an anonymous visitor
//
// An empty value deletes the cookie.
func (c *Client) SetCookie(name, value string) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/"}
	if value == "" {
		ck.MaxAge = -1
	}
	c.jar.SetCookies(c.base.ResolveReference(&url.URL{Path: "/"}), []*http.Cookie{ck})
}

// Session returns the session the site would see on c's next request:
// its cookie opened with Options.Session, or a new empty session when
// there is no cookie or it does not open (tampered with, expired), as the
// framework treats it. Changing it changes nothing on the site. Session
// panics when c was made without Options.Session.
func (c *Client) Session() *session.Session {
	if c.codec == nil {
		panic("frameworktest: Client.Session: the Client was made without Options.Session, so it cannot open the session cookie")
	}
	return c.sessionAt(c.base.ResolveReference(&url.URL{Path: "/"}))
}

// sessionAt returns the session c would send with a request for u.
func (c *Client) sessionAt(u *url.URL) *session.Session {
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name != c.cookie {
			continue
		}
		if s, err := c.codec.Decode(c.cookie, ck.Value, time.Now()); err == nil {
			return s
		}
	}
	return &session.Session{}
}

// pendingFlashes returns the flashes waiting in the session c would send
// with a request for u; nil when c cannot read the session.
func (c *Client) pendingFlashes(u *url.URL) []session.Flash {
	if c.codec == nil {
		return nil
	}
	return c.sessionAt(u).Flashes() // removed from this copy only
}

// taken returns the flashes a request took from the session: those
// waiting before it that are not waiting after it. A session only adds
// flashes at its end and hands them all out at once (session.Flashes), so
// they were taken unless after still begins with them.
func taken(before, after []session.Flash) []session.Flash {
	if len(before) == 0 {
		return nil
	}
	if len(after) >= len(before) {
		same := true
		for i := range before {
			if before[i] != after[i] {
				same = false
				break
			}
		}
		if same {
			return nil
		}
	}
	return before
}

// panicTB stands for a nil testing.TB given to New: a failure panics. It
// has only the methods a Client calls.
type panicTB struct{ testing.TB }

func (panicTB) Helper()                           {}
func (panicTB) Context() context.Context          { return context.Background() }
func (panicTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (panicTB) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
