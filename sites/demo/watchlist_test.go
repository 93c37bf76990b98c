package demo

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework/database"
)

// TestWatchlistAnonymous: a visitor's every watch-list request is a 303 to
// the login page, which comes back: to the page itself for a GET, to the
// watch list after a POST. Nothing is written.
func TestWatchlistAnonymous(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		for _, tt := range []struct {
			method, target string
		}{
			{"GET", "/watchlist.py"},
			{"HEAD", "/watchlist.py"},
			{"POST", "/add/600519.py"},
			{"POST", "/del/600519.py"},
			{"POST", "/update/600519.py"},
			{"POST", "/add/999999.py"}, // the login first, even for an unknown code
		} {
			v := &visitor{t: t, app: app}
			rec := v.do(tt.method, tt.target, url.Values{"note": {"x"}})
			wantStatus(t, tt.method+" "+tt.target, rec, 303, "/login.py?next=%2Fwatchlist.py")
			if got := v.flashes("/login.py?next=%2Fwatchlist.py"); len(got) != 1 || !strings.Contains(got[0], "Please log in to use your watch list.") {
				t.Errorf("%s %s: flashes %q", tt.method, tt.target, got)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM watchlist"); n != 0 {
			t.Errorf("%d watch-list rows; want none", n)
		}
		// Logging in from there comes back to the watch list.
		(&visitor{t: t, app: app}).register("ada", "correct horse")
		v := &visitor{t: t, app: app}
		rec := v.post("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}, "next": {"/watchlist.py"}})
		wantStatus(t, "login", rec, 303, "/watchlist.py")
		if rec := v.get("/watchlist.py"); rec.Code != 200 || !strings.Contains(string(rec.Body), "You follow no stocks yet") {
			t.Errorf("the empty watch list: %d\n%s", rec.Code, rec.Body)
		}
	})
}

