package demo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/framework/frameworktest"
)

func TestRegister(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)

		// A name with markup in it: registered, signed in, and shown escaped.
		const evil = `<script>alert("x")</script> O'Brien & Sons`
		resp := newClient(t, app).PostForm("/register.py", url.Values{"name": {"  " + evil + " "}, "password": {"correct horse"}})
		wantSeeOther(t, resp, "/index.py")
		wantFlash(t, resp, "info", "Welcome, "+evil+": your account is ready, and you are signed in.")
		resp.WantContains(t,
			`<p class="flash flash-info" role="status">Welcome, &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; Sons: your account is ready, and you are signed in.</p>`,
			`Signed in as <strong>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; Sons</strong>`)
		if strings.Contains(resp.Text(), "<script>") {
			t.Errorf("the script came back unescaped:\n%s", resp.Body)
		}
		// With next: back there.
		resp = newClient(t, app).PostForm("/register.py", url.Values{"name": {"bob"}, "password": {"12345678"}, "next": {"/watchlist.py"}})
		wantSeeOther(t, resp, "/watchlist.py")

		for _, tt := range []struct {
			name string
			form url.Values
			want string
		}{
			{"taken", url.Values{"name": {evil}, "password": {"another password"}}, msgNameTaken},
			{"taken, with spaces around", url.Values{"name": {" bob "}, "password": {"another password"}}, msgNameTaken},
			{"empty name", url.Values{"name": {"   "}, "password": {"correct horse"}}, msgNameEmpty},
			{"no name", url.Values{"password": {"correct horse"}}, msgNameEmpty},
			{"name too long", url.Values{"name": {strings.Repeat("é", 65)}, "password": {"correct horse"}}, msgNameLong},
			{"control character", url.Values{"name": {"ada\tlovelace"}, "password": {"correct horse"}}, msgNameChars},
			{"right-to-left override", url.Values{"name": {"ada\u202egpj.exe"}, "password": {"correct horse"}}, msgNameChars},
			{"newline", url.Values{"name": {"ada\nadmin"}, "password": {"correct horse"}}, msgNameChars},
			{"password too short", url.Values{"name": {"carol"}, "password": {"1234567"}}, msgPasswordShort},
			{"no password", url.Values{"name": {"carol"}}, msgPasswordShort},
			{"password of 73 bytes", url.Values{"name": {"carol"}, "password": {strings.Repeat("p", 73)}}, "at most 72 bytes"},
			{"password of 37 characters, 74 bytes", url.Values{"name": {"carol"}, "password": {strings.Repeat("é", 37)}}, "at most 72 bytes"},
		} {
			resp := newClient(t, app).PostForm("/register.py", tt.form)
			body := resp.Text()
			if resp.Code != 422 || !strings.Contains(body, `<p class="error" role="alert">`) || !strings.Contains(body, escape(tt.want)) || resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("%s: %d, want 422 and %q\n%s", tt.name, resp.Code, tt.want, body)
			}
			if pw := tt.form.Get("password"); pw != "" && strings.Contains(body, pw) {
				t.Errorf("%s: the password came back in the page", tt.name)
			}
		}
		// The longest name and password pass.
		resp = newClient(t, app).PostForm("/register.py", url.Values{"name": {strings.Repeat("é", 64)}, "password": {strings.Repeat("p", 72)}})
		wantSeeOther(t, resp, "/index.py")
	})
}

// escape is html.EscapeString as pongo2 writes it.
func escape(s string) string { return strings.NewReplacer("'", "&#39;", `"`, "&quot;").Replace(s) }

// TestPasswordStored reads the users table: the password is there only as
// its bcrypt hash, at the site's cost.
func TestPasswordStored(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		const password = "correct horse battery staple"
		register(t, newClient(t, app), "ada", password)
		var hash string
		var created any
		if err := db.QueryRow(db.Rebind("SELECT password_hash, created_at FROM users WHERE name = ?"), "ada").Scan(&hash, &created); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(hash, password) || !strings.HasPrefix(hash, "$2a$") {
			t.Errorf("stored %q; want a bcrypt hash", hash)
		}
		if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)); err != nil {
			t.Errorf("the stored hash is not the password's: %v", err)
		}
		if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost != bcrypt.MinCost {
			t.Errorf("cost %d, %v; want the test's %d", cost, err, bcrypt.MinCost)
		}
		if created == nil {
			t.Error("created_at is NULL")
		}
	})
}

