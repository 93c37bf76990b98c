package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/server/httpserver"
)

// behindProxy serves app on a real Server and socket on 127.0.0.1 that
// trusts loopback as its proxy, and returns its base URL and a client
// whose requests each name their visitor in X-Forwarded-For (see
// forwarded), as nginx in front would; it stops at the test's end.
func behindProxy(t testing.TB, app *framework.App) (string, *http.Client) {
	t.Helper()
	srv := &httpserver.Server{App: app, Suffix: ".py", Log: slog.New(slog.DiscardHandler),
		Proxies: httpserver.ProxyTrust{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	transport := &http.Transport{MaxIdleConnsPerHost: 256, Proxy: nil}
	t.Cleanup(func() {
		transport.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), hang)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, httpserver.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	client := &http.Client{Transport: transport, Timeout: hang,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return "http://" + ln.Addr().String(), client
}

// forwarded posts form to url as the visitor at addr behind the proxy,
// and returns the status and the body's error message, if any.
func forwarded(client *http.Client, url, addr string, form url.Values) (int, string, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, leadRE.FindString(string(body)), nil
}

// signupBurst sends users registrations at once to the site at base,
// each from an address of its own behind the proxy, and returns the
// answers by status.
func signupBurst(t testing.TB, base string, client *http.Client, users int) map[int]int {
	var mu sync.Mutex
	got := map[int]int{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range users {
		wg.Go(func() {
			<-start
			code, lead, err := forwarded(client, base+"/register.py", fmt.Sprintf("10.0.%d.%d", i/250, i%250+1),
				url.Values{"name": {fmt.Sprintf("user %02d", i)}, "password": {"correct horse"}})
			if err != nil {
				t.Errorf("registration %d: %v", i, err)
				return
			}
			if code != 303 {
				t.Logf("registration %d: %d %s", i, code, lead)
			}
			mu.Lock()
			got[code]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return got
}

// TestSignupBurst: 64 registrations at once, each from an address of its
// own behind a trusted proxy (X-Forwarded-For), through the server, with
// the site's limits: every one is made (303), none refused by the sign-up
// throttle or the hashing gate's share per address, which count the
// forwarded address, not the proxy's. The gate's and the database's waits
// are ones only a hang reaches: whether 64 hashes fit in 5 s depends on
// the machine (the race detector, CPU burners); TestPasswordsWait and
// TestHashGateReassess check the estimate, TestFloodFigures the figures.
func TestSignupBurst(t *testing.T) {
	t.Parallel()
	const users = 64
	app, _, _ := testSiteWith(t, sqliteDB(t), templates, false, config{hashWait: hang, queryTimeout: hang})
	base, client := behindProxy(t, app)
	if got := signupBurst(t, base, client, users); got[303] != users {
		t.Errorf("answers by status %v; want %d × 303", got, users)
	}
}

// TestFloodFigures measures, with MINIWEB_FIGURES=1, at bcrypt's default
// cost through the server behind a trusted proxy: a user's 20 logins
// while 128 clients on one address send wrong passwords (the user's
// latencies and answers, the flood's answers), and 64 sign-ups at once
// from 64 addresses. Figures, not checks, but every one of the user's
// logins must succeed.
func TestFloodFigures(t *testing.T) {
	if os.Getenv("MINIWEB_FIGURES") != "1" {
		t.Skip("figures: set MINIWEB_FIGURES=1, on a quiet machine")
	}
	const flood, logins, users = 128, 20, 64
	app, _, _ := testSiteWith(t, sqliteDB(t), templates, false, config{cost: bcrypt.DefaultCost})
	base, client := behindProxy(t, app)

	start := time.Now()
	got := signupBurst(t, base, client, users)
	t.Logf("%d sign-ups at once from %d addresses at cost %d: %v in %v", users, users, bcrypt.DefaultCost, got,
		time.Since(start).Round(time.Millisecond))
	// Not checked: whether 64 hashes fit in the gate's 5 s depends on
	// the machine (64 × the hash time / the slots).
	if code, lead, err := forwarded(client, base+"/register.py", "198.51.100.7",
		url.Values{"name": {"bystander"}, "password": {"correct horse"}}); code != 303 || err != nil {
		t.Fatalf("registering the bystander: %d %s %v", code, lead, err)
	}

	var done atomic.Bool
	var mu sync.Mutex
	floodCodes := map[int]int{}
	var wg sync.WaitGroup
	for i := range flood {
		name := "bystander"
		if i%2 == 1 {
			name = fmt.Sprintf("nobody%d", i)
		}
		wg.Go(func() {
			for !done.Load() {
				code, _, err := forwarded(client, base+"/login.py", "203.0.113.66", url.Values{"name": {name}, "password": {"wrong password"}})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				floodCodes[code]++
				mu.Unlock()
			}
		})
	}
	var took []time.Duration
	userCodes := map[int]int{}
	for range logins {
		begin := time.Now()
		code, lead, err := forwarded(client, base+"/login.py", "198.51.100.7", url.Values{"name": {"bystander"}, "password": {"correct horse"}})
		took = append(took, time.Since(begin))
		if err != nil {
			t.Fatal(err)
		}
		userCodes[code]++
		if code != 303 {
			t.Logf("the user's login: %d %s", code, lead)
		}
	}
	done.Store(true)
	wg.Wait()
	slices.Sort(took)
	t.Logf("the user's %d logins under a flood of %d clients: %v; p50 %v, p99 %v, max %v", logins, flood, userCodes,
		took[len(took)/2].Round(time.Millisecond), took[len(took)*99/100].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
	t.Logf("the flood's answers: %v", floodCodes)
	if userCodes[303] != logins {
		t.Errorf("the user's logins by status %v; want %d × 303", userCodes, logins)
	}
}
