package demo

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

func TestRegister(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)

		// A name with markup in it: registered, signed in, and shown escaped.
		v := &visitor{t: t, app: app}
		const evil = `<script>alert("x")</script> O'Brien & Sons`
		rec := v.post("/register.py", url.Values{"name": {"  " + evil + " "}, "password": {"correct horse"}})
		wantStatus(t, "register", rec, 303, "/index.py")
		body := string(v.get("/index.py").Body)
		for _, want := range []string{
			`<p class="flash flash-info" role="status">Welcome, &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; Sons: your account is ready, and you are signed in.</p>`,
			`Signed in as <strong>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; Sons</strong>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page after: lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("the script came back unescaped:\n%s", body)
		}
		// With next: back there.
		rec = (&visitor{t: t, app: app}).post("/register.py", url.Values{"name": {"bob"}, "password": {"12345678"}, "next": {"/watchlist.py"}})
		wantStatus(t, "register with next", rec, 303, "/watchlist.py")

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
			rec := request(t, app, "POST", "/register.py", tt.form, "")
			body := string(rec.Body)
			if rec.Code != 422 || !strings.Contains(body, `<p class="error" role="alert">`) || !strings.Contains(body, escape(tt.want)) || rec.Header.Get("Set-Cookie") != "" {
				t.Errorf("%s: %d, want 422 and %q\n%s", tt.name, rec.Code, tt.want, body)
			}
			if pw := tt.form.Get("password"); pw != "" && strings.Contains(body, pw) {
				t.Errorf("%s: the password came back in the page", tt.name)
			}
		}
		// The longest name and password pass.
		rec = request(t, app, "POST", "/register.py", url.Values{"name": {strings.Repeat("é", 64)}, "password": {strings.Repeat("p", 72)}}, "")
		wantStatus(t, "longest name and password", rec, 303, "/index.py")
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
		(&visitor{t: t, app: app}).register("ada", password)
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
		(&visitor{t: t, app: app}).register("ada", "correct horse")

		// Wrong password: the form again, with the name kept and escaped.
		rec := request(t, app, "POST", "/login.py", url.Values{"name": {`ada"><b>`}, "password": {"nope"}}, "")
		if rec.Code != 403 || !strings.Contains(string(rec.Body), "Wrong name or password.") ||
			!strings.Contains(string(rec.Body), `value="ada&quot;&gt;&lt;b&gt;"`) || rec.Header.Get("Set-Cookie") != "" {
			t.Fatalf("wrong password: %d %v\n%s", rec.Code, rec.Header, rec.Body)
		}
		for _, pw := range []string{"correct horse ", "Correct horse", "correct hors", "", "correct horse" + strings.Repeat("x", 100)} {
			if rec := request(t, app, "POST", "/login.py", url.Values{"name": {"ada"}, "password": {pw}}, ""); rec.Code != 403 {
				t.Errorf("password %q: %d", pw, rec.Code)
			}
		}
		if rec := request(t, app, "POST", "/login.py", url.Values{"name": {"Ada"}, "password": {"correct horse"}}, ""); rec.Code != 403 {
			t.Errorf("the name in another case: %d; names are as typed", rec.Code)
		}

		// Right: a session cookie, a redirect, and a flash on the next page.
		v := &visitor{t: t, app: app}
		rec = v.post("/login.py", url.Values{"name": {" ada "}, "password": {"correct horse"}})
		wantStatus(t, "login", rec, 303, "/index.py")
		if body := string(v.get("/index.py").Body); !strings.Contains(body, "Welcome back, ada") || !strings.Contains(body, "Signed in as <strong>ada</strong>") ||
			!strings.Contains(body, `<p class="flash flash-info" role="status">Signed in as ada.</p>`) {
			t.Errorf("signed-in home page:\n%s", body)
		}
		if body := string(v.get("/about.py").Body); strings.Contains(body, "flash") || !strings.Contains(body, "Signed in as") {
			t.Errorf("the next page shows the flash again, or forgot the user:\n%s", body)
		}
		if rec := v.get("/login.py"); rec.Code != 303 {
			t.Errorf("login page when signed in: %d", rec.Code)
		}
		// The error pages know the user too.
		if body := string(v.get("/nosuch.py").Body); !strings.Contains(body, "Signed in as <strong>ada</strong>") {
			t.Errorf("404 page, signed in:\n%s", body)
		}
		// A forged or foreign cookie is nobody.
		for _, c := range []string{"miniweb_session=" + strings.Repeat("A", 60), "miniweb_session=x", "other=" + strings.TrimPrefix(v.cookie, "miniweb_session=")} {
			if body := string(request(t, app, "GET", "/index.py", nil, c).Body); strings.Contains(body, "Signed in") {
				t.Errorf("cookie %q signs in", c)
			}
		}

		// Log out: signed out, with a flash.
		wantStatus(t, "logout", v.post("/logout.py", nil), 303, "/index.py")
		if body := string(v.get("/index.py").Body); strings.Contains(body, "Signed in as") || !strings.Contains(body, "Signed out. See you soon.") {
			t.Errorf("after logout:\n%s", body)
		}
		if rec := v.get("/watchlist.py"); rec.Code != 303 {
			t.Errorf("the watch list after logout: %d", rec.Code)
		}
	})
}

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
		(&visitor{t: t, app: app}).register("ada", "correct horse")
		compared := countComparisons(s)
		// answer returns the answer to a login as name with password,
		// and the costs of the bcrypt comparisons it made.
		answer := func(name, password string) (string, []int) {
			rec := request(t, app, "POST", "/login.py", url.Values{"name": {name}, "password": {password}}, "")
			out := rec.Status + "\n" + rec.Header.Get("Content-Type") + rec.Header.Get("Set-Cookie") + "\n" +
				strings.ReplaceAll(string(rec.Body), `value="`+name+`"`, `value="NAME"`)
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
	(&visitor{t: t, app: app}).register("ada", "correct horse")
	// least returns the least time of three logins as name with a wrong
	// password: the cost itself, without the noise of the machine.
	least := func(name string) time.Duration {
		least := time.Hour
		for range 3 {
			start := time.Now()
			request(t, app, "POST", "/login.py", url.Values{"name": {name}, "password": {"wrong password"}}, "")
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
		(&visitor{t: t, app: app}).register("ada", "correct horse")
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
			v := &visitor{t: t, app: app}
			page := string(v.get("/login.py?next=" + url.QueryEscape(tt.next)).Body)
			if tt.next != "" && !strings.Contains(page, `<input type="hidden" name="next" value="`+escape(tt.location)+`">`) {
				t.Errorf("next %q: the form does not carry %q:\n%s", tt.next, tt.location, page)
			}
			rec := v.post("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}, "next": {tt.next}})
			wantStatus(t, "login with next "+tt.next, rec, 303, tt.location)
			// Signed in, the login page sends the visitor on.
			wantStatus(t, "login page, signed in, next "+tt.next, v.get("/login.py?next="+url.QueryEscape(tt.next)), 303, tt.location)
		}
	})
}