func TestLogin(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		register(t, newClient(t, app), "ada", "correct horse")

		// Wrong password: the form again, with the name kept and escaped.
		resp := newClient(t, app).PostForm("/login.py", url.Values{"name": {`ada"><b>`}, "password": {"nope"}})
		resp.WantStatus(t, 403)
		resp.WantContains(t, "Wrong name or password.", `value="ada&quot;&gt;&lt;b&gt;"`)
		if sc := resp.Header.Get("Set-Cookie"); sc != "" {
			t.Errorf("wrong password: Set-Cookie %q", sc)
		}
		for _, pw := range []string{"correct horse ", "Correct horse", "correct hors", "", "correct horse" + strings.Repeat("x", 100)} {
			if resp := newClient(t, app).PostForm("/login.py", url.Values{"name": {"ada"}, "password": {pw}}); resp.Code != 403 {
				t.Errorf("password %q: %d", pw, resp.Code)
			}
		}
		if resp := newClient(t, app).PostForm("/login.py", url.Values{"name": {"Ada"}, "password": {"correct horse"}}); resp.Code != 403 {
			t.Errorf("the name in another case: %d; names are as typed", resp.Code)
		}

		// Right: a session cookie, a redirect, and a flash on the next page.
		// From another address: this one had its five attempts at ada
		// (TestLoginThrottle).
		v := frameworktest.New(t, app, frameworktest.Options{RemoteAddr: "192.0.2.1:1234",
			Session: &framework.SessionOptions{Secret: testSecret}})
		resp = v.PostForm("/login.py", url.Values{"name": {" ada "}, "password": {"correct horse"}})
		wantSeeOther(t, resp, "/index.py")
		if sc := resp.Redirects[0].Header.Get("Set-Cookie"); !sessionRE.MatchString(sc) {
			t.Errorf("login: Set-Cookie %q; want the session cookie, HttpOnly, SameSite=Lax, for two weeks", sc)
		}
		wantFlash(t, resp, "info", "Signed in as ada.")
		resp.WantContains(t, "Welcome back, ada", "Signed in as <strong>ada</strong>",
			`<p class="flash flash-info" role="status">Signed in as ada.</p>`)
		if resp := v.Get("/about.py"); strings.Contains(resp.Text(), "flash") || !strings.Contains(resp.Text(), "Signed in as") {
			t.Errorf("the next page shows the flash again, or forgot the user:\n%s", resp.Body)
		}
		if resp := v.NoRedirects().Get("/login.py"); resp.Code != 303 {
			t.Errorf("login page when signed in: %d", resp.Code)
		}
		// The error pages know the user too.
		resp = v.Get("/nosuch.py")
		resp.WantStatus(t, 404)
		resp.WantContains(t, "Signed in as <strong>ada</strong>")
		// A forged or foreign cookie is nobody.
		session, _ := v.Cookie("miniweb_session")
		for _, c := range [][2]string{{"miniweb_session", strings.Repeat("A", 60)}, {"miniweb_session", "x"}, {"other", session}} {
			other := newClient(t, app)
			other.SetCookie(c[0], c[1])
			if body := other.Get("/index.py").Text(); strings.Contains(body, "Signed in") {
				t.Errorf("cookie %s=%s signs in", c[0], c[1])
			}
		}
		// Another site's page cannot sign the user out.
		v.CrossSite().PostForm("/logout.py", nil).WantStatus(t, 403)

		// Log out: signed out, with a flash.
		resp = v.PostForm("/logout.py", nil)
		wantSeeOther(t, resp, "/index.py")
		wantFlash(t, resp, "info", "Signed out. See you soon.")
		if strings.Contains(resp.Text(), "Signed in as") {
			t.Errorf("after logout:\n%s", resp.Body)
		}
		if resp := v.NoRedirects().Get("/watchlist.py"); resp.Code != 303 {
			t.Errorf("the watch list after logout: %d", resp.Code)
		}
	})
}

