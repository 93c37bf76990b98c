package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/sites"
)

// The browser test drives a real headless Chromium through chromedriver,
// speaking W3C WebDriver (https://www.w3.org/TR/webdriver2/): HTTP and JSON
// to a local port, so a small client below is all it takes and the module
// gains no dependency. The browsers come from Debian's chromium and
// chromium-driver packages, installed by .ci/setup-browser.
const (
	chromiumPath    = "/usr/bin/chromium"
	chromedriverBin = "chromedriver"
	// browserEnv set to 1 turns a missing browser into a failure, so that CI
	// (.ci/run sets it) can never skip the test silently.
	browserEnv = "MINIWEB_BROWSER"
	// screenshotsEnv names the folder for the screenshots; unset means a
	// temporary folder of the test.
	screenshotsEnv = "MINIWEB_SCREENSHOTS"
	// webdriverTimeout bounds one WebDriver command, and a wait for what
	// the page must come to show; starting a session (launching Chromium)
	// gets twice as long. Only a hang reaches it: on a busy machine a
	// command may take ten times as long as on a quiet one, and every
	// wait ends as soon as what it waits for is there.
	webdriverTimeout = patience
	// reloadTimeout bounds how long an edited template may take to show:
	// the framework learns of an edit from fsnotify, asynchronously.
	reloadTimeout = patience
)

// demoPages are the demo's pages linked from the static index.html, each
// with the h1 it shows and a selector of content only it has.
var demoPages = []struct {
	path    string // the link's href
	title   string // the document title
	h1      string // the page's heading
	content string // a CSS selector of the page's own content
}{
	{"/index.py", "Home · miniweb", "Welcome", ".cards .card"},
	{"/center.py", "Market · miniweb", "Market", "table.stocks tbody tr"},
	{"/login.py", "Log in · miniweb", "Log in", "form.panel input[name=password]"},
	{"/register.py", "Register · miniweb", "Register", "form.panel input[name=password][autocomplete=new-password]"},
	{"/about.py", "About · miniweb", "About", "ol.steps li"},
	{"/contact.py", "Contact · miniweb", "Contact", "dl.facts a[href^='mailto:']"},
	{"/single.py", "From a socket to a framework · miniweb", "From a socket to a framework", "article.post p code"},
}