// TestHashingBusy: with every hashing slot taken, a login or a
// registration gets a 503 after hashWait (not before); it goes through
// once a slot is free. TestPasswordsWait checks the wait itself, on a
// fake clock.
func TestHashingBusy(t *testing.T) {
	t.Parallel()
	const hashWait = 50 * time.Millisecond
	app, s, _ := testSiteWith(t, sqliteDB(t), templates, false, config{hashSlots: 2, hashWait: hashWait})
	(&visitor{t: t, app: app}).register("ada", "correct horse")
	if cap(s.pw.slots) != 2 {
		t.Fatalf("%d slots; want 2", cap(s.pw.slots))
	}
	login := url.Values{"name": {"ada"}, "password": {"correct horse"}}
	for _, target := range []string{"/login.py", "/register.py"} {
		s.pw.slots <- struct{}{}
		s.pw.slots <- struct{}{}
		form := login
		if target == "/register.py" {
			form = url.Values{"name": {"bob"}, "password": {"correct horse"}}
		}
		start := time.Now() // before the request, so before its timer
		rec := request(t, app, "POST", target, form, "")
		if rec.Code != 503 || rec.Header.Get("Retry-After") == "" || !strings.Contains(string(rec.Body), "The server is busy") {
			t.Errorf("%s with no slot: %d %v\n%s", target, rec.Code, rec.Header, rec.Body)
		}
		if took := time.Since(start); took < hashWait {
			t.Errorf("%s: gave up after %v; want it to wait %v", target, took, hashWait)
		}
		// A slot free: through.
		<-s.pw.slots
		rec = request(t, app, "POST", target, form, "")
		if rec.Code != 303 {
			t.Errorf("%s once a slot is free: %d\n%s", target, rec.Code, rec.Body)
		}
		<-s.pw.slots
	}
	if n := len(s.pw.slots); n != 0 {
		t.Errorf("%d slots still taken", n)
	}
	// The default: GOMAXPROCS slots.
	p, err := newPasswords(bcrypt.MinCost, 0, 0)
	if err != nil || cap(p.slots) < 1 || p.wait != 5*time.Second {
		t.Errorf("newPasswords defaults: %v slots, wait %v, %v", cap(p.slots), p.wait, err)
	}
	if _, err := p.hash(context.Background(), strings.Repeat("x", 73)); err == nil {
		t.Error("hashing 73 bytes: no error")
	}
}

