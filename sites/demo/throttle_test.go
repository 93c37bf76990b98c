package demo

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/framework/frameworktest"
	"github.com/miniweb/miniweb/framework/throttle"
	"github.com/miniweb/miniweb/server/gateway"
)

// looseLimits returns limits that a test of something else, with many
// clients on one address, does not reach.
func looseLimits() *limits {
	l := defaultLimits
	l.pair.Free, l.client.Free, l.account.Free, l.signup.Free = 1<<20, 1<<20, 1<<20, 1<<20
	return &l
}

// testTime is a test site's clock, moved by hand.
type testTime struct{ ns atomic.Int64 }

func newTestTime() *testTime {
	c := &testTime{}
	c.ns.Store(testClock().UnixNano())
	return c
}
func (c *testTime) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testTime) add(d time.Duration) { c.ns.Add(int64(d)) }

// from returns a visitor's browser on app at the address addr.
func from(t testing.TB, app gateway.App, addr string) *frameworktest.Client {
	return frameworktest.New(t, app, frameworktest.Options{RemoteAddr: addr + ":40000",
		Session: &framework.SessionOptions{Secret: testSecret}})
}

// wantThrottled fails the test unless resp is the 429 page of a throttled
// form: Retry-After retry seconds, and the page saying when, wait, and
// what time, at.
func wantThrottled(t testing.TB, resp *frameworktest.Response, retry, wait, at string) {
	t.Helper()
	msg := fmt.Sprintf(msgTooMany, wait, at)
	if resp.Code != 429 || resp.Header.Get("Retry-After") != retry || !strings.Contains(resp.Text(), msg) ||
		!strings.Contains(resp.Text(), `<form class="panel" method="post"`) {
		t.Errorf("%s %s: %d, Retry-After %q; want 429, Retry-After %s, the form and %q\n%s",
			resp.Method, resp.Target, resp.Code, resp.Header.Get("Retry-After"), retry, msg, resp.Body)
	}
}

// TestLoginThrottle: wrong passwords for one account from one address:
// the first five are answered (403), each after a bcrypt comparison; the
// next are refused with a 429 page that says when to try again, the right
// password too, with no comparison at all; after the wait, one more
// attempt, then twice the wait. The owner, from another address, still
// signs in, and a success clears that address's count. On each database.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		clk := newTestTime()
		app, s, _ := testSiteWith(t, db, templates, false, config{now: clk.now})
		register(t, from(t, app, "192.0.2.1"), "ada", "correct horse")
		compared := countComparisons(s)
		wrong := url.Values{"name": {"ada"}, "password": {"wrong password"}}
		right := url.Values{"name": {"ada"}, "password": {"correct horse"}}
		attacker := from(t, app, "203.0.113.66")
		for i := range 5 {
			attacker.PostForm("/login.py", wrong).WantStatus(t, 403)
			if n := len(compared.take()); n != 1 {
				t.Errorf("wrong password %d: %d comparisons; want 1", i+1, n)
			}
		}
		for _, form := range []url.Values{wrong, wrong, wrong, right} {
			resp := attacker.PostForm("/login.py", form)
			wantThrottled(t, resp, "1", "1 second", "22:09:59 UTC")
			resp.WantContains(t, `value="ada"`)
		}
		if n := len(compared.take()); n != 0 {
			t.Errorf("throttled attempts made %d bcrypt comparisons; want none", n)
		}
		// The wait over: one more attempt, then twice the wait.
		clk.add(time.Second)
		attacker.PostForm("/login.py", wrong).WantStatus(t, 403)
		wantThrottled(t, attacker.PostForm("/login.py", wrong), "2", "2 seconds", "22:10:01 UTC")

		// The owner, from home: signed in, however the attack goes on.
		owner := from(t, app, "198.51.100.7")
		for range 4 {
			owner.PostForm("/login.py", wrong).WantStatus(t, 403) // a typo or four
		}
		wantSeeOther(t, owner.PostForm("/login.py", right), "/index.py")
		// The success cleared the owner's pair: five free attempts again.
		pair := throttle.Key{Limit: &s.limits.pair, Subject: "198.51.100.7 ada"}
		if c, err := s.guard.Look(t.Context(), pair); err != nil || c[0] != (throttle.Count{}) {
			t.Errorf("the owner's count after a success: %+v, %v; want none", c, err)
		}
		other := from(t, app, "198.51.100.7")
		for range 5 {
			other.PostForm("/login.py", wrong).WantStatus(t, 403)
		}
		wantThrottled(t, other.PostForm("/login.py", wrong), "1", "1 second", "22:10:00 UTC")
		// The attacker's address is still waiting.
		wantThrottled(t, attacker.PostForm("/login.py", right), "2", "2 seconds", "22:10:01 UTC")
	})
}

