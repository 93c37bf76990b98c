package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/miniweb/miniweb/framework"
)

// passwords hashes and checks passwords with bcrypt, a few at a time.
// bcrypt is slow on purpose (about 50 ms of a core at DefaultCost), so a
// flood of logins or registrations could take every core, and the memory
// of every request waiting behind them: at most cap(slots) hashes run at
// once, and a request that waits more than wait for a slot gets a 503.
type passwords struct {
	cost  int
	slots chan struct{}
	wait  time.Duration
	// dummy is the hash a login of an unknown name is checked against,
	// so that it costs what a known one does: the time says nothing of
	// which names exist.
	dummy []byte
	// compare is bcrypt.CompareHashAndPassword; a test counts the
	// comparisons through it, and how many run at once.
	compare func(hash, password []byte) error
}

// Bounds of a password, in characters and in bytes: bcrypt reads no more
// than 72 bytes, and a longer password is refused rather than cut.
const (
	minPassword      = 8
	maxPasswordBytes = 72
)

// errBusy answers a request that waited too long for a hashing slot.
var errBusy = &framework.StatusError{
	Code:    503,
	Message: "The server is busy; please try again in a moment.",
	Header:  retryAfter,
}

// newPasswords returns a hasher at bcrypt cost, running at most slots
// hashes at once (0: GOMAXPROCS), and wait the longest a request waits for
// one (0: 5 s).
func newPasswords(cost, slots int, wait time.Duration) (*passwords, error) {
	if slots <= 0 {
		slots = runtime.GOMAXPROCS(0)
	}
	if wait <= 0 {
		wait = 5 * time.Second
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
	if err != nil {
		return nil, fmt.Errorf("demo: bcrypt at cost %d: %w", cost, err)
	}
	return &passwords{cost: cost, slots: make(chan struct{}, slots), wait: wait, dummy: dummy,
		compare: bcrypt.CompareHashAndPassword}, nil
}

// acquire takes a hashing slot, waiting at most p.wait: errBusy after
// that, or the context's error when the request ends first.
func (p *passwords) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(p.wait)
	defer timer.Stop()
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-timer.C:
		return errBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *passwords) release() { <-p.slots }

// hash returns the bcrypt hash of password, which the caller has checked
// is at most maxPasswordBytes long.
func (p *passwords) hash(ctx context.Context, password string) ([]byte, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	defer p.release()
	h, err := bcrypt.GenerateFromPassword([]byte(password), p.cost)
	if err != nil {
		return nil, fmt.Errorf("demo: hashing a password of %d bytes: %w", len(password), err)
	}
	return h, nil
}

// check reports whether password matches hash; a nil hash (an unknown
// user) is checked against the dummy hash, and never matches. A password
// over maxPasswordBytes never matches either (none was registered), but
// costs the same.
func (p *passwords) check(ctx context.Context, hash []byte, password string) (bool, error) {
	if err := p.acquire(ctx); err != nil {
		return false, err
	}
	defer p.release()
	known := hash != nil
	if !known {
		hash = p.dummy
	}
	err := p.compare(hash, []byte(password))
	switch {
	case err == nil:
		return known && len(password) <= maxPasswordBytes, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	}
	return false, fmt.Errorf("demo: checking a password against a stored hash: %w", err)
}