// TestBrowser is the demo site as a person sees it: a real browser loads the
// static home page from a running Server, follows its links, registers a
// user with a <script> in the name and sees it escaped, logs out and in
// again, follows two stocks from the market, keeps a note on one and
// unfollows the other on the watch list, sees pages of another origin
// refused, and watches a template edit (a plain write, then a
// write-and-rename) show on reload. The site runs on an SQLite database
// of the test's own. Each step leaves a screenshot.
func TestBrowser(t *testing.T) {
	t.Parallel()
	driverPath := findBrowser(t)
	shots := screenshotDir(t)
	t.Logf("screenshots in %s", shots)

	// The demo on copies of the repo's templates and static files, so the
	// test can edit them.
	tmpl := t.TempDir()
	if err := os.CopyFS(tmpl, os.DirFS(repoDir("templates"))); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	err := fs.WalkDir(os.DirFS(repoDir("static")), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join(repoDir("static"), p))
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	siteLog := &syncBuffer{}
	// buildSite (sites_test.go): the demo on an SQLite database in a
	// temporary folder, migrated, closed when the test ends.
	app := buildSite(t, "demo", sites.Options{Templates: tmpl, Dev: true, Log: slog.New(slog.NewTextHandler(siteLog, nil))})
	ts := startServer(t, app, files)
	// Cleanups run last first: the browser goes, then the server, then the
	// site.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("site log:\n%s", siteLog)
		}
	})
	base := "http://" + ts.addr
	wd := startBrowser(t, driverPath)
	shot := func(name string) { wd.screenshot(filepath.Join(shots, name+".png")) }

	// The static home page links to every page of the demo.
	wd.navigate(base + "/")
	if got := wd.title(); got != "miniweb" {
		t.Errorf("title of /: %q; want %q", got, "miniweb")
	}
	if got := wd.find("h1").text(); got != "It works." {
		t.Errorf("h1 of /: %q; want %q", got, "It works.")
	}
	var links []string
	wd.script(`return Array.from(document.querySelectorAll("main a"), a => a.getAttribute("href"))`, &links)
	for _, p := range demoPages {
		if !slices.Contains(links, p.path) {
			t.Errorf("/ does not link to %s; links: %q", p.path, links)
		}
	}
	checkLook(t, wd, "/")
	shot("00-static-index")

	// Follow each link with a click, as a person would.
	for i, p := range demoPages {
		wd.navigate(base + "/")
		wd.find(fmt.Sprintf("main a[href=%q]", p.path)).click()
		wd.waitPath(p.path)
		if got := wd.title(); got != p.title {
			t.Errorf("%s: title %q; want %q", p.path, got, p.title)
		}
		if got := wd.find("main h1").text(); !strings.HasPrefix(got, p.h1) {
			t.Errorf("%s: h1 %q; want it to start with %q", p.path, got, p.h1)
		}
		if n := len(wd.findAll(p.content)); n == 0 {
			t.Errorf("%s: nothing matches %q", p.path, p.content)
		}
		if got := wd.find(`header.top nav a[aria-current="page"]`).attr("href"); got != p.path {
			t.Errorf("%s: the menu marks %q as the current page", p.path, got)
		}
		checkLook(t, wd, p.path)
		shot(fmt.Sprintf("%02d-%s", i+1, strings.TrimSuffix(strings.TrimPrefix(p.path, "/"), ".py")))
	}

	// The index's broken link: a 404 page in the site's look.
	wd.navigate(base + "/")
	wd.find(`main a[href="/nosuch.py"]`).click()
	wd.waitPath("/nosuch.py")
	if got := wd.find("main .eyebrow").text(); !strings.Contains(got, "404") {
		t.Errorf("/nosuch.py: %q; want the 404 page", got)
	}
	checkLook(t, wd, "/nosuch.py")
	shot("08-nosuch")

	// Register with a script in the user name: it comes back as text.
	const (
		evil     = "<script>window.__xss=1</script>Ada"
		password = "correct horse"
	)
	wd.navigate(base + "/register.py")
	wd.find("input[name=name]").sendKeys(evil)
	wd.find("input[name=password]").sendKeys(password)
	wd.find("form.panel button").click()
	// Post, redirect, get: the home page, signed in, says so in a flash.
	wd.waitPath("/index.py")
	if got, want := wd.find(".flash").text(), "Welcome, "+evil+": your account is ready, and you are signed in."; got != want {
		t.Errorf("register: the flash says %q; want the name, literally, %q", got, want)
	}
	if got := wd.find("header .who strong").text(); got != evil {
		t.Errorf("after register: signed in as %q; want %q", got, evil)
	}
	wd.navigate(base + "/register.py")
	if n := len(wd.findAll(".flash")); n != 0 {
		t.Errorf("register: the flash shows again on the next page (%d)", n)
	}
	if got := wd.find("input[name=name]").property("value"); got != "" {
		t.Errorf("register: the next form holds %q; want it empty", got)
	}
	noScript := func(page string) {
		t.Helper()
		var xss string
		wd.script(`return typeof window.__xss`, &xss)
		if xss != "undefined" {
			t.Errorf("%s: the script in the name ran: typeof window.__xss = %q", page, xss)
		}
		// The page may carry scripts of its own (dev mode's live reload),
		// but none from the name.
		var scripts int
		wd.script(`return Array.from(document.scripts).filter(s => s.textContent.includes("__xss")).length`, &scripts)
		if scripts != 0 {
			t.Errorf("%s: %d script elements from the name on the page; want none", page, scripts)
		}
		if src := wd.source(); strings.Contains(src, "<script>window.__xss") {
			t.Errorf("%s: the page holds the script as markup:\n%s", page, src)
		}
	}
	noScript("/register.py (signed in)")
	checkLook(t, wd, "/register.py (signed in)")
	shot("10-registered-escaped")

	// Log out, then in: a wrong password first, then the right one.
	wd.find("header .who button").click()
	wd.waitFor("the logout", `return document.querySelector("header .who") === null && location.pathname === "/index.py"`)
	if got := wd.find(".flash").text(); got != "Signed out. See you soon." {
		t.Errorf("after logout: flash %q", got)
	}
	wd.navigate(base + "/login.py")
	wd.find("input[name=name]").sendKeys(evil)
	wd.find("input[name=password]").sendKeys("wrong password")
	wd.find("form.panel button").click()
	wd.waitFor("the login error", `return document.querySelector(".error") !== null`)
	if got := wd.find(".error").text(); got != "Wrong name or password." {
		t.Errorf("login with a wrong password: error %q", got)
	}
	if got := wd.find("input[name=name]").property("value"); got != evil {
		t.Errorf("login with a wrong password: the name field holds %q; want %q", got, evil)
	}
	pw := wd.find("input[name=password]")
	pw.clear()
	pw.sendKeys(password)
	wd.find("form.panel button").click()
	wd.waitPath("/index.py")
	if got := wd.find("main h1").text(); got != "Welcome back, "+evil {
		t.Errorf("after login: h1 %q; want %q", got, "Welcome back, "+evil)
	}
	if got := wd.find(".flash").text(); got != "Signed in as "+evil+"." {
		t.Errorf("after login: flash %q", got)
	}
	noScript("/index.py (signed in)")
	checkLook(t, wd, "/index.py (signed in)")
	shot("11-logged-in")

	// Follow two stocks from the market: each button lands on the watch
	// list with a flash.
	follow := func(code, flash string) {
		t.Helper()
		wd.navigate(base + "/center.py")
		wd.find(fmt.Sprintf(`table.stocks form[action="/add/%s.py"] button`, code)).click()
		wd.waitPath("/watchlist.py")
		if got := wd.find(".flash").text(); got != flash {
			t.Errorf("follow %s: flash %q; want %q", code, got, flash)
		}
	}
	follow("600519", "Now following Kweichow Moutai (600519).")
	follow("300750", "Now following CATL (300750).")
	wd.navigate(base + "/center.py")
	if n := len(wd.findAll(`table.stocks a.tag[href="/watchlist.py"]`)); n != 2 {
		src := wd.source()
		t.Errorf("the market marks %d stocks as followed; want 2. The page (title %q):\n%.3000s", n, wd.title(), src)
	}
	checkLook(t, wd, "/center.py (following two)")
	shot("12-market-following")

	// On the watch list: a note on one, the other unfollowed.
	wd.navigate(base + "/watchlist.py")
	const note = "Buy below ¥1600 <b>not bold</b>"
	wd.find(`tr[data-code="600519"] input[name=note]`).sendKeys(note)
	wd.find(`tr[data-code="600519"] form.note button`).click()
	wd.waitFor("the note saved", `return document.querySelector(".flash") !== null`)
	if got := wd.find(".flash").text(); got != "Note on Kweichow Moutai (600519) saved." {
		t.Errorf("note: flash %q", got)
	}
	wd.find(`tr[data-code="300750"] form[action="/del/300750.py"] button`).click()
	wd.waitFor("the unfollow", `return document.querySelector(".flash") !== null && document.querySelector('tr[data-code="300750"]') === null`)
	if got := wd.find(".flash").text(); got != "Unfollowed CATL (300750)." {
		t.Errorf("unfollow: flash %q", got)
	}
	// What the page shows, exactly: one row, with its note.
	checkWatchlist := func(when string) {
		t.Helper()
		var rows []struct{ Code, Name, Note string }
		wd.script(`return Array.from(document.querySelectorAll("table.watch tbody tr"), tr => ({
			Code: tr.dataset.code, Name: tr.cells[1].textContent, Note: tr.querySelector("input[name=note]").value}))`, &rows)
		if len(rows) != 1 || rows[0].Code != "600519" || rows[0].Name != "Kweichow Moutai" || rows[0].Note != note {
			t.Errorf("%s: the watch list shows %+v; want one row, 600519 Kweichow Moutai, note %q", when, rows, note)
		}
	}
	checkWatchlist("after note and unfollow")
	checkLook(t, wd, "/watchlist.py")
	shot("13-watchlist")

	// Pages of another origin (the same host, another port) that
	// auto-submit a form to the demo while the visitor is signed in: the
	// browser sends the session cookie with them (SameSite=Lax lets a
	// same-site POST through), and the CSRF protection refuses them.
	attacker := startServer(t, nil, map[string]string{
		"logout.html": `<!doctype html><title>prize</title>` +
			`<form method="post" action="` + base + `/logout.py"></form><script>document.forms[0].submit()</script>`,
		"unfollow.html": `<!doctype html><title>prize</title>` +
			`<form method="post" action="` + base + `/del/600519.py"></form><script>document.forms[0].submit()</script>`,
	})
	for _, attack := range []struct{ page, target string }{{"logout.html", "/logout.py"}, {"unfollow.html", "/del/600519.py"}} {
		wd.navigate("http://" + attacker.addr + "/" + attack.page)
		wd.waitFor("the cross-origin post to "+attack.target, fmt.Sprintf(`return location.pathname === %q`, attack.target))
		if src := wd.source(); !strings.Contains(src, "403 Forbidden") || !strings.Contains(src, "Cross-origin request refused") {
			t.Errorf("the cross-origin POST to %s was not refused:\n%s", attack.target, src)
		}
	}
	shot("14-cross-origin-refused")
	wd.navigate(base + "/watchlist.py")
	if got := wd.find("header .who strong").text(); got != evil {
		t.Errorf("after the cross-origin posts: signed in as %q; want still %q", got, evil)
	}
	checkWatchlist("after the cross-origin posts")
	// The 404 page knows who is signed in too.
	wd.navigate(base + "/nosuch.py")
	if got := wd.find("header .who strong").text(); got != evil {
		t.Errorf("404 page, signed in: the nav says %q; want %q", got, evil)
	}
	wd.find("header .who button").click()
	wd.waitFor("the logout", `return document.querySelector("header .who") === null && location.pathname === "/index.py"`)
	// Signed out, the watch list sends to the login page, which comes back.
	wd.navigate(base + "/watchlist.py")
	wd.waitPath("/login.py")
	var search string
	wd.script(`return location.search`, &search)
	if search != "?next=%2Fwatchlist.py" {
		t.Errorf("the watch list, signed out: at /login.py%s; want ?next=%%2Fwatchlist.py", search)
	}

	// Live editing: a plain write of about.html, then a save the way many
	// editors do it, a new file renamed over the old one.
	about := filepath.Join(tmpl, "about.html")
	orig, err := os.ReadFile(about)
	if err != nil {
		t.Fatal(err)
	}
	const heading = "<h1><%title%></h1>"
	if !bytes.Contains(orig, []byte(heading)) {
		t.Fatalf("about.html has no %s to edit:\n%s", heading, orig)
	}
	wd.navigate(base + "/about.py")
	edit := func(h1 string, save func(b []byte) error) {
		t.Helper()
		if err := save(bytes.Replace(orig, []byte(heading), []byte("<h1>"+h1+"</h1>"), 1)); err != nil {
			t.Fatal(err)
		}
		n := wd.reloadUntil("main h1", h1)
		t.Logf("%q showed after %d reload(s)", h1, n)
		if n := len(wd.findAll("ol.steps li")); n != 4 {
			t.Errorf("edited about.py: %d steps; want the other content unchanged, 4", n)
		}
		checkLook(t, wd, "/about.py (edited)")
	}
	edit("About, edited live", func(b []byte) error { return os.WriteFile(about, b, 0o644) })
	shot("15-about-edited")
	edit("About, saved by rename", func(b []byte) error {
		tmp := filepath.Join(tmpl, ".about.html.new")
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, about)
	})
	shot("16-about-renamed")
}

