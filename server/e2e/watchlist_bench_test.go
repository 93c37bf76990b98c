package e2e

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/frameworktest"
	"github.com/miniweb/miniweb/server/internal/testnet"
	"github.com/miniweb/miniweb/sites"
)

// BenchmarkKeepAliveWatchlist measures the signed-in watch list
// (/watchlist.py with five stocks, on SQLite) through the engine's whole
// request path, as BenchmarkKeepAlivePage does /about.py: the session
// cookie read, the database's statements, the template, the response. It
// first checks that the answer is the user's list: 200, the user's name
// and a row for each of the five stocks.
func BenchmarkKeepAliveWatchlist(b *testing.B) {
	app := buildSite(b, "demo", sites.Options{Templates: repoDir("templates"), Session: sites.SessionOptions{Secret: testSessionSecret}})
	c := frameworktest.New(b, app, frameworktest.Options{Session: &framework.SessionOptions{Secret: testSessionSecret}})
	c.PostForm("/register.py", url.Values{"name": {"bench"}, "password": {"bench-password"}}).WantStatus(b, 200)
	codes := []string{"000001", "000858", "300750", "600036", "600519"}
	for _, code := range codes {
		c.PostForm("/add/"+code+".py", nil).WantStatus(b, 200)
	}
	c.Get("/watchlist.py").WantStatus(b, 200) // takes the flashes the follows left
	cookie, ok := c.Cookie("miniweb_session")
	if !ok {
		b.Fatal("no session cookie after registering")
	}
	req := "GET /watchlist.py HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\nCookie: miniweb_session=" + cookie + "\r\n\r\n"

	ln := serveMem(b, app)

	// Two requests: with one, the client's end of its side would cancel
	// the request's context (the client left) while the page reads the
	// database.
	first := ln.dial(b, 2, req)
	page := first.head.Bytes()
	if i := bytes.Index(page[1:], []byte("HTTP/1.1 ")); i >= 0 {
		page = page[:1+i] // the first answer
	}
	want := [][]byte{[]byte("HTTP/1.1 200 "), []byte("Signed in as <strong>bench</strong>")}
	for _, code := range codes {
		want = append(want, []byte(`<tr data-code="`+code+`">`))
	}
	for _, w := range want {
		if !bytes.HasPrefix(page, want[0]) || !bytes.Contains(page, w) {
			b.Fatalf("GET /watchlist.py: no %q in the answer:\n%s", w, page)
		}
	}
	if bytes.Contains(page, []byte("Set-Cookie")) || bytes.Contains(page, []byte(`class="flashes"`)) {
		b.Fatalf("GET /watchlist.py: a cookie or a flash in the answer:\n%.800s", page)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := testnet.CPUTime(b)
	conn := ln.dial(b, b.N, req)
	b.StopTimer()
	testnet.ReportCPU(b, start)
	b.SetBytes(conn.written / int64(b.N))
}
