package demo

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"miniweb/framework/database"
)

func TestRegister(t *testing.T) {
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

// TestLoginSameAnswer: a wrong password and an unknown name get the same
// answer, byte for byte but the name typed, in about the same time.
func TestLoginSameAnswer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		// At bcrypt's default cost, so that a skipped hash would show.
		app, _, _ := testSiteWith(t, db, templates, false, config{cost: bcrypt.DefaultCost})
		(&visitor{t: t, app: app}).register("ada", "correct horse")
		// answer returns the answer to a login as name with a wrong
		// password, and the least time of three tries: the least is the
		// cost itself, without the noise of a loaded machine.
		answer := func(name string) (string, time.Duration) {
			var out string
			least := time.Hour
			for range 3 {
				start := time.Now()
				rec := request(t, app, "POST", "/login.py", url.Values{"name": {name}, "password": {"wrong password"}}, "")
				least = min(least, time.Since(start))
				out = rec.Status + "\n" + rec.Header.Get("Content-Type") + rec.Header.Get("Set-Cookie") + "\n" +
					strings.ReplaceAll(string(rec.Body), `value="`+name+`"`, `value="NAME"`)
			}
			return out, least
		}
		known, tKnown := answer("ada")
		for _, name := range []string{"nobody", "ad", strings.Repeat("x", 65), ""} {
			unknown, tUnknown := answer(name)
			if unknown != known {
				t.Errorf("unknown name %q: the answer differs from a wrong password's:\n%s\n---\n%s", name, unknown, known)
			}
			// Both hash once; a skipped hash would take a hundredth of it.
			if tUnknown < tKnown/4 {
				t.Errorf("unknown name %q took %v, a wrong password %v: the time tells them apart", name, tUnknown, tKnown)
			}
		}
		if !strings.HasPrefix(known, "403 Forbidden\n") || !strings.Contains(known, msgWrongLogin) {
			t.Errorf("the answer:\n%s", known)
		}
	})
}

func TestLocalPath(t *testing.T) {
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

// TestHashingBusy: with every hashing slot taken, a login waits its turn,
// and after hashWait gets a 503; it goes through once a slot is free.
func TestHashingBusy(t *testing.T) {
	app, s, _ := testSiteWith(t, sqliteDB(t), templates, false, config{hashSlots: 2, hashWait: 200 * time.Millisecond})
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
		start := time.Now()
		rec := request(t, app, "POST", target, form, "")
		if rec.Code != 503 || rec.Header.Get("Retry-After") == "" || !strings.Contains(string(rec.Body), "The server is busy") {
			t.Errorf("%s with no slot: %d %v\n%s", target, rec.Code, rec.Header, rec.Body)
		}
		if took := time.Since(start); took < 200*time.Millisecond {
			t.Errorf("%s: gave up after %v; want it to wait 200ms", target, took)
		}
		// A slot freed while it waits: through.
		var wg sync.WaitGroup
		wg.Go(func() {
			time.Sleep(10 * time.Millisecond)
			<-s.pw.slots
		})
		rec = request(t, app, "POST", target, form, "")
		wg.Wait()
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