// look is what checkLook reads from a page.
type look struct {
	Rules  int    // CSS rules in the page's stylesheets
	Body   string // body's computed background color
	Font   string // body's computed font family
	Header string // the top bar's computed background color
	Logo   *struct {
		Complete bool
		Width    int // natural width, 0 for a broken image
		Src      string
	}
}

// checkLook checks that style.css applied to the current page and that the
// logo loaded.
func checkLook(t *testing.T, wd *webDriver, page string) {
	t.Helper()
	var l look
	wd.script(`
		const img = document.querySelector("header.top .brand img");
		const hdr = document.querySelector("header.top");
		let rules = 0;
		for (const s of document.styleSheets) rules += s.cssRules.length;
		return {
			Rules: rules,
			Body: getComputedStyle(document.body).backgroundColor,
			Font: getComputedStyle(document.body).fontFamily,
			Header: hdr ? getComputedStyle(hdr).backgroundColor : "",
			Logo: img && {Complete: img.complete, Width: img.naturalWidth, Src: img.currentSrc},
		};`, &l)
	// From style.css: --paper #f7f8fb for the page, --ink #1d2430 for the
	// bar, a system-ui font stack.
	if l.Rules == 0 || l.Body != "rgb(247, 248, 251)" || l.Header != "rgb(29, 36, 48)" || !strings.HasPrefix(l.Font, "system-ui") {
		t.Errorf("%s: style.css did not apply: %+v", page, l)
	}
	if l.Logo == nil || !l.Logo.Complete || l.Logo.Width == 0 {
		t.Errorf("%s: the logo did not load: %+v", page, l.Logo)
	}
}