// sessionRE is the session cookie as the demo sets it.
var sessionRE = regexp.MustCompile(`^miniweb_session=[A-Za-z0-9_-]+; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax$`)

// comparisons counts the bcrypt comparisons of a site's logins, with the
// cost of each hash compared, and the most that ran at once.
type comparisons struct {
	mu      sync.Mutex
	costs   []int // of each comparison since the last take, in order
	running int
	most    int // the most comparisons running at once
}

// countComparisons has s's logins compare their passwords through c.
// Call it before the requests, from the test's goroutine.
func countComparisons(s *site) *comparisons {
	c := &comparisons{}
	s.pw.compare = func(hash, password []byte) error {
		cost, err := bcrypt.Cost(hash)
		if err != nil {
			cost = -1
		}
		c.mu.Lock()
		c.costs = append(c.costs, cost)
		c.running++
		c.most = max(c.most, c.running)
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			c.running--
			c.mu.Unlock()
		}()
		return bcrypt.CompareHashAndPassword(hash, password)
	}
	return c
}

// take returns the costs of the comparisons since the last take.
func (c *comparisons) take() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.costs
	c.costs = nil
	return out
}

// TestLoginSameAnswer: a wrong password and an unknown name get the same
// answer, byte for byte but the name typed, for the same work: one bcrypt
// comparison, with a hash of the site's cost (so the same time: the time
// says nothing of which names exist). TestLoginSameTime measures the
// times, with MINIWEB_FIGURES=1.
func TestLoginSameAnswer(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, s, _ := testSite(t, db, templates, false)
		register(t, newClient(t, app), "ada", "correct horse")
		compared := countComparisons(s)
		// answer returns the answer to a login as name with password,
		// and the costs of the bcrypt comparisons it made.
		answer := func(name, password string) (string, []int) {
			resp := newClient(t, app).PostForm("/login.py", url.Values{"name": {name}, "password": {password}})
			out := resp.Status + "\n" + resp.Header.Get("Content-Type") + resp.Header.Get("Set-Cookie") + "\n" +
				strings.ReplaceAll(resp.Text(), `value="`+name+`"`, `value="NAME"`)
			return out, compared.take()
		}
		known, costs := answer("ada", "wrong password")
		if want := []int{s.pw.cost}; !slices.Equal(costs, want) {
			t.Errorf("a wrong password: bcrypt comparisons at costs %v; want %v", costs, want)
		}
		for _, tt := range []struct{ name, password string }{
			{"nobody", "wrong password"},
			{"ad", "wrong password"},
			{strings.Repeat("x", 65), "wrong password"}, // no user can have it: not looked up
			{"", "wrong password"},
			{"nobody", strings.Repeat("p", 100)}, // over bcrypt's 72 bytes
		} {
			unknown, uc := answer(tt.name, tt.password)
			if unknown != known {
				t.Errorf("unknown name %q: the answer differs from a wrong password's:\n%s\n---\n%s", tt.name, unknown, known)
			}
			// A skipped comparison, or one with a cheaper hash, would
			// take less time than a known name's.
			if !slices.Equal(uc, costs) {
				t.Errorf("unknown name %q, password of %d bytes: bcrypt comparisons at costs %v, a wrong password's %v: the time tells them apart", tt.name, len(tt.password), uc, costs)
			}
		}
		if !strings.HasPrefix(known, "403 Forbidden\n") || !strings.Contains(known, msgWrongLogin) {
			t.Errorf("the answer:\n%s", known)
		}
	})
}

