package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/throttle"
)

// limits are how the demo throttles logins and sign-ups (framework/throttle),
// counted in the database's throttle table (migration 0006), so that
// every instance behind a balancer sees the same counts. A client is the
// request's address after trusted proxies, an IPv6 one by its /64 (see
// throttle.Client). Every attempt is counted before its bcrypt work, and
// a throttled one is refused before it: it costs a query, not a hash.
type limits struct {
	// pair counts the logins of one account from one client: 5 at once,
	// then 1 s, 2 s, 4 s, ... up to 15 min between attempts. A success
	// clears it. A wrong current password on the account page counts
	// here too.
	pair throttle.Limit
	// client counts the failed logins of one client, whatever the
	// account (a success gives its attempt back): a spray of guesses
	// over many names. It does not hold an account's logins from a
	// client the account signed in from before (known): someone behind
	// the same NAT as a spray still signs in from there.
	client throttle.Limit
	// account counts the failed logins of one account from every client
	// it has not signed in from before (known): a guess spread over many
	// addresses. Looser, and it only slows (a minute at most): no one can
	// lock its owner out, least of all from an address they used before.
	account throttle.Limit
	// known marks the clients an account signed in from, for 30 days:
	// from those only the pair's count holds its logins.
	known throttle.Limit
	// signup counts the registrations attempted from one client.
	signup throttle.Limit
}

// defaultLimits are the demo's limits (see limits).
var defaultLimits = limits{
	pair:    throttle.Limit{Name: "login", Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour},
	client:  throttle.Limit{Name: "login-client", Free: 30, Base: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour},
	account: throttle.Limit{Name: "login-account", Free: 100, Base: time.Second, Max: time.Minute, Forget: 24 * time.Hour},
	known:   throttle.Limit{Name: "known", Free: 1 << 30, Base: time.Millisecond, Max: time.Millisecond, Forget: 30 * 24 * time.Hour},
	signup:  throttle.Limit{Name: "signup", Free: 10, Base: time.Minute, Max: time.Hour, Forget: 24 * time.Hour},
}

// clientOf returns the client r is counted as (see throttle.Client).
func clientOf(r *framework.Request) string { return throttle.Client(r.Env.RemoteAddr) }

// loginAttempt is what a login counted, to settle once it is known
// whether it succeeded.
type loginAttempt struct {
	pair, client, account, known throttle.Key
	// shared is false when only the pair's count took the attempt (a
	// known client), true when the client's and account's did too.
	shared bool
}

// sharedKeys returns the counts beside the pair's that took a's attempt.
func (a loginAttempt) sharedKeys() []throttle.Key {
	if !a.shared {
		return nil
	}
	return []throttle.Key{a.client, a.account}
}

// beginLogin counts a login as name (checked, or "" for a name no
// account can have) from client, before any bcrypt work; wait > 0 when it
// is throttled, then counted nowhere. A wait this instance has read
// before refuses it with no query; otherwise it costs one query to read
// the counts and, when let through, one statement per count.
func (s *site) beginLogin(ctx context.Context, client, name string) (a loginAttempt, wait time.Duration, err error) {
	if s.guard == nil {
		return a, 0, errNoDatabase
	}
	a = loginAttempt{
		pair:    throttle.Key{Limit: &s.limits.pair, Subject: client + " " + name},
		client:  throttle.Key{Limit: &s.limits.client, Subject: client},
		account: throttle.Key{Limit: &s.limits.account, Subject: name},
		known:   throttle.Key{Limit: &s.limits.known, Subject: client + " " + name},
	}
	// A wait this instance knows of: refused without a query.
	if wait := s.guard.Remembered(a.pair); wait > 0 {
		return a, wait, nil
	}
	// A name no account can have: its pair alone, all such names being
	// one for a client.
	keys := []throttle.Key{a.pair}
	if name != "" {
		counts, err := s.guard.Look(ctx, a.pair, a.client, a.account, a.known)
		if err != nil {
			return a, 0, err
		}
		wait = counts[0].Wait
		if a.shared = counts[3].Attempts == 0; a.shared {
			keys = append(keys, a.sharedKeys()...)
			wait = max(wait, counts[1].Wait, counts[2].Wait)
		}
		if wait > 0 {
			return a, wait, nil
		}
	}
	wait, err = s.guard.Take(ctx, keys...)
	return a, wait, err
}

// endLogin settles a login that succeeded: the pair's count is cleared,
// the client's and the account's attempts given back, and the client
// known to the account from now on.
func (s *site) endLogin(ctx context.Context, a loginAttempt) error {
	if err := s.guard.Clear(ctx, a.pair); err != nil {
		return err
	}
	if err := s.guard.Refund(ctx, a.sharedKeys()...); err != nil {
		return err
	}
	_, err := s.guard.Take(ctx, a.known)
	return err
}

// abandonLogin gives back what a login counted when its password could
// not be checked (the hashing gate refused it, or the request ended).
func (s *site) abandonLogin(r *framework.Request, a loginAttempt) {
	s.refund(r, append([]throttle.Key{a.pair}, a.sharedKeys()...)...)
}

// refund gives back the attempts of keys that r counted but could not
// make (the hashing gate refused it, or the request ended): an attempt
// not made counts nowhere. A failure here is left: the count only errs on
// the side of caution.
func (s *site) refund(r *framework.Request, keys ...throttle.Key) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.queryTimeout)
	defer cancel()
	s.guard.Refund(ctx, keys...)
}

// takeSignup counts a registration from client; wait > 0 when it is
// throttled.
func (s *site) takeSignup(ctx context.Context, client string) (time.Duration, error) {
	if s.guard == nil {
		return 0, errNoDatabase
	}
	key := throttle.Key{Limit: &s.limits.signup, Subject: client}
	if wait := s.guard.Remembered(key); wait > 0 {
		return wait, nil
	}
	return s.guard.Take(ctx, key)
}

// tooMany returns the 429 page of a throttled form: its template with d,
// the error saying when to try again, and Retry-After.
func (s *site) tooMany(template string, d framework.Data, wait time.Duration) *framework.Response {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	at := s.now().Add(time.Duration(secs) * time.Second)
	d["error"] = fmt.Sprintf(msgTooMany, waitText(secs), at.UTC().Format("15:04:05 MST"))
	resp := framework.Render(template, d)
	resp.Status = 429
	return resp.AddHeader("Retry-After", strconv.Itoa(secs))
}

// msgTooMany is the error of a throttled form: the wait, and the time.
const msgTooMany = "Too many attempts. Please try again in %s, after %s."

// waitText returns secs as a visitor reads it: "1 second", "40 seconds",
// "3 minutes" (rounded up).
func waitText(secs int) string {
	switch {
	case secs == 1:
		return "1 second"
	case secs < 120:
		return strconv.Itoa(secs) + " seconds"
	}
	return strconv.Itoa((secs+59)/60) + " minutes"
}