// TestPasswordsWait: with every slot taken, acquire waits exactly its wait,
// then gives up with errBusy; a slot freed or the request's end while it
// waits ends the wait. On synctest's clock, which moves only when every
// goroutine waits: exact, and at once.
func TestPasswordsWait(t *testing.T) {
	t.Parallel()
	const wait = 5 * time.Second
	for _, tt := range []struct {
		name string
		// end ends the wait, while acquire waits, or does nothing.
		end  func(p *passwords, cancel context.CancelFunc)
		want error
	}{
		{"no slot in time", func(*passwords, context.CancelFunc) {}, errBusy},
		{"a slot freed", func(p *passwords, _ context.CancelFunc) { p.release() }, nil},
		{"the request ended", func(_ *passwords, cancel context.CancelFunc) { cancel() }, context.Canceled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, err := newPasswords(bcrypt.MinCost, 1, wait)
				if err != nil {
					t.Fatal(err)
				}
				if err := p.acquire(t.Context()); err != nil { // the one slot
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				start := time.Now()
				done := make(chan error, 1)
				go func() { done <- p.acquire(ctx) }()
				time.Sleep(wait - time.Nanosecond)
				synctest.Wait()
				select {
				case err := <-done:
					t.Fatalf("acquire with no slot: %v after %v; want it to wait %v", err, time.Since(start), wait)
				default:
				}
				tt.end(p, cancel)
				err = <-done
				took := time.Since(start)
				if !errors.Is(err, tt.want) || (tt.want == errBusy) != (took == wait) {
					t.Errorf("acquire: %v after %v; want %v, after %v only for errBusy", err, took, tt.want, wait)
				}
			})
		})
	}
}

// TestHashingBound: a flood of logins runs at most a slot's worth of
// bcrypt comparisons at once, and every login is answered.
func TestHashingBound(t *testing.T) {
	t.Parallel()
	const slots, logins = 2, 16
	// A wait only a hang reaches: every login must get its turn.
	app, s, _ := testSiteWith(t, sqliteDB(t), templates, false, config{hashSlots: slots, hashWait: hang})
	(&visitor{t: t, app: app}).register("ada", "correct horse")
	compared := countComparisons(s)
	start := make(chan struct{})
	var wg sync.WaitGroup
	statuses := make(chan int, logins)
	for i := range logins {
		password := "correct horse"
		if i%2 == 1 {
			password = "wrong password"
		}
		wg.Go(func() {
			<-start
			rec, err := gatewaytest.Record(app, newRequest("POST", "/login.py", url.Values{"name": {"ada"}, "password": {password}}, ""))
			if err != nil {
				t.Errorf("login: %v", err)
				statuses <- 0
				return
			}
			statuses <- rec.Code
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