// TestLoginSameTime measures, with MINIWEB_FIGURES=1 on a quiet machine,
// that a login of an unknown name takes as long as a wrong password's at
// bcrypt's default cost (TestLoginSameAnswer checks the cause, the same
// comparison, on any machine).
func TestLoginSameTime(t *testing.T) {
	t.Parallel()
	if os.Getenv("MINIWEB_FIGURES") != "1" {
		t.Skip("timing figures: set MINIWEB_FIGURES=1, on a quiet machine")
	}
	app, _, _ := testSiteWith(t, sqliteDB(t), templates, false, config{cost: bcrypt.DefaultCost})
	register(t, newClient(t, app), "ada", "correct horse")
	// least returns the least time of three logins as name with a wrong
	// password: the cost itself, without the noise of the machine.
	least := func(name string) time.Duration {
		least := time.Hour
		for range 3 {
			start := time.Now()
			newClient(t, app).PostForm("/login.py", url.Values{"name": {name}, "password": {"wrong password"}})
			least = min(least, time.Since(start))
		}
		return least
	}
	tKnown := least("ada")
	for _, name := range []string{"nobody", "ad", strings.Repeat("x", 65), ""} {
		tUnknown := least(name)
		t.Logf("unknown name %q: %v; a wrong password: %v", name, tUnknown, tKnown)
		// Both hash once; a skipped hash would take a hundredth of it.
		if tUnknown < tKnown/4 {
			t.Errorf("unknown name %q took %v, a wrong password %v: the time tells them apart", name, tUnknown, tKnown)
		}
	}
}

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		next, want string
	}{
		{"/watchlist.py", "/watchlist.py"},
		{"/stock/600519.py", "/stock/600519.py"},
		{"/center.py?sort=price", "/center.py?sort=price"},
		{"/", "/"},
		{"", "/index.py"},
		// Hostile: other sites, as a browser reads them.
		{"//evil.example", "/index.py"},
		{"//evil.example/watchlist.py", "/index.py"},
		{`/\evil.example`, "/index.py"},
		{`/\/evil.example`, "/index.py"},
		{"https://evil.example", "/index.py"},
		{"http:evil.example", "/index.py"},
		{"javascript:alert(1)", "/index.py"},
		{"evil.example", "/index.py"},
		{"/\t/evil.example", "/index.py"},     // browsers drop tabs
		{"/\n/evil.example", "/index.py"},     // and line breaks
		{"/\r\nSet-Cookie: x=1", "/index.py"}, // and a header injection
		{" //evil.example", "/index.py"},
		{"/watch list.py", "/index.py"},
		{"/caf\u00e9.py", "/index.py"},
		{"/" + strings.Repeat("a", maxNext), "/index.py"},
	} {
		if got := localPath(tt.next); got != tt.want {
			t.Errorf("localPath(%q) = %q; want %q", tt.next, got, tt.want)
		}
	}
}

// TestLoginNext: a login sent from /login.py?next=... goes back there,
// when it is a local path, and to /index.py otherwise.
func TestLoginNext(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		register(t, newClient(t, app), "ada", "correct horse")
		for _, tt := range []struct {
			next, location string
		}{
			{"/watchlist.py", "/watchlist.py"},
			{"/center.py?sort=price", "/center.py?sort=price"},
			{"", "/index.py"},
			{"//evil.com", "/index.py"},
			{`/\evil.com`, "/index.py"},
			{"https://evil.com", "/index.py"},
			{"/\t/evil.com", "/index.py"},
		} {
			// The login page carries next= in its form.
			v := newClient(t, app).NoRedirects()
			page := v.Get("/login.py?next=" + url.QueryEscape(tt.next)).Text()
			if tt.next != "" && !strings.Contains(page, `<input type="hidden" name="next" value="`+escape(tt.location)+`">`) {
				t.Errorf("next %q: the form does not carry %q:\n%s", tt.next, tt.location, page)
			}
			wantSeeOther(t, v.PostForm("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}, "next": {tt.next}}), tt.location)
			// Signed in, the login page sends the visitor on.
			wantSeeOther(t, v.Get("/login.py?next="+url.QueryEscape(tt.next)), tt.location)
		}
	})
}

