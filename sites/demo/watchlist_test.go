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
			t.Run(tt.method+" "+tt.target, func(t *testing.T) {
				v := newClient(t, app).NoRedirects()
				resp := v.Do(tt.method, tt.target, strings.NewReader("note=x"), "Content-Type", "application/x-www-form-urlencoded")
				wantSeeOther(t, resp, "/login.py?next=%2Fwatchlist.py")
				wantFlash(t, v.Get("/login.py?next=%2Fwatchlist.py"), "info", "Please log in to use your watch list.")
			})
		}
		if n := count(t, db, "SELECT COUNT(*) FROM watchlist"); n != 0 {
			t.Errorf("%d watch-list rows; want none", n)
		}
		// Logging in from there comes back to the watch list.
		register(t, newClient(t, app), "ada", "correct horse")
		resp := newClient(t, app).PostForm("/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}, "next": {"/watchlist.py"}})
		wantSeeOther(t, resp, "/watchlist.py")
		resp.WantStatus(t, 200)
		resp.WantContains(t, "You follow no stocks yet")
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
		bob := newClient(t, app)
		register(t, bob, "bob", "bob's password")
		bob.PostForm("/add/600519.py", nil)
		bob.PostForm("/update/600519.py", url.Values{"note": {"bob's note"}})

		ada := newClient(t, app)
		register(t, ada, "ada", "correct horse")
		steps := []struct {
			name   string
			target string
			form   url.Values
			code   int        // the status
			kind   string     // the kind of the flash on the watch list after it
			flash  string     // its message; "" for none
			rows   []watchRow // ada's list after it
		}{
			{"follow", "/add/600519.py", nil, 303, "info", "Now following Kweichow Moutai (600519).",
				[]watchRow{{"600519", ""}}},
			{"follow again", "/add/600519.py", nil, 303, "info", "You already follow Kweichow Moutai (600519).",
				[]watchRow{{"600519", ""}}},
			{"follow another", "/add/300750.py", nil, 303, "info", "Now following CATL (300750).",
				[]watchRow{{"300750", ""}, {"600519", ""}}},
			{"note", "/update/600519.py", url.Values{"note": {"  buy <b>low</b> & \"hold\"  "}}, 303, "info", "Note on Kweichow Moutai (600519) saved.",
				[]watchRow{{"300750", ""}, {"600519", `buy <b>low</b> & "hold"`}}},
			{"follow again keeps the note", "/add/600519.py", nil, 303, "info", "You already follow Kweichow Moutai (600519).",
				[]watchRow{{"300750", ""}, {"600519", `buy <b>low</b> & "hold"`}}},
			{"note of 500 characters", "/update/300750.py", url.Values{"note": {strings.Repeat("é", 500)}}, 303, "info", "Note on CATL (300750) saved.",
				[]watchRow{{"300750", strings.Repeat("é", 500)}, {"600519", `buy <b>low</b> & "hold"`}}},
			{"note too long", "/update/600519.py", url.Values{"note": {strings.Repeat("x", 501)}}, 422, "", "",
				[]watchRow{{"300750", strings.Repeat("é", 500)}, {"600519", `buy <b>low</b> & "hold"`}}},
			{"note removed", "/update/300750.py", url.Values{"note": {"   "}}, 303, "info", "Note on CATL (300750) removed.",
				[]watchRow{{"300750", ""}, {"600519", `buy <b>low</b> & "hold"`}}},
			{"unfollow", "/del/300750.py", nil, 303, "info", "Unfollowed CATL (300750).",
				[]watchRow{{"600519", `buy <b>low</b> & "hold"`}}},
			{"unfollow again", "/del/300750.py", nil, 303, "info", "CATL (300750) was not on your watch list.",
				[]watchRow{{"600519", `buy <b>low</b> & "hold"`}}},
			{"note on a stock not followed", "/update/300750.py", url.Values{"note": {"x"}}, 303, "error", "Follow CATL (300750) first to keep a note on it.",
				[]watchRow{{"600519", `buy <b>low</b> & "hold"`}}},
			{"follow unknown", "/add/999999.py", nil, 404, "", "", nil},
			{"unfollow unknown", "/del/999999.py", nil, 404, "", "", nil},
			{"note on unknown", "/update/999999.py", url.Values{"note": {"x"}}, 404, "", "", nil},
			{"follow a code too long", "/add/" + strings.Repeat("6", 40) + ".py", nil, 404, "", "", nil},
			{"follow a code with a space", "/add/600519%20.py", nil, 404, "", "", nil},
			{"follow a code in another case", "/add/t00.py", nil, 404, "", "", nil},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				page := ada.PostForm(st.target, st.form) // the watch list after a 303
				switch st.code {
				case 303:
					wantSeeOther(t, page, "/watchlist.py")
				default:
					if page.Code != st.code {
						t.Errorf("%d; want %d\n%s", page.Code, st.code, page.Body)
					}
					if st.code == 404 && !strings.Contains(page.Text(), "There is no stock with that code.") {
						t.Errorf("the 404 page:\n%s", page.Body)
					}
					page = ada.Get("/watchlist.py")
				}
				wantFlash(t, page, st.kind, st.flash)
				if st.rows != nil {
					if got := watchRows(page.Body); !reflect.DeepEqual(got, st.rows) {
						t.Errorf("rows %q; want %q", got, st.rows)
					}
				}
			})
		}
		if got, want := watchRows(bob.Get("/watchlist.py").Body), []watchRow{{"600519", "bob's note"}}; !reflect.DeepEqual(got, want) {
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
		v := newClient(t, app)
		register(t, v, "ada", "correct horse")
		v.PostForm("/add/600519.py", nil)
		v.PostForm("/add/000001.py", nil)
		v.PostForm("/update/600519.py", url.Values{"note": {"kept"}})
		typed := strings.Repeat("<é>", 167) // 501 characters
		resp := v.PostForm("/update/600519.py", url.Values{"note": {typed}})
		resp.WantStatus(t, 422)
		resp.WantContains(t, `<p class="error" role="alert">A note is at most 500 characters.</p>`, "<title>Watch list · miniweb</title>")
		body := resp.Text()
		if got, want := watchRows(resp.Body), []watchRow{{"000001", ""}, {"600519", typed}}; !reflect.DeepEqual(got, want) {
			t.Errorf("the 422 page's rows: %q; want %q", got, want)
		}
		if !strings.Contains(body, `maxlength="500" aria-label="Note on Kweichow Moutai" aria-invalid="true">`) {
			t.Errorf("the refused note's field is not marked invalid:\n%s", body)
		}
		if n := strings.Count(body, `aria-invalid`); n != 1 {
			t.Errorf("%d fields marked invalid; want 1", n)
		}
		page := v.Get("/watchlist.py")
		if got := watchRows(page.Body); !reflect.DeepEqual(got, []watchRow{{"000001", ""}, {"600519", "kept"}}) {
			t.Errorf("stored after the 422: %q", got)
		}
		// The stocks' names and prices, from the market in memory.
		page.WantContains(t, `<td><a href="/stock/600519.py">600519</a></td><td>Kweichow Moutai</td><td class="num">1688.50</td>`,
			`<td><a href="/stock/000001.py">000001</a></td><td>Ping An Bank</td><td class="num">11.23</td>`)
	})
}