// count returns the single number query gives.
func count(t testing.TB, db *database.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(db.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestWatchlist(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		// Another user, whose list must not change.
		bob := &visitor{t: t, app: app}
		bob.register("bob", "bob's password")
		bob.post("/add/600519.py", nil)
		bob.post("/update/600519.py", url.Values{"note": {"bob's note"}})

		ada := &visitor{t: t, app: app}
		ada.register("ada", "correct horse")
		ada.flashes("/index.py") // the welcome
		steps := []struct {
			name   string
			target string
			form   url.Values
			code   int        // the status
			flash  string     // the flash on the watch list after it; "" for none
			rows   []watchRow // ada's list after it
		}{
			{"follow", "/add/600519.py", nil, 303, "Now following Kweichow Moutai (600519).",
				[]watchRow{{"600519", ""}}},
			{"follow again", "/add/600519.py", nil, 303, "You already follow Kweichow Moutai (600519).",
				[]watchRow{{"600519", ""}}},
			{"follow another", "/add/300750.py", nil, 303, "Now following CATL (300750).",
				[]watchRow{{"300750", ""}, {"600519", ""}}},
			{"note", "/update/600519.py", url.Values{"note": {"  buy <b>low</b> & \"hold\"  "}}, 303, "Note on Kweichow Moutai (600519) saved.",
				[]watchRow{{"300750", ""}, {"600519", `buy <b>low</b> & "hold"`}}},
			{"follow again keeps the note", "/add/600519.py", nil, 303, "You already follow Kweichow Moutai (600519).",
				[]watchRow{{"300750", ""}, {"600519", `buy <b>low</b> & "hold"`}}},
			{"note of 500 characters", "/update/300750.py", url.Values{"note": {strings.Repeat("é", 500)}}, 303, "Note on CATL (300750) saved.",
				[]watchRow{{"300750", strings.Repeat("é", 500)}, {"600519", `buy <b>low</b> & "hold"`}}},
			{"note too long", "/update/600519.py", url.Values{"note": {strings.Repeat("x", 501)}}, 422, "",
				[]watchRow{{"300750", strings.Repeat("é", 500)}, {"600519", `buy <b>low</b> & "hold"`}}},
			{"note removed", "/update/300750.py", url.Values{"note": {"   "}}, 303, "Note on CATL (300750) removed.",
				[]watchRow{{"300750", ""}, {"600519", `buy <b>low</b> & "hold"`}}},
			{"unfollow", "/del/300750.py", nil, 303, "Unfollowed CATL (300750).",
				[]watchRow{{"600519", `buy <b>low</b> & "hold"`}}},
			{"unfollow again", "/del/300750.py", nil, 303, "CATL (300750) was not on your watch list.",
				[]watchRow{{"600519", `buy <b>low</b> & "hold"`}}},
			{"note on a stock not followed", "/update/300750.py", url.Values{"note": {"x"}}, 303, "Follow CATL (300750) first to keep a note on it.",
				[]watchRow{{"600519", `buy <b>low</b> & "hold"`}}},
			{"follow unknown", "/add/999999.py", nil, 404, "", nil},
			{"unfollow unknown", "/del/999999.py", nil, 404, "", nil},
			{"note on unknown", "/update/999999.py", url.Values{"note": {"x"}}, 404, "", nil},
			{"follow a code too long", "/add/" + strings.Repeat("6", 40) + ".py", nil, 404, "", nil},
			{"follow a code with a space", "/add/600519%20.py", nil, 404, "", nil},
			{"follow a code in another case", "/add/t00.py", nil, 404, "", nil},
		}
		for _, st := range steps {
			rec := ada.post(st.target, st.form)
			switch st.code {
			case 303:
				wantStatus(t, st.name, rec, 303, "/watchlist.py")
			default:
				if rec.Code != st.code {
					t.Errorf("%s: %d; want %d\n%s", st.name, rec.Code, st.code, rec.Body)
				}
			}
			if st.code == 404 && !strings.Contains(string(rec.Body), "There is no stock with that code.") {
				t.Errorf("%s: the 404 page:\n%s", st.name, rec.Body)
			}
			page := ada.get("/watchlist.py")
			flashes := flashRE.FindAllString(string(page.Body), -1)
			switch {
			case st.flash == "" && len(flashes) != 0:
				t.Errorf("%s: flashes %q; want none", st.name, flashes)
			case st.flash != "" && (len(flashes) != 1 || !strings.Contains(flashes[0], escape(st.flash))):
				t.Errorf("%s: flashes %q; want %q", st.name, flashes, st.flash)
			}
			if st.rows != nil {
				if got := watchRows(page.Body); !reflect.DeepEqual(got, st.rows) {
					t.Errorf("%s: rows %q; want %q", st.name, got, st.rows)
				}
			}
		}
		if got, want := watchRows(bob.get("/watchlist.py").Body), []watchRow{{"600519", "bob's note"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("bob's list: %q; want %q", got, want)
		}
	})
}

// TestNoteTooLong: the 422 page is the watch list with the message, and
// the note as typed in its row's form; the stored note is unchanged.
func TestNoteTooLong(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		v := &visitor{t: t, app: app}
		v.register("ada", "correct horse")
		v.post("/add/600519.py", nil)
		v.post("/add/000001.py", nil)
		v.post("/update/600519.py", url.Values{"note": {"kept"}})
		v.flashes("/watchlist.py")
		typed := strings.Repeat("<é>", 167) // 501 characters
		rec := v.post("/update/600519.py", url.Values{"note": {typed}})
		body := string(rec.Body)
		if rec.Code != 422 || !strings.Contains(body, `<p class="error" role="alert">A note is at most 500 characters.</p>`) ||
			!strings.Contains(body, "<title>Watch list · miniweb</title>") {
			t.Fatalf("note too long: %d\n%s", rec.Code, body)
		}
		if got, want := watchRows(rec.Body), []watchRow{{"000001", ""}, {"600519", typed}}; !reflect.DeepEqual(got, want) {
			t.Errorf("the 422 page's rows: %q; want %q", got, want)
		}
		if !strings.Contains(body, `maxlength="500" aria-label="Note on Kweichow Moutai" aria-invalid="true">`) {
			t.Errorf("the refused note's field is not marked invalid:\n%s", body)
		}
		if n := strings.Count(body, `aria-invalid`); n != 1 {
			t.Errorf("%d fields marked invalid; want 1", n)
		}
		if got := watchRows(v.get("/watchlist.py").Body); !reflect.DeepEqual(got, []watchRow{{"000001", ""}, {"600519", "kept"}}) {
			t.Errorf("stored after the 422: %q", got)
		}
	})
}

// TestStaleSession: a session whose user is gone (the database was reset)
// is signed out by the watch list, even when a new user got the same id.
func TestStaleSession(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		ada := &visitor{t: t, app: app}
		ada.register("ada", "correct horse")
		if _, err := db.Exec(db.Rebind("DELETE FROM users WHERE name = ?"), "ada"); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "watch list of a deleted user", ada.get("/watchlist.py"), 303, "/login.py?next=%2Fwatchlist.py")
		if got := ada.flashes("/index.py"); len(got) != 1 || !strings.Contains(got[0], "no longer known") {
			t.Errorf("flashes %q", got)
		}
		if ada.cookie != "" {
			// The flash was shown: the session is empty, and its cookie gone.
			t.Errorf("cookie %q left", ada.cookie)
		}
		// A session whose id is now another user's.
		eve := &visitor{t: t, app: app}
		eve.register("eve", "correct horse")
		var id int64
		if err := db.QueryRow(db.Rebind("SELECT id FROM users WHERE name = ?"), "eve").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(db.Rebind("UPDATE users SET name = ? WHERE id = ?"), "mallory", id); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "follow as a renamed user", eve.post("/add/600519.py", nil), 303, "/login.py?next=%2Fwatchlist.py")
		if n := count(t, db, "SELECT COUNT(*) FROM watchlist"); n != 0 {
			t.Errorf("%d rows written by a stale session", n)
		}
	})
}