// findBrowser returns chromedriver's path, or skips the test when it or
// Chromium is missing (fails under MINIWEB_BROWSER=1).
func findBrowser(t *testing.T) string {
	t.Helper()
	driver, err := exec.LookPath(chromedriverBin)
	if err == nil {
		_, err = os.Stat(chromiumPath)
	}
	if err != nil {
		msg := fmt.Sprintf("no browser (%v): run `bash .ci/setup-browser` to install chromium and chromedriver", err)
		if os.Getenv(browserEnv) == "1" {
			t.Fatalf("%s=1 and %s", browserEnv, msg)
		}
		t.Skip(msg)
	}
	return driver
}

// screenshotDir returns the folder for screenshots, made if needed.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// webDriver is a WebDriver session on a chromedriver that the test started.
type webDriver struct {
	t       *testing.T
	base    string // the session's URL: http://127.0.0.1:port/session/id
	client  *http.Client
	session string
}

// webdriverError is an error answer of the WebDriver protocol.
type webdriverError struct {
	Code    string `json:"error"` // such as "no such element"
	Message string `json:"message"`
}

func (e *webdriverError) Error() string { return e.Code + ": " + e.Message }

// startBrowser starts chromedriver on a free loopback port and a headless
// Chromium session on it; both end when the test does.
func startBrowser(t *testing.T, driverPath string) *webDriver {
	t.Helper()
	// Chromium's profile, cache and config stay in folders of the test.
	// They are removed by hand after the browser is gone, not with
	// t.TempDir, whose cleanup fails the test if a helper process of the
	// browser still writes while it exits.
	home, err := os.MkdirTemp(browserTemp(), "miniweb-browser-")
	if err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(home, "chromedriver.log")
	cmd, stop, err := driverCommand(driverPath, "--port="+strconv.Itoa(port), "--log-path="+logPath)
	if err != nil {
		os.RemoveAll(home)
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"TMPDIR="+home) // Chromium's singleton socket goes in a folder of TMPDIR
	if err := cmd.Start(); err != nil {
		os.RemoveAll(home)
		t.Fatalf("starting chromedriver: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	wd := &webDriver{
		t:      t,
		base:   "http://127.0.0.1:" + strconv.Itoa(port),
		client: &http.Client{Transport: &http.Transport{}}, // no proxy
	}
	t.Cleanup(func() {
		if wd.session != "" {
			if _, err := wd.do(http.MethodDelete, "", nil, webdriverTimeout); err != nil {
				t.Errorf("deleting the WebDriver session: %v", err)
			}
		}
		wd.client.CloseIdleConnections()
		// Only the processes this test started (driverCommand).
		if err := stop(); err != nil {
			t.Errorf("stopping chromedriver (pid %d): %v", cmd.Process.Pid, err)
		}
		<-exited
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("chromedriver log (last 4 KiB):\n%s", b[max(0, len(b)-4096):])
			}
		}
		removeAllRetry(home)
	})

	// Wait for chromedriver to listen.
	deadline := time.Now().Add(webdriverTimeout)
	for {
		var status struct{ Ready bool }
		err := wd.get("/status", &status)
		if err == nil && status.Ready {
			break
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("chromedriver exited on start: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver not ready after %v: %v", webdriverTimeout, err)
		}
	}

	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":      "chrome",
		"pageLoadStrategy": "normal",
		"timeouts":         map[string]int{"pageLoad": int(patience / time.Millisecond), "script": int(patience / time.Millisecond), "implicit": 0},
		"goog:chromeOptions": map[string]any{
			"binary": chromiumPath,
			"args": []string{
				"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-quic", "--no-first-run", "--disable-background-networking",
				"--disable-component-update", "--disable-sync", "--no-proxy-server",
				"--user-data-dir=" + filepath.Join(home, "profile"),
				"--window-size=1280,900", "--hide-scrollbars",
			},
		},
	}}}
	var session struct {
		SessionID string `json:"sessionId"`
	}
	if err := wd.post("/session", caps, &session, 2*webdriverTimeout); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	wd.session = session.SessionID
	wd.base += "/session/" + session.SessionID
	return wd
}