// TestStaleSession: a session whose user is gone (the database was reset)
// is signed out by the watch list, even when a new user got the same id.
func TestStaleSession(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		app, _, _ := testSite(t, db, templates, false)
		ada := newClient(t, app)
		register(t, ada, "ada", "correct horse")
		if _, err := db.Exec(db.Rebind("DELETE FROM users WHERE name = ?"), "ada"); err != nil {
			t.Fatal(err)
		}
		resp := ada.Get("/watchlist.py")
		wantSeeOther(t, resp, "/login.py?next=%2Fwatchlist.py")
		wantFlash(t, resp, "error", "Your account is no longer known here; please log in again.")
		if c, ok := ada.Cookie("miniweb_session"); ok {
			// The flash was shown: the session is empty, and its cookie gone.
			t.Errorf("cookie %q left", c)
		}
		// A session whose id is now another user's.
		eve := newClient(t, app)
		register(t, eve, "eve", "correct horse")
		var id int64
		if err := db.QueryRow(db.Rebind("SELECT id FROM users WHERE name = ?"), "eve").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(db.Rebind("UPDATE users SET name = ? WHERE id = ?"), "mallory", id); err != nil {
			t.Fatal(err)
		}
		wantSeeOther(t, eve.PostForm("/add/600519.py", nil), "/login.py?next=%2Fwatchlist.py")
		if n := count(t, db, "SELECT COUNT(*) FROM watchlist"); n != 0 {
			t.Errorf("%d rows written by a stale session", n)
		}
	})
}
