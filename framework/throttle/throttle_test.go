package throttle

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/framework/database/databasetest"
)

// TestMain stops the shared PostgreSQL cluster after the tests.
func TestMain(m *testing.M) { databasetest.Main(m) }

// backends are the databases every test runs on: an SQLite file always,
// PostgreSQL when installed (skipped otherwise, failed with
// MINIWEB_POSTGRES=1).
var backends = []struct {
	name string
	url  func(t testing.TB) string
}{
	{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "throttle.db") }},
	{"postgres", databasetest.NewDatabase},
}

// forEachBackend runs f as a parallel subtest on the URL of a fresh
// database of each backend, with the throttle table.
func forEachBackend(t *testing.T, f func(t *testing.T, url string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			url := b.url(t)
			open(t, url) // migrated
			f(t, url)
		})
	}
}

// open opens the database at url, with the throttle table; it is closed
// at the test's end.
func open(t testing.TB, url string) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), url, "", database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), "throttletest", os.DirFS("testdata/migrations")); err != nil {
		t.Fatal(err)
	}
	return db
}

// clock is a test's time, moved by hand.
type clock struct{ ms atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ms.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli())
	return c
}
func (c *clock) now() time.Time      { return time.UnixMilli(c.ms.Load()) }
func (c *clock) add(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// TestTake: a key's attempts go through Free times, then wait Base,
// doubling to Max, each refusal counting nothing; the count is forgotten
// Forget after the last attempt.
func TestTake(t *testing.T) {
	t.Parallel()
	lim := &Limit{Name: "login", Free: 3, Base: time.Second, Max: 4 * time.Second, Forget: 10 * time.Second}
	forEachBackend(t, func(t *testing.T, url string) {
		clk := newClock()
		th := New(open(t, url), clk.now)
		ctx := context.Background()
		key := Key{lim, "192.0.2.1 ada"}
		steps := []struct {
			advance  time.Duration // the clock moves first
			wait     time.Duration // Take's answer: 0 let through, else refused with this wait
			attempts int64         // the count after it
			after    time.Duration // Wait's answer after it
		}{
			{0, 0, 1, 0},
			{0, 0, 2, 0},
			{0, 0, 3, time.Second}, // the Free-th sets Base
			{0, time.Second, 3, time.Second},
			{999 * time.Millisecond, time.Millisecond, 3, time.Millisecond},
			{time.Millisecond, 0, 4, 2 * time.Second}, // doubled
			{time.Second, time.Second, 4, time.Second},
			{time.Second, 0, 5, 4 * time.Second},
			{4 * time.Second, 0, 6, 4 * time.Second}, // capped at Max
			{4 * time.Second, 0, 7, 4 * time.Second},
			{10 * time.Second, 0, 1, 0}, // forgotten: afresh
		}
		for i, s := range steps {
			clk.add(s.advance)
			wait, err := th.Take(ctx, key)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			counts, err := th.Look(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if wait != s.wait || counts[0].Attempts != s.attempts || counts[0].Wait != s.after {
				t.Errorf("step %d: Take waits %v, then %d attempts, wait %v; want %v, %d, %v",
					i, wait, counts[0].Attempts, counts[0].Wait, s.wait, s.attempts, s.after)
			}
		}
	})
}

// TestKeys: a Take of several keys refused by one counts against none of
// them; Refund gives an attempt back, Clear forgets a key, and another
// key's count is its own.
func TestKeys(t *testing.T) {
	t.Parallel()
	pair := &Limit{Name: "pair", Free: 2, Base: time.Minute, Max: time.Hour, Forget: time.Hour}
	addr := &Limit{Name: "addr", Free: 10, Base: time.Minute, Max: time.Hour, Forget: time.Hour}
	forEachBackend(t, func(t *testing.T, url string) {
		clk := newClock()
		th := New(open(t, url), clk.now)
		ctx := context.Background()
		a, ada, bob := Key{addr, "192.0.2.1"}, Key{pair, "192.0.2.1 ada"}, Key{pair, "192.0.2.1 bob"}
		attempts := func() []int64 {
			t.Helper()
			counts, err := th.Look(ctx, a, ada, bob)
			if err != nil {
				t.Fatal(err)
			}
			return []int64{counts[0].Attempts, counts[1].Attempts, counts[2].Attempts}
		}
		want := func(step string, w ...int64) {
			t.Helper()
			if got := attempts(); got[0] != w[0] || got[1] != w[1] || got[2] != w[2] {
				t.Errorf("%s: attempts (addr, ada, bob) %v; want %v", step, got, w)
			}
		}
		for range 2 {
			if wait, err := th.Take(ctx, a, ada); wait != 0 || err != nil {
				t.Fatalf("a free attempt: %v, %v", wait, err)
			}
		}
		want("two attempts on ada", 2, 2, 0)
		if wait, err := th.Take(ctx, a, ada); wait != time.Minute || err != nil {
			t.Errorf("ada's third: %v, %v; want refused for 1m", wait, err)
		}
		want("ada's third refused", 2, 2, 0)
		if wait, err := th.Take(ctx, a, bob); wait != 0 || err != nil {
			t.Errorf("bob's first: %v, %v; want through", wait, err)
		}
		want("bob's first", 3, 2, 1)
		if err := th.Refund(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := th.Clear(ctx, ada); err != nil {
			t.Fatal(err)
		}
		want("refund and clear", 2, 0, 1)
		if wait, err := th.Take(ctx, a, ada); wait != 0 || err != nil {
			t.Errorf("ada after the clear: %v, %v; want through", wait, err)
		}
		// A refund never goes below zero.
		for range 5 {
			if err := th.Refund(ctx, bob); err != nil {
				t.Fatal(err)
			}
		}
		want("bob refunded", 3, 1, 0)
	})
}

// TestTakeAtOnce: 48 attempts sent at once, half through each of two
// Throttles on one database (two instances of a site), let exactly Free
// through: the count is the database's, and the statement that takes an
// attempt leaves no window for a second.
func TestTakeAtOnce(t *testing.T) {
	t.Parallel()
	const attempts, free = 48, 5
	lim := &Limit{Name: "login", Free: free, Base: time.Minute, Max: time.Hour, Forget: time.Hour}
	forEachBackend(t, func(t *testing.T, url string) {
		clk := newClock()
		instances := []*Throttle{New(open(t, url), clk.now), New(open(t, url), clk.now)}
		key := Key{lim, "192.0.2.1 ada"}
		var through, refused atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range attempts {
			wg.Go(func() {
				<-start
				wait, err := instances[i%2].Take(context.Background(), key)
				switch {
				case err != nil:
					t.Error(err)
				case wait == 0:
					through.Add(1)
				default:
					refused.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if through.Load() != free || refused.Load() != attempts-free {
			t.Errorf("%d through, %d refused; want %d and %d", through.Load(), refused.Load(), free, attempts-free)
		}
		// Each instance reads what the other wrote.
		for i, th := range instances {
			if c, err := th.Look(context.Background(), key); err != nil || c[0].Attempts != free || c[0].Wait != time.Minute {
				t.Errorf("instance %d reads %+v, %v; want %d attempts and 1m to wait", i, c, err, free)
			}
		}
	})
}

// TestCleanup: the rows of forgotten counts are deleted by a Take, once
// per CleanEvery on each instance, not on every Take.
func TestCleanup(t *testing.T) {
	t.Parallel()
	short := &Limit{Name: "short", Free: 1, Base: time.Second, Max: time.Second, Forget: time.Minute}
	long := &Limit{Name: "long", Free: 1, Base: time.Second, Max: time.Second, Forget: 24 * time.Hour}
	forEachBackend(t, func(t *testing.T, url string) {
		clk := newClock()
		db := open(t, url)
		th := New(db, clk.now)
		ctx := context.Background()
		rows := func() int {
			t.Helper()
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM throttle").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, k := range []Key{{short, "a"}, {short, "b"}, {long, "c"}} {
			if _, err := th.Take(ctx, k); err != nil { // the first Take cleans (nothing yet)
				t.Fatal(err)
			}
		}
		clk.add(2 * time.Minute) // a and b forgotten, within CleanEvery of the first clean
		if _, err := th.Take(ctx, Key{long, "d"}); err != nil {
			t.Fatal(err)
		}
		if n := rows(); n != 4 {
			t.Errorf("%d rows within CleanEvery of the last cleanup; want all 4 kept", n)
		}
		if c, err := th.Look(ctx, Key{short, "a"}); err != nil || c[0] != (Count{}) {
			t.Errorf("a forgotten key reads %+v, %v; want nothing", c, err)
		}
		clk.add(CleanEvery)
		if _, err := th.Take(ctx, Key{long, "d"}); err != nil {
			t.Fatal(err)
		}
		if n := rows(); n != 2 {
			t.Errorf("%d rows after a cleanup; want the 2 not forgotten", n)
		}
	})
}

// TestLimitCheck: a Limit that makes no sense is refused by the first
// Take of one of its keys, with what is wrong.
func TestLimitCheck(t *testing.T) {
	t.Parallel()
	th := New(open(t, "sqlite:"+filepath.Join(t.TempDir(), "t.db")), nil)
	for _, tt := range []struct {
		lim  Limit
		want string
	}{
		{Limit{Name: "", Free: 1, Base: time.Second, Max: time.Second, Forget: time.Second}, `limit name ""`},
		{Limit{Name: "a:b", Free: 1, Base: time.Second, Max: time.Second, Forget: time.Second}, `limit name "a:b"`},
		{Limit{Name: "x", Free: 0, Base: time.Second, Max: time.Second, Forget: time.Second}, "Free 0"},
		{Limit{Name: "x", Free: 1, Base: 0, Max: time.Second, Forget: time.Second}, "Base 0s"},
		{Limit{Name: "x", Free: 1, Base: time.Second, Max: time.Millisecond, Forget: time.Second}, "Max 1ms"},
		{Limit{Name: "x", Free: 1, Base: time.Second, Max: time.Minute, Forget: time.Second}, "Forget 1s"},
	} {
		_, err := th.Take(context.Background(), Key{&tt.lim, "s"})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v; want an error with %q", tt.lim, err, tt.want)
		}
	}
}

// TestClient: the client a throttle counts for an address.
func TestClient(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"192.0.2.7:4321", "192.0.2.7"},
		{"192.0.2.7", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"}, // same /64: one client
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"unix-socket", "?unix-socket"},
		{strings.Repeat("x", 100), "?" + strings.Repeat("x", 63)},
		{"", "?"},
		{"2001:db8:1:2::/64", "?2001:db8:1:2::/64"}, // not an address: never an address's key
		{"192.0.2.7 bob", "?192.0.2.7 bob"},
	} {
		if got := Client(tt.in); got != tt.want {
			t.Errorf("Client(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestRemembered: a wait this instance has read is remembered, without a
// query, until it ends or the key is cleared here; another instance, which
// has read nothing, knows of none until it reads.
func TestRemembered(t *testing.T) {
	t.Parallel()
	lim := &Limit{Name: "login", Free: 1, Base: time.Minute, Max: time.Hour, Forget: time.Hour}
	url := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	clk := newClock()
	one, two := New(open(t, url), clk.now), New(open(t, url), clk.now)
	ctx := context.Background()
	key, other := Key{lim, "192.0.2.1 ada"}, Key{lim, "192.0.2.2 ada"}
	if wait, err := one.Take(ctx, key); wait != 0 || err != nil {
		t.Fatalf("first Take: %v, %v", wait, err)
	}
	if w := one.Remembered(key); w != 0 {
		t.Errorf("remembered %v before any refusal was read; want 0", w)
	}
	if wait, err := one.Take(ctx, key); wait != time.Minute || err != nil {
		t.Fatalf("second Take: %v, %v; want refused for 1m", wait, err)
	}
	clk.add(10 * time.Second)
	if w := one.Remembered(other, key); w != 50*time.Second {
		t.Errorf("remembered %v; want the 50s left", w)
	}
	if w := two.Remembered(key); w != 0 {
		t.Errorf("the other instance remembers %v before reading; want 0", w)
	}
	if w, err := two.Wait(ctx, key); w != 50*time.Second || err != nil {
		t.Errorf("the other instance reads %v, %v; want 50s", w, err)
	}
	if w := two.Remembered(key); w != 50*time.Second {
		t.Errorf("the other instance remembers %v after reading; want 50s", w)
	}
	if err := one.Clear(ctx, key); err != nil {
		t.Fatal(err)
	}
	if w := one.Remembered(key); w != 0 {
		t.Errorf("remembered %v after Clear; want 0", w)
	}
	clk.add(50 * time.Second)
	if w := two.Remembered(key); w != 0 {
		t.Errorf("remembered %v once the wait ended; want 0", w)
	}
}