// TestHashingBusy: with every hashing slot taken, a login or a
// registration whose turn is estimated to come in time waits, and gets a
// 503 after hashWait (not before) when it does not; one whose turn cannot
// come in time (a hash measured slower than the wait) gets a 503 at once,
// its Retry-After the estimate; either goes through once a slot is free.
// TestPasswordsWait checks the waits themselves, on a fake clock.
func TestHashingBusy(t *testing.T) {
	t.Parallel()
	const hashWait = 50 * time.Millisecond
	app, s, _ := testSiteWith(t, sqliteDB(t), templates, false, config{hashSlots: 2, hashWait: hashWait})
	register(t, newClient(t, app), "ada", "correct horse")
	g := s.pw.gate
	if g.slots != 2 || g.share != 4 {
		t.Fatalf("%d slots, a share of %d; want 2 and 4", g.slots, g.share)
	}
	hold := func() {
		for range 2 {
			if err := g.acquire(context.Background(), "holder"); err != nil {
				t.Fatal(err)
			}
		}
	}
	setTook := func(d time.Duration) {
		g.mu.Lock()
		g.took = d
		g.mu.Unlock()
	}
	login := url.Values{"name": {"ada"}, "password": {"correct horse"}}
	for i, target := range []string{"/login.py", "/register.py"} {
		form := login
		if target == "/register.py" {
			form = url.Values{"name": {"bob"}, "password": {"correct horse"}}
		}
		visitor := func() *frameworktest.Client {
			return frameworktest.New(t, app, frameworktest.Options{RemoteAddr: fmt.Sprintf("192.0.2.%d:1234", i+1)})
		}
		hold()
		setTook(time.Millisecond) // a turn in time, estimated
		start := time.Now()       // before the request, so before its timer
		resp := visitor().PostForm(target, form)
		if resp.Code != 503 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(resp.Text(), "The server is busy") {
			t.Errorf("%s with no slot: %d %v\n%s", target, resp.Code, resp.Header, resp.Body)
		}
		if took := time.Since(start); took < hashWait {
			t.Errorf("%s: gave up after %v; want it to wait %v", target, took, hashWait)
		}
		setTook(3 * time.Second) // no turn in time: refused at once
		resp = visitor().PostForm(target, form)
		if resp.Code != 503 || resp.Header.Get("Retry-After") != "3" || !strings.Contains(resp.Text(), "The server is busy") {
			t.Errorf("%s with no slot in time: %d %v\n%s", target, resp.Code, resp.Header, resp.Body)
		}
		// A slot free: through.
		g.release("holder")
		resp = visitor().NoRedirects().PostForm(target, form)
		if resp.Code != 303 {
			t.Errorf("%s once a slot is free: %d\n%s", target, resp.Code, resp.Body)
		}
		g.release("holder")
	}
	if g.running != 0 || len(g.clients) != 0 || len(g.ring) != 0 {
		t.Errorf("%d slots still taken, %d clients, %d waiting", g.running, len(g.clients), len(g.ring))
	}
	// The metrics' figures: the four 503s, nothing running or waiting.
	figures := map[string]float64{}
	for _, f := range app.Figures() {
		figures[f.Name] = f.Value()
	}
	if want := "map[demo_hash_gate_over_share_total:0 demo_hash_gate_refused_total:4 demo_hash_gate_running:0 demo_hash_gate_waiting:0]"; fmt.Sprint(figures) != want {
		t.Errorf("figures %v; want %s", figures, want)
	}
	// The defaults: GOMAXPROCS slots, twice that per client, 5 s.
	p, err := newPasswords(bcrypt.MinCost, 0, 0, 0)
	if err != nil || p.gate.slots < 1 || p.gate.share != max(2, 2*p.gate.slots) || p.gate.wait != 5*time.Second {
		t.Errorf("newPasswords defaults: %v slots, share %d, wait %v, %v", p.gate.slots, p.gate.share, p.gate.wait, err)
	}
	if _, err := p.hash(context.Background(), "c", strings.Repeat("x", 73)); err == nil {
		t.Error("hashing 73 bytes: no error")
	}
}