// TestLoginThrottleShared: two instances of the site on one database
// count the same attempts: five wrong passwords spread over both, and the
// sixth is refused by either.
func TestLoginThrottleShared(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			url0 := b.url(t)
			one, _, _ := testSite(t, openDB(t, url0, database.Options{}), templates, false)
			two, _, _ := testSite(t, openDB(t, url0, database.Options{}), templates, false)
			register(t, from(t, one, "192.0.2.1"), "ada", "correct horse")
			wrong := url.Values{"name": {"ada"}, "password": {"wrong password"}}
			for i := range 5 {
				app := []gateway.App{one, two}[i%2]
				from(t, app, "203.0.113.66").PostForm("/login.py", wrong).WantStatus(t, 403)
			}
			for _, app := range []gateway.App{one, two} {
				wantThrottled(t, from(t, app, "203.0.113.66").PostForm("/login.py", wrong), "1", "1 second", "22:09:59 UTC")
			}
			wantSeeOther(t, from(t, two, "198.51.100.7").PostForm("/login.py",
				url.Values{"name": {"ada"}, "password": {"correct horse"}}), "/index.py")
		})
	}
}

// TestLoginSpray: wrong passwords from one address over many names are
// refused after the address's own allowance, for names that exist or
// not, with no comparison; another address is not, and neither is an
// account that signed in from that address before (someone behind the
// same NAT as the spray).
func TestLoginSpray(t *testing.T) {
	t.Parallel()
	app, s, _ := testSite(t, sqliteDB(t), templates, false)
	register(t, from(t, app, "192.0.2.1"), "ada", "correct horse")
	register(t, from(t, app, "192.0.2.1"), "bob", "battery staple")
	ada := url.Values{"name": {"ada"}, "password": {"correct horse"}}
	bob := url.Values{"name": {"bob"}, "password": {"battery staple"}}
	wantSeeOther(t, from(t, app, "203.0.113.66").PostForm("/login.py", ada), "/index.py") // ada's office
	compared := countComparisons(s)
	attacker := from(t, app, "203.0.113.66")
	free := s.limits.client.Free
	for i := range free {
		attacker.PostForm("/login.py", url.Values{"name": {fmt.Sprintf("user%d", i)}, "password": {"guess"}}).WantStatus(t, 403)
	}
	wantThrottled(t, attacker.PostForm("/login.py", url.Values{"name": {"nobody"}, "password": {"guess"}}), "1", "1 second", "22:09:59 UTC")
	wantThrottled(t, from(t, app, "203.0.113.66").PostForm("/login.py", bob), "1", "1 second", "22:09:59 UTC")
	if n := len(compared.take()); n != free {
		t.Errorf("%d comparisons; want %d, none for the refused attempts", n, free)
	}
	wantSeeOther(t, from(t, app, "198.51.100.7").PostForm("/login.py", bob), "/index.py")
	wantSeeOther(t, from(t, app, "203.0.113.66").PostForm("/login.py", ada), "/index.py")
}

// TestPasswordChangeThrottle: wrong current passwords on the account page
// count as failed logins of the account from that address: a stolen
// session cannot guess the password faster than a login can.
func TestPasswordChangeThrottle(t *testing.T) {
	t.Parallel()
	app, s, _ := testSite(t, sqliteDB(t), templates, false)
	c := from(t, app, "203.0.113.66")
	register(t, c, "ada", "correct horse")
	compared := countComparisons(s)
	form := url.Values{"current": {"wrong password"}, "password": {"a new password"}}
	for range 5 {
		c.PostForm("/password.py", form).WantStatus(t, 403)
	}
	wantThrottled(t, c.PostForm("/password.py", form), "1", "1 second", "22:09:59 UTC")
	if n := len(compared.take()); n != 5 {
		t.Errorf("%d comparisons; want 5, none for the refused attempt", n)
	}
	// And a login from there too.
	wantThrottled(t, from(t, app, "203.0.113.66").PostForm("/login.py",
		url.Values{"name": {"ada"}, "password": {"correct horse"}}), "1", "1 second", "22:09:59 UTC")
}

