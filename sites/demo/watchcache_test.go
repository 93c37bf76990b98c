package demo

import (
	"context"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework/database"
)

// TestWatchCopy: the watch list is read once while nothing changes it,
// and a change made by another instance (another pool on the same
// database, as another process's) or by a tool's SQL shows on the next
// page: a follow, a note, a list emptied. The session is still checked
// on every page: a logout and a rename on the other instance end it here.
func TestWatchCopy(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			dbURL := b.url(t)
			db := openDB(t, dbURL, database.Options{})
			other, err := database.Open(context.Background(), dbURL, "", database.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			app, s, _ := testSite(t, db, templates, false)
			app2, _, _ := testSite(t, other, templates, false)
			exec := func(query string, args ...any) {
				t.Helper()
				if _, err := other.Exec(other.Rebind(query), args...); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			}
			loads := func() int64 { return s.store.watches.loads.Load() }
			// want checks the list ada's client v sees, and the reads of
			// lists this instance has made so far.
			v := newClient(t, app)
			want := func(rows []watchRow, n int64) {
				t.Helper()
				if got := watchRows(v.Get("/watchlist.py").Body); !reflect.DeepEqual(got, rows) {
					t.Errorf("the list: %q; want %q", got, rows)
				}
				if got := loads(); got != n {
					t.Errorf("%d reads of the list; want %d", got, n)
				}
			}

			register(t, v, "ada", "correct horse")
			wantSeeOther(t, v.PostForm("/add/600519.py", nil), "/watchlist.py")
			want([]watchRow{{"600519", ""}}, 1)
			want([]watchRow{{"600519", ""}}, 1) // from memory
			want([]watchRow{{"600519", ""}}, 1)

			// Ada on the other instance, with the same cookie.
			cookie, _ := v.Cookie("miniweb_session")
			v2 := newClient(t, app2)
			v2.SetCookie("miniweb_session", cookie)
			wantSeeOther(t, v2.PostForm("/add/000001.py", nil), "/watchlist.py")
			want([]watchRow{{"000001", ""}, {"600519", ""}}, 2)
			wantSeeOther(t, v2.PostForm("/update/600519.py", url.Values{"note": {"from the other"}}), "/watchlist.py")
			want([]watchRow{{"000001", ""}, {"600519", "from the other"}}, 3)
			want([]watchRow{{"000001", ""}, {"600519", "from the other"}}, 3)

			// A tool's SQL.
			var id int64
			if err := other.QueryRow(other.Rebind("SELECT id FROM users WHERE name = ?"), "ada").Scan(&id); err != nil {
				t.Fatal(err)
			}
			exec("UPDATE watchlist SET note = ? WHERE user_id = ? AND code = ?", "by a tool", id, "000001")
			want([]watchRow{{"000001", "by a tool"}, {"600519", "from the other"}}, 4)
			exec("DELETE FROM watchlist WHERE user_id = ?", id)
			want(nil, 5)

			// The session ends here when it ends there.
			wantSeeOther(t, v2.PostForm("/add/600036.py", nil), "/watchlist.py")
			want([]watchRow{{"600036", ""}}, 6)
			wantSeeOther(t, v2.PostForm("/logout.py", nil), "/index.py")
			wantSeeOther(t, v.Get("/watchlist.py"), "/login.py?next=%2Fwatchlist.py")

			// A rename too, with the list unchanged since it was read.
			bob := newClient(t, app)
			register(t, bob, "bob", "correct horse")
			wantSeeOther(t, bob.PostForm("/add/600519.py", nil), "/watchlist.py")
			if got := watchRows(bob.Get("/watchlist.py").Body); !reflect.DeepEqual(got, []watchRow{{"600519", ""}}) {
				t.Fatalf("bob's list: %q", got)
			}
			exec("UPDATE users SET name = ? WHERE name = ?", "robert", "bob")
			resp := bob.Get("/watchlist.py")
			wantSeeOther(t, resp, "/login.py?next=%2Fwatchlist.py")
			if strings.Contains(resp.Text(), "600519") {
				t.Errorf("a renamed user's old session sees the list:\n%s", resp.Text())
			}
		})
	}
}

// TestWatchCacheBudget: the copies stay within their budget; a new one
// pushes out others, a user's new copy replaces its old one, and one over
// the budget is not kept (nor the user's old one, of an older tag).
func TestWatchCacheBudget(t *testing.T) {
	t.Parallel()
	list := func(n int) []followed {
		var l []followed
		for i := range n {
			l = append(l, followed{strconv.Itoa(600000 + i), strings.Repeat("n", 100)})
		}
		return l
	}
	one := newWatchCopy(1, list(1)).size
	c := newWatchCache(3 * one)
	for id := range int64(10) {
		c.put(id, newWatchCopy(id+1, list(1)))
		if _, ok := c.get(id, id+1); !ok {
			t.Fatalf("user %d's copy is not kept", id)
		}
		if c.bytes > c.budget || len(c.copies) > 3 {
			t.Fatalf("after %d copies: %d copies, %d bytes; budget %d", id+1, len(c.copies), c.bytes, c.budget)
		}
	}
	if _, ok := c.get(9, 1); ok {
		t.Error("a copy served for a tag it is not of")
	}
	c.put(9, newWatchCopy(20, list(1)))
	if _, ok := c.get(9, 10); ok {
		t.Error("a user's old copy served after a new one")
	}
	c.put(9, newWatchCopy(21, list(4))) // over the budget
	if _, ok := c.get(9, 21); ok {
		t.Error("a copy over the budget is kept")
	}
	if _, ok := c.get(9, 20); ok {
		t.Error("the older copy stays when a newer one is over the budget")
	}
	sum := 0
	for _, w := range c.copies {
		sum += w.size
	}
	if sum != c.bytes {
		t.Errorf("the copies have %d bytes, counted %d", sum, c.bytes)
	}
}