// TestPasswordsWait: with every slot taken, a request whose turn is
// estimated to come in time waits, exactly its time, then gives up with a
// 503; a slot freed or the request's end while it waits ends the wait;
// one whose turn cannot come within its time, the gate's wait or the
// context's deadline, is refused at once, its Retry-After the estimate.
// On synctest's clock, which moves only when every goroutine waits:
// exact, and at once.
func TestPasswordsWait(t *testing.T) {
	t.Parallel()
	const wait = 5 * time.Second
	for _, tt := range []struct {
		name     string
		took     time.Duration // a hash's time, measured
		deadline time.Duration // the request's, from now; 0 for none
		// end ends the wait, while acquire waits, or does nothing.
		end   func(g *hashGate, cancel context.CancelFunc)
		code  int           // the StatusError's; 0 for another answer
		want  error         // the answer when code is 0
		after time.Duration // when it comes
		retry string        // the 503's Retry-After
	}{
		{"no slot in time", time.Second, 0, func(*hashGate, context.CancelFunc) {}, 503, nil, wait, "1"},
		{"a slot freed", time.Second, 0, func(g *hashGate, _ context.CancelFunc) { g.release("holder") }, 0, nil, wait - 1, ""},
		{"the request ended", time.Second, 0, func(_ *hashGate, cancel context.CancelFunc) { cancel() }, 0, context.Canceled, wait - 1, ""},
		{"the turn cannot come in time", 6 * time.Second, 0, nil, 503, nil, 0, "6"},
		{"nor before the deadline", 2 * time.Second, time.Second, nil, 503, nil, 0, "2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := newHashGate(1, 2, wait, tt.took)
				if err := g.acquire(t.Context(), "holder"); err != nil { // the one slot
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.deadline > 0 {
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				start := time.Now()
				done := make(chan error, 1)
				go func() { done <- g.acquire(ctx, "visitor") }()
				if tt.end != nil {
					time.Sleep(wait - time.Nanosecond)
					synctest.Wait()
					select {
					case err := <-done:
						t.Fatalf("acquire with no slot: %v after %v; want it to wait %v", err, time.Since(start), wait)
					default:
					}
					tt.end(g, cancel)
				}
				err := <-done
				took := time.Since(start)
				var se *framework.StatusError
				switch {
				case tt.code != 0 && (!errors.As(err, &se) || se.Code != tt.code || se.Header.Get("Retry-After") != tt.retry):
					t.Errorf("acquire: %v, %v; want a %d, Retry-After %s", err, se, tt.code, tt.retry)
				case tt.code == 0 && !errors.Is(err, tt.want):
					t.Errorf("acquire: %v; want %v", err, tt.want)
				}
				if took != tt.after && !(tt.after == wait-1 && took == wait-time.Nanosecond) {
					t.Errorf("acquire answered after %v; want %v", took, tt.after)
				}
			})
		})
	}
}

// TestHashGateFair: the gate's slots are shared between clients in turn.
// One client over its share is refused at once (429); a client that
// comes behind another's queue is served after one of the other's, not
// after all of them; and everything is given back. On synctest's clock.
func TestHashGateFair(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		g := newHashGate(1, 4, 5*time.Second, time.Second)
		var mu sync.Mutex
		var granted, refused []string
		var wg sync.WaitGroup
		// ask sends a request of client and waits until it holds a slot,
		// waits for one, or is refused (synctest.Wait: every goroutine
		// blocked).
		ask := func(client string) {
			wg.Go(func() {
				err := g.acquire(t.Context(), client)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					refused = append(refused, client+": "+err.Error())
					return
				}
				granted = append(granted, client)
			})
			synctest.Wait()
		}
		for range 8 { // a flood: the first runs, 3 wait, 4 are refused
			ask("A")
		}
		ask("B")
		ask("C")
		// Each grant released in turn.
		for range 5 {
			mu.Lock()
			last := granted[len(granted)-1]
			mu.Unlock()
			g.release(last)
			synctest.Wait()
		}
		wg.Wait()
		g.release(granted[len(granted)-1])
		// B's turn comes after one of A's, C's after B's: not after all of
		// A's.
		if want := []string{"A", "A", "B", "C", "A", "A"}; !slices.Equal(granted, want) {
			t.Errorf("served in the order %q; want %q", granted, want)
		}
		if want := slices.Repeat([]string{"A: 429 " + msgShare}, 4); !slices.Equal(refused, want) {
			t.Errorf("refused %q; want %q", refused, want)
		}
		if g.running != 0 || len(g.clients) != 0 || len(g.ring) != 0 {
			t.Errorf("after all: %d running, %d clients, %d waiting", g.running, len(g.clients), len(g.ring))
		}
	})
}

