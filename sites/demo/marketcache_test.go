package demo

import (
	"context"
	"testing"

	"github.com/miniweb/miniweb/framework/database"
)

// TestMarketCopy: the market pages read the stocks once while nothing
// changes them, and a change made by another instance (another pool on the
// same database, as another process's) shows on the next page, on both
// instances: a renamed stock, a new one (its page found), a removed one
// (its page a 404 again), a new price on the watch list. A follow, which
// is not the market's, shows at once too.
func TestMarketCopy(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			url := b.url(t)
			db := openDB(t, url, database.Options{})
			other, err := database.Open(context.Background(), url, "", database.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			app, s, _ := testSite(t, db, templates, false)
			app2, s2, _ := testSite(t, other, templates, false)
			v, v2 := newClient(t, app), newClient(t, app2)
			exec := func(query string, args ...any) {
				t.Helper()
				if _, err := other.Exec(other.Rebind(query), args...); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			}
			loads := func() int64 { return s.store.cache.loads.Load() }

			v.Get("/center.py?sort=name").WantContains(t, "Kweichow Moutai", "7 stocks")
			v.Get("/stock/600519.py").WantContains(t, "Kweichow Moutai")
			if n := loads(); n != 2 { // each order once
				t.Errorf("%d reads of the stocks for two pages in two orders; want 2", n)
			}
			v.Get("/center.py?sort=name").WantContains(t, "Kweichow Moutai")
			v.Get("/stock/600519.py").WantContains(t, "Kweichow Moutai")
			v.Get("/center.py").WantContains(t, "Kweichow Moutai")
			if n := loads(); n != 2 {
				t.Errorf("%d reads of the stocks after three more pages of an unchanged market; want still 2", n)
			}

			exec("UPDATE stocks SET name = ? WHERE code = ?", "Moutai Renamed", "600519")
			v.Get("/center.py").WantContains(t, "Moutai Renamed")
			v.Get("/stock/600519.py").WantContains(t, "<title>Moutai Renamed · miniweb</title>")
			v2.Get("/center.py").WantContains(t, "Moutai Renamed")

			exec("INSERT INTO stocks (code, name, industry, price, change_pct, about) VALUES (?, ?, ?, ?, ?, ?)",
				"688981", "SMIC", "Semiconductors", 45.5, 2.1, "A chip foundry.")
			v.Get("/center.py").WantContains(t, "SMIC", "8 stocks")
			v.Get("/stock/688981.py").WantContains(t, "<title>SMIC · miniweb</title>")
			v.Get("/index.py").WantContains(t, "8 stocks")

			exec("DELETE FROM stocks WHERE code = ?", "688981")
			v.Get("/stock/688981.py").WantStatus(t, 404)
			v.Get("/center.py").WantContains(t, "7 stocks")

			// A follow on the other instance shows on this one's market.
			register(t, v2, "ada", "correct horse")
			v2.PostForm("/add/600519.py", nil).WantStatus(t, 200)
			cookie, ok := v2.Cookie("miniweb_session")
			if !ok {
				t.Fatal("no session cookie after registering")
			}
			ada := newClient(t, app)
			ada.SetCookie("miniweb_session", cookie)
			ada.Get("/stock/600519.py").WantContains(t, "On your watch list")
			ada.Get("/center.py").WantContains(t, `<a class="tag" href="/watchlist.py">Following</a>`)
			// The watch list's names and prices are the market's copy's:
			// a change on the other instance shows on this one's list.
			ada.Get("/watchlist.py").WantContains(t, `<td>Moutai Renamed</td><td class="num">1688.50</td>`)
			exec("UPDATE stocks SET price = ? WHERE code = ?", 1700.5, "600519")
			ada.Get("/watchlist.py").WantContains(t, `<td>Moutai Renamed</td><td class="num">1700.50</td>`)
			if s2.store.cache.loads.Load() == 0 {
				t.Error("the other instance never read the stocks")
			}
		})
	}
}
