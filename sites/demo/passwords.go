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

// passwords hashes and checks passwords with bcrypt, through a gate.
// bcrypt is slow on purpose (about 50 ms of a core at DefaultCost), so a
// flood of logins or registrations could take every core, and the memory
// of every request waiting behind them: the gate runs a few hashes at
// once, shares them fairly between client addresses, and refuses a
// request whose turn cannot come within its time (see hashGate).
type passwords struct {
	cost int
	gate *hashGate
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

// newPasswords returns a hasher at bcrypt cost, running at most slots
// hashes at once (0: GOMAXPROCS), share the most requests of one client
// address running or waiting (0: twice the slots, at least 2), and wait
// the longest a request waits for its turn (0: 5 s). The hash time is
// first estimated from a hash made here.
func newPasswords(cost, slots, share int, wait time.Duration) (*passwords, error) {
	if slots <= 0 {
		slots = runtime.GOMAXPROCS(0)
	}
	if share <= 0 {
		share = max(2, 2*slots)
	}
	if wait <= 0 {
		wait = 5 * time.Second
	}
	start := time.Now()
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
	if err != nil {
		return nil, fmt.Errorf("demo: bcrypt at cost %d: %w", cost, err)
	}
	return &passwords{cost: cost, gate: newHashGate(slots, share, wait, time.Since(start)), dummy: dummy,
		compare: bcrypt.CompareHashAndPassword}, nil
}

// hash returns the bcrypt hash of password, which the caller has checked
// is at most maxPasswordBytes long, for client (see throttle.Client).
func (p *passwords) hash(ctx context.Context, client, password string) ([]byte, error) {
	if err := p.gate.acquire(ctx, client); err != nil {
		return nil, err
	}
	defer p.gate.release(client)
	start := time.Now()
	h, err := bcrypt.GenerateFromPassword([]byte(password), p.cost)
	p.gate.measured(time.Since(start))
	if err != nil {
		return nil, fmt.Errorf("demo: hashing a password of %d bytes: %w", len(password), err)
	}
	return h, nil
}

// check reports whether password matches hash, for client; a nil hash
// (an unknown user) is checked against the dummy hash, and never matches.
// A password over maxPasswordBytes never matches either (none was
// registered), but costs the same.
func (p *passwords) check(ctx context.Context, client string, hash []byte, password string) (bool, error) {
	if err := p.gate.acquire(ctx, client); err != nil {
		return false, err
	}
	defer p.gate.release(client)
	known := hash != nil
	if !known {
		hash = p.dummy
	}
	start := time.Now()
	err := p.compare(hash, []byte(password))
	p.gate.measured(time.Since(start))
	switch {
	case err == nil:
		return known && len(password) <= maxPasswordBytes, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	}
	return false, fmt.Errorf("demo: checking a password against a stored hash: %w", err)
}

// figures are the gate's figures for the server's metrics: hashes running
// and requests waiting now, requests refused.
func (p *passwords) figures() []framework.Figure {
	g := p.gate
	return []framework.Figure{
		{Name: "demo_hash_gate_running", Help: "bcrypt hashes and checks running now (at most one per CPU).",
			Value: func() float64 { return float64(g.stats().running) }},
		{Name: "demo_hash_gate_waiting", Help: "Requests waiting for their turn at the bcrypt gate now.",
			Value: func() float64 { return float64(g.stats().waiting) }},
		{Name: "demo_hash_gate_refused_total", Help: "Requests answered 503: their turn at the bcrypt gate could not come in time.", Counter: true,
			Value: func() float64 { return float64(g.stats().busy) }},
		{Name: "demo_hash_gate_over_share_total", Help: "Requests answered 429: their address held its share of the bcrypt gate.", Counter: true,
			Value: func() float64 { return float64(g.stats().share) }},
	}
}