// TestHashGateReassess: requests admitted on an estimate that the hashes
// then outrun are refused as soon as a hash ends and their turn can no
// longer come in time, not at their deadline; those whose turn still can
// wait on. On synctest's clock.
func TestHashGateReassess(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const wait = 5 * time.Second
		g := newHashGate(1, 4, wait, time.Second)
		if err := g.acquire(t.Context(), "holder"); err != nil {
			t.Fatal(err)
		}
		type answer struct {
			err error
			at  time.Duration
		}
		start := time.Now()
		answers := make([]chan answer, 4)
		for i := range answers { // estimated 1 s to 4 s: all admitted
			answers[i] = make(chan answer, 1)
			go func() {
				err := g.acquire(t.Context(), fmt.Sprint("client ", i))
				answers[i] <- answer{err, time.Since(start)}
			}()
			synctest.Wait()
		}
		time.Sleep(3 * time.Second) // the holder's hash runs long
		g.mu.Lock()
		g.took = 2 * time.Second // and the hashes turned slower
		g.mu.Unlock()
		g.release("holder")
		synctest.Wait()
		// Client 0 runs; client 1's turn comes in 2 s, at its deadline:
		// it waits; clients 2 and 3 (4 s and 6 s) cannot make it.
		for i, want := range []struct {
			code  int // 0: granted
			retry string
		}{{0, ""}, {-1, ""}, {503, "4"}, {503, "6"}} {
			if want.code < 0 {
				select {
				case a := <-answers[i]:
					t.Errorf("client %d: %v after %v; want it still waiting", i, a.err, a.at)
				default:
				}
				continue
			}
			a := <-answers[i]
			var se *framework.StatusError
			switch {
			case a.at != 3*time.Second:
				t.Errorf("client %d answered after %v; want 3s", i, a.at)
			case want.code == 0 && a.err != nil:
				t.Errorf("client %d: %v; want a slot", i, a.err)
			case want.code != 0 && (!errors.As(a.err, &se) || se.Code != want.code || se.Header.Get("Retry-After") != want.retry):
				t.Errorf("client %d: %v; want a %d, Retry-After %s", i, a.err, want.code, want.retry)
			}
		}
		g.release("client 0")
		if a := <-answers[1]; a.err != nil || a.at != 3*time.Second {
			t.Errorf("client 1: %v after %v; want a slot after 3s", a.err, a.at)
		}
		g.release("client 1")
		if g.running != 0 || len(g.clients) != 0 || len(g.ring) != 0 {
			t.Errorf("after all: %d running, %d clients, %d waiting", g.running, len(g.clients), len(g.ring))
		}
	})
}

// TestHashingBound: a flood of logins runs at most a slot's worth of
// bcrypt comparisons at once, and every login is answered.
func TestHashingBound(t *testing.T) {
	t.Parallel()
	const slots, logins = 2, 16
	// A wait only a hang reaches: every login must get its turn.
	app, s, _ := testSiteWith(t, sqliteDB(t), templates, false, config{hashSlots: slots, hashWait: hang})
	register(t, newClient(t, app), "ada", "correct horse")
	compared := countComparisons(s)
	start := make(chan struct{})
	var wg sync.WaitGroup
	statuses := make(chan int, logins)
	for i := range logins {
		password := "correct horse"
		if i%2 == 1 {
			password = "wrong password"
		}
		// A Client of its own, made without t (frameworktest.New's
		// t must be the goroutine's that calls it): a breach panics.
		// Each from an address of its own: this is about the slots, not
		// the share of an address or the throttle of logins.
		c := frameworktest.New(nil, app, frameworktest.Options{RemoteAddr: fmt.Sprintf("192.0.2.%d:1234", i+1)}).NoRedirects()
		wg.Go(func() {
			<-start
			statuses <- c.PostForm("/login.py", url.Values{"name": {"ada"}, "password": {password}}).Code
		})
	}
	close(start)
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for c := range statuses {
		got[c]++
	}
	if want := map[int]int{303: logins / 2, 403: logins / 2}; !maps.Equal(got, want) {
		t.Errorf("answers by status %v; want %v", got, want)
	}
	if n := len(compared.take()); n != logins {
		t.Errorf("%d bcrypt comparisons; want one per login, %d", n, logins)
	}
	t.Logf("at most %d comparisons at once", compared.most)
	if compared.most > slots || compared.most < 1 {
		t.Errorf("at most %d bcrypt comparisons at once; want 1 to %d, the slots", compared.most, slots)
	}
}
