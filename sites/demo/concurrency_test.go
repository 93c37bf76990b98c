package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/server/httpserver"
)

// The concurrency test's load: clients at once, each with its own user,
// following codes stocks (enough for each kind of change: a follow
// twice, two notes, an unfollow; more only makes the test longer).
const (
	clients = 64
	codes   = 8
)

// testCode returns the code of the test's stock i: "T00" to "T07".
func testCode(i int) string { return fmt.Sprintf("T%02d", i) }

// seedTestStocks adds the test's stocks to db.
func seedTestStocks(t testing.TB, db *database.DB) {
	t.Helper()
	q := db.Rebind("INSERT INTO stocks (code, name, industry, price, change_pct, about) VALUES (?, ?, ?, ?, ?, ?)")
	for i := range codes {
		if _, err := db.Exec(q, testCode(i), "Test stock "+testCode(i), "Testing", 10+float64(i), float64(i)/10, "For the concurrency test."); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConcurrentUsers serves the demo on a real Server and socket, and
// lets 64 clients at once each register its own user, log in, follow 8
// stocks (one twice), note each, change half the notes, and unfollow a
// quarter: no answer is a 5xx, nothing says "locked", and in the end each
// user's list is exactly what its client did.
func TestConcurrentUsers(t *testing.T) {
	t.Parallel()
	// SQLite's wait for another writer's lock too: only a hang reaches it.
	forEachBackendWith(t, database.Options{BusyTimeout: hang}, func(t *testing.T, db *database.DB) {
		seedTestStocks(t, db)
		// bcrypt at its least cost. The site's bounds on a request's wait
		// for a hashing slot and on its database work give 503s to a
		// machine too busy for 64 clients (with -race beside CPU
		// burners, say): here only a hang reaches them.
		// All from 127.0.0.1: the share of an address at the hashing gate
		// and the sign-up throttle lifted, this is about the store.
		app, s, logs := testSiteWith(t, db, templates, false, config{hashWait: hang, queryTimeout: hang,
			hashShare: clients, limits: looseLimits()})
		srvLog := &logBuffer{}
		srv := &httpserver.Server{App: app, Suffix: ".py", Log: slog.New(slog.NewTextHandler(srvLog, nil))}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), hang)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("shutdown: %v", err)
			}
			if err := <-served; !errors.Is(err, httpserver.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
		}()
		base := "http://" + ln.Addr().String()
		transport := &http.Transport{MaxIdleConnsPerHost: clients, Proxy: nil}
		defer transport.CloseIdleConnections()

		var mu sync.Mutex
		var faults []string
		fault := func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			faults = append(faults, fmt.Sprintf(format, args...))
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				<-start
				runClient(base, transport, c, fault)
			})
		}
		close(start)
		wg.Wait()
		for i, f := range faults {
			if i == 20 {
				t.Errorf("... and %d more", len(faults)-i)
				break
			}
			t.Error(f)
		}
		for _, l := range []*logBuffer{logs, srvLog} {
			if strings.Contains(strings.ToLower(l.String()), "locked") {
				t.Errorf("a log says locked:\n%s", l)
			}
		}
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("the site logged errors:\n%s", logs)
		}

		// Every user's list, from the database.
		ctx := context.Background()
		for c := range clients {
			id, _, gen, err := s.store.userByName(ctx, clientName(c))
			if err != nil {
				t.Fatalf("%s: %v", clientName(c), err)
			}
			v, _, got, err := s.store.watchlist(ctx, claim{id, clientName(c), gen})
			if err != nil || v != current {
				t.Fatalf("watchlist of %s: %v, %v", clientName(c), v, err)
			}
			if want := wantList(c); !reflect.DeepEqual(got, want) {
				t.Errorf("%s's list:\n%v\nwant\n%v", clientName(c), got, want)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM watchlist"); n != clients*len(wantList(0)) {
			t.Errorf("%d watch-list rows; want %d", n, clients*len(wantList(0)))
		}
	})
}

// clientName is client c's user name.
func clientName(c int) string { return fmt.Sprintf("client %02d", c) }

// wantList is client c's watch list after runClient: the codes it did not
// unfollow (every fourth), with the second note on the even ones.
func wantList(c int) []Watched {
	var out []Watched
	for i := range codes {
		if i%4 == 3 {
			continue
		}
		note := fmt.Sprintf("first note of %s on %s", clientName(c), testCode(i))
		if i%2 == 0 {
			note = fmt.Sprintf("second note of %s on %s", clientName(c), testCode(i))
		}
		out = append(out, Watched{Code: testCode(i), Name: "Test stock " + testCode(i), Price: 10 + float64(i),
			PriceText: fmt.Sprintf("%.2f", 10+float64(i)), Note: note})
	}
	return out
}

// runClient is one client of TestConcurrentUsers: it registers, logs out
// and in again, then follows, notes and unfollows through the site's
// forms, and reports what went wrong to fault.
func runClient(base string, transport http.RoundTripper, c int, fault func(format string, args ...any)) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Transport: transport, Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	name := clientName(c)
	// post sends form to path and wants a 303 to location.
	post := func(path string, form url.Values, location string) bool {
		resp, err := client.PostForm(base+path, form)
		if err != nil {
			fault("%s: POST %s: %v", name, path, err)
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 303 || resp.Header.Get("Location") != location || strings.Contains(strings.ToLower(string(body)), "locked") {
			fault("%s: POST %s: %s Location %q; want 303 %q\n%s", name, path, resp.Status, resp.Header.Get("Location"), location, body)
			return false
		}
		return true
	}
	get := func(path string) {
		resp, err := client.Get(base + path)
		if err != nil {
			fault("%s: GET %s: %v", name, path, err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Contains(strings.ToLower(string(body)), "locked") {
			fault("%s: GET %s: %s\n%s", name, path, resp.Status, body)
		}
	}
	const password = "a password of the test"
	if !post("/register.py", url.Values{"name": {name}, "password": {password}}, "/index.py") ||
		!post("/logout.py", nil, "/index.py") ||
		!post("/login.py", url.Values{"name": {name}, "password": {password}, "next": {"/watchlist.py"}}, "/watchlist.py") {
		return
	}
	for i := range codes {
		post("/add/"+testCode(i)+".py", nil, "/watchlist.py")
		if i == 0 {
			post("/add/"+testCode(i)+".py", nil, "/watchlist.py") // twice: one row
		}
		post("/update/"+testCode(i)+".py", url.Values{"note": {fmt.Sprintf("first note of %s on %s", name, testCode(i))}}, "/watchlist.py")
	}
	get("/watchlist.py")
	get("/center.py")
	for i := range codes {
		switch {
		case i%4 == 3:
			post("/del/"+testCode(i)+".py", nil, "/watchlist.py")
		case i%2 == 0:
			post("/update/"+testCode(i)+".py", url.Values{"note": {fmt.Sprintf("second note of %s on %s", name, testCode(i))}}, "/watchlist.py")
		}
	}
	get("/watchlist.py")
}