// TestSignupThrottle: registrations from one address are refused after
// its allowance, with the 429 page, and make no account; another address
// registers.
func TestSignupThrottle(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	app, s, _ := testSite(t, db, templates, false)
	for i := range s.limits.signup.Free {
		wantSeeOther(t, from(t, app, "203.0.113.66").PostForm("/register.py",
			url.Values{"name": {fmt.Sprintf("bot%d", i)}, "password": {"correct horse"}}), "/index.py")
	}
	resp := from(t, app, "203.0.113.66").PostForm("/register.py", url.Values{"name": {"bot-more"}, "password": {"correct horse"}})
	wantThrottled(t, resp, "60", "60 seconds", "22:10:58 UTC")
	resp.WantContains(t, `value="bot-more"`)
	if n := count(t, db, "SELECT COUNT(*) FROM users WHERE name = ?", "bot-more"); n != 0 {
		t.Errorf("a throttled registration made %d accounts", n)
	}
	register(t, from(t, app, "198.51.100.7"), "ada", "correct horse")
}

// TestLoginFloodBystander: 128 clients on one address send wrong
// passwords, up to 4 each, to one account and to names of their own,
// while a user on another address logs in 20 times: every one of the
// user's logins succeeds, none is refused by the hashing gate (503) or
// the throttle, and the flood gets only 403s and 429s: the throttle and
// the gate's share per address keep the flood's attempts out of the
// user's way. A comparison stands for bcrypt here by sleeping 20 ms, the
// same on any machine (bcrypt's own time under the race detector is
// not); the gate's and the database's waits are ones only a hang reaches
// (see TestSignupBurst), TestFloodFigures times it all at bcrypt's cost.
func TestLoginFloodBystander(t *testing.T) {
	t.Parallel()
	const flood, logins = 128, 20
	app, s, _ := testSiteWith(t, sqliteDB(t), templates, false, config{hashWait: hang, queryTimeout: hang})
	register(t, from(t, app, "192.0.2.1"), "ada", "correct horse")
	register(t, from(t, app, "192.0.2.1"), "bob", "battery staple")
	compared := countComparisons(s)
	inner := s.pw.compare
	s.pw.compare = func(hash, password []byte) error {
		time.Sleep(20 * time.Millisecond) // the work bcrypt stands for
		return inner(hash, password)
	}
	var done atomic.Bool
	var mu sync.Mutex
	floodCodes := map[int]int{}
	var wg sync.WaitGroup
	for i := range flood {
		c := frameworktest.New(nil, app, frameworktest.Options{RemoteAddr: "203.0.113.66:40000"}).NoRedirects()
		name := "ada"
		if i%2 == 1 {
			name = fmt.Sprintf("nobody%d", i)
		}
		wg.Go(func() {
			for n := 0; n < 4 && (n == 0 || !done.Load()); n++ {
				code := c.PostForm("/login.py", url.Values{"name": {name}, "password": {"wrong password"}}).Code
				mu.Lock()
				floodCodes[code]++
				mu.Unlock()
			}
		})
	}
	user := from(t, app, "198.51.100.7").NoRedirects()
	userCodes := map[int]int{}
	for range logins {
		resp := user.PostForm("/login.py", url.Values{"name": {"bob"}, "password": {"battery staple"}})
		userCodes[resp.Code]++
		if resp.Code != 303 {
			t.Logf("the user's login: %d %s", resp.Code, leadRE.FindString(resp.Text()))
		}
	}
	done.Store(true)
	wg.Wait()
	if userCodes[303] != logins {
		t.Errorf("the user's logins by status %v; want %d × 303", userCodes, logins)
	}
	mu.Lock()
	defer mu.Unlock()
	if floodCodes[403]+floodCodes[429] != sumValues(floodCodes) || floodCodes[429] == 0 {
		t.Errorf("the flood's answers by status %v; want only 403 and 429, and some 429", floodCodes)
	}
	t.Logf("the flood: %v, %d comparisons", floodCodes, len(compared.take()))
}

// leadRE finds the message of an error page.
var leadRE = regexp.MustCompile(`<p class="lead">[^<]*`)

// sumValues returns the sum of m's values.
func sumValues(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