// browserTemp returns the folder for the browser's home: the temporary
// folder, unless its path is too long for Chromium's singleton socket
// (a Unix socket, whose path has at most 107 bytes, made in a folder of
// its own below TMPDIR), then /tmp.
func browserTemp() string {
	const room = 107 - len("/miniweb-browser-1234567890/.org.chromium.Chromium.XXXXXX/SingletonSocket")
	if dir := os.TempDir(); len(dir) <= room {
		return dir
	}
	return "/tmp"
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// removeAllRetry removes dir, retrying a little while processes that were
// writing in it finish exiting.
func removeAllRetry(dir string) {
	for range 20 {
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// do sends one WebDriver command (path relative to the session, or to the
// server before the session exists) and returns its "value".
func (wd *webDriver) do(method, path string, body any, timeout time.Duration) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, wd.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := wd.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	var answer struct{ Value json.RawMessage }
	if err := json.Unmarshal(b, &answer); err != nil {
		return nil, fmt.Errorf("%s %s: %s: %q", method, path, resp.Status, b)
	}
	if resp.StatusCode != http.StatusOK {
		var we webdriverError
		if json.Unmarshal(answer.Value, &we) == nil && we.Code != "" {
			return nil, fmt.Errorf("%s %s: %w", method, path, &we)
		}
		return nil, fmt.Errorf("%s %s: %s: %q", method, path, resp.Status, b)
	}
	return answer.Value, nil
}

func (wd *webDriver) get(path string, out any) error {
	v, err := wd.do(http.MethodGet, path, nil, webdriverTimeout)
	if err == nil && out != nil {
		err = json.Unmarshal(v, out)
	}
	return err
}

func (wd *webDriver) post(path string, body, out any, timeout time.Duration) error {
	if body == nil {
		body = struct{}{}
	}
	v, err := wd.do(http.MethodPost, path, body, timeout)
	if err == nil && out != nil {
		err = json.Unmarshal(v, out)
	}
	return err
}

// must fails the test on err.
func (wd *webDriver) must(err error) {
	wd.t.Helper()
	if err != nil {
		wd.t.Fatal(err)
	}
}

func (wd *webDriver) navigate(url string) {
	wd.t.Helper()
	wd.must(wd.post("/url", map[string]string{"url": url}, nil, webdriverTimeout))
}

func (wd *webDriver) title() string {
	wd.t.Helper()
	var s string
	wd.must(wd.get("/title", &s))
	return s
}

func (wd *webDriver) source() string {
	wd.t.Helper()
	var s string
	wd.must(wd.get("/source", &s))
	return s
}

// script runs js as a function body in the page and decodes what it
// returns into out (nil to drop it).
func (wd *webDriver) script(js string, out any) {
	wd.t.Helper()
	wd.must(wd.post("/execute/sync", map[string]any{"script": js, "args": []any{}}, out, webdriverTimeout))
}

// waitFor waits until js returns true, failing after webdriverTimeout.
func (wd *webDriver) waitFor(what, js string) {
	wd.t.Helper()
	deadline := time.Now().Add(webdriverTimeout)
	for {
		var ok bool
		// A navigation in flight can make a script fail; try again.
		if wd.post("/execute/sync", map[string]any{"script": js, "args": []any{}}, &ok, webdriverTimeout) == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			wd.t.Fatalf("waiting for %s: not there after %v", what, webdriverTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitPath waits until the browser shows the fully loaded page at path.
func (wd *webDriver) waitPath(path string) {
	wd.t.Helper()
	wd.waitFor("the page "+path, fmt.Sprintf(`return location.pathname === %q && document.readyState === "complete"`, path))
}

// reloadUntil reloads the page until the element at css reads want,
// failing after reloadTimeout, and returns the number of reloads.
func (wd *webDriver) reloadUntil(css, want string) int {
	wd.t.Helper()
	deadline := time.Now().Add(reloadTimeout)
	for n := 1; ; n++ {
		wd.must(wd.post("/refresh", nil, nil, webdriverTimeout))
		got := wd.find(css).text()
		if got == want {
			return n
		}
		if time.Now().After(deadline) {
			wd.t.Fatalf("%s reads %q after %d reloads in %v; want %q", css, got, n, reloadTimeout, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// screenshot saves a PNG of the viewport to path.
func (wd *webDriver) screenshot(path string) {
	wd.t.Helper()
	var b64 string
	wd.must(wd.get("/screenshot", &b64))
	png, err := base64.StdEncoding.DecodeString(b64)
	wd.must(err)
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		wd.t.Fatalf("screenshot %s is not a PNG", path)
	}
	wd.must(os.WriteFile(path, png, 0o644))
}

// elementKey is the W3C web element identifier's key in JSON.
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// element is a found element of the current page.
type element struct {
	wd *webDriver
	id string
}

func (wd *webDriver) find(css string) element {
	wd.t.Helper()
	var ref map[string]string
	if err := wd.post("/element", map[string]string{"using": "css selector", "value": css}, &ref, webdriverTimeout); err != nil {
		wd.t.Fatalf("finding %s: %v", css, err)
	}
	return element{wd, ref[elementKey]}
}

func (wd *webDriver) findAll(css string) []element {
	wd.t.Helper()
	var refs []map[string]string
	wd.must(wd.post("/elements", map[string]string{"using": "css selector", "value": css}, &refs, webdriverTimeout))
	els := make([]element, len(refs))
	for i, r := range refs {
		els[i] = element{wd, r[elementKey]}
	}
	return els
}

func (e element) click() {
	e.wd.t.Helper()
	e.wd.must(e.wd.post("/element/"+e.id+"/click", nil, nil, webdriverTimeout))
}

func (e element) clear() {
	e.wd.t.Helper()
	e.wd.must(e.wd.post("/element/"+e.id+"/clear", nil, nil, webdriverTimeout))
}

func (e element) sendKeys(s string) {
	e.wd.t.Helper()
	e.wd.must(e.wd.post("/element/"+e.id+"/value", map[string]string{"text": s}, nil, webdriverTimeout))
}

func (e element) text() string {
	e.wd.t.Helper()
	var s string
	e.wd.must(e.wd.get("/element/"+e.id+"/text", &s))
	return s
}

// attr returns the attribute name as written in the markup ("" if absent).
func (e element) attr(name string) string {
	e.wd.t.Helper()
	var s *string
	e.wd.must(e.wd.get("/element/"+e.id+"/attribute/"+name, &s))
	if s == nil {
		return ""
	}
	return *s
}

// property returns the DOM property name, such as an input's value.
func (e element) property(name string) string {
	e.wd.t.Helper()
	var s string
	e.wd.must(e.wd.get("/element/"+e.id+"/property/"+name, &s))
	return s
}
