package demo

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/server/gateway"
)

// hashGate bounds the bcrypt work run at once, and shares it fairly between
// clients (client addresses, see throttle.Client):
//
//   - at most slots hashes run at once; the others wait their turn;
//   - one client holds at most share requests, running or waiting: one
//     more is refused at once with a 429, so that one address cannot
//     take every slot, nor queue the memory of a thousand requests;
//   - the waiting requests are served client by client, in turn (round
//     robin), not first come first served: a request from a client with
//     nothing queued waits for at most one request of each other client,
//     however many the others sent;
//   - a request waits only when its turn can come within its time: the
//     least of wait and what its context's deadline leaves. Its turn is
//     estimated from the requests served before it (in the order above)
//     and the measured time of a hash; a wait that cannot finish in time
//     is refused at once with a 503 and a Retry-After of that estimate,
//     rather than after waiting for nothing. The waiting requests are
//     estimated again each time a hash ends (reassess): one whose turn
//     can no longer come in time, the hashes having turned slower, is
//     refused then; one whose time runs out all the same is refused at
//     its end.
type hashGate struct {
	slots int           // hashes at once
	share int           // requests of one client, waiting or running
	wait  time.Duration // the longest wait for a turn, unless the context's deadline is sooner

	mu      sync.Mutex
	running int
	clients map[string]*gateClient // those holding or waiting for a slot
	ring    []*gateClient          // those waiting, in turn order
	turn    int                    // the index in ring of the next to be served
	took    time.Duration          // a hash's time, a moving average
	refused gateRefusals           // for the metrics: see stats
}

// gateRefusals counts the gate's refusals: 503s (no turn in time) and
// 429s (over the share).
type gateRefusals struct{ busy, share int64 }

// gateStats is what the metrics read of the gate.
type gateStats struct {
	running, waiting int
	gateRefusals
}

// stats returns the hashes running and the requests waiting now, and the
// refusals so far.
func (g *hashGate) stats() gateStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := gateStats{running: g.running, gateRefusals: g.refused}
	for _, c := range g.ring {
		st.waiting += len(c.waiting)
	}
	return st
}

// gateClient is one client's requests at the gate.
type gateClient struct {
	name    string
	held    int           // requests running or waiting
	waiting []*gateWaiter // oldest first
}

// gateWaiter is a request of c waiting for a slot until deadline: ready
// is closed when it is granted one (granted, under the gate's lock) or
// refused (err, set before).
type gateWaiter struct {
	ready    chan struct{}
	granted  bool
	err      error
	c        *gateClient
	deadline time.Time
}

// newHashGate returns a gate of slots, share and wait, its hash time first
// estimated as took.
func newHashGate(slots, share int, wait, took time.Duration) *hashGate {
	return &hashGate{slots: slots, share: share, wait: wait, took: took, clients: map[string]*gateClient{}}
}

// The refusals of the gate.
const (
	msgBusy  = "The server is busy; please try again in a moment."
	msgShare = "Too many requests from your address at once; please try again in a moment."
)

// refusal returns the error of a refusal with code and msg, its
// Retry-After the whole seconds of wait, at least 1.
func refusal(code int, msg string, wait time.Duration) error {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	return &framework.StatusError{Code: code, Message: msg,
		Header: gateway.Fields{{Name: "Retry-After", Value: strconv.Itoa(secs)}}}
}

// acquire takes a slot for client, or refuses (see gate): a 429 over the
// client's share, a 503 when its turn cannot come in time, the context's
// error when the request ends first. A nil error must be followed by
// release(client).
func (g *hashGate) acquire(ctx context.Context, client string) error {
	g.mu.Lock()
	c := g.clients[client]
	if c == nil {
		c = &gateClient{name: client}
		g.clients[client] = c
	}
	if c.held >= g.share {
		wait := g.took * time.Duration(g.share) / time.Duration(g.slots)
		g.refused.share++
		g.mu.Unlock()
		return refusal(429, msgShare, wait)
	}
	c.held++
	if g.running < g.slots && len(g.ring) == 0 {
		g.running++
		g.mu.Unlock()
		return nil
	}
	budget := g.wait
	if dl, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(dl))
	}
	if est := g.estimate(c); est > budget {
		g.drop(c)
		g.refused.busy++
		g.mu.Unlock()
		return refusal(503, msgBusy, est)
	}
	w := &gateWaiter{ready: make(chan struct{}), c: c, deadline: time.Now().Add(budget)}
	if len(c.waiting) == 0 {
		g.ring = append(g.ring, c)
	}
	c.waiting = append(c.waiting, w)
	g.mu.Unlock()

	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case <-w.ready:
		return w.err // nil: granted
	case <-timer.C:
	case <-ctx.Done():
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if w.granted { // in the meantime: taken after all
		return nil
	}
	if w.err != nil { // in the meantime: refused by reassess
		return w.err
	}
	g.unqueue(c, w)
	g.drop(c)
	if err := ctx.Err(); err != nil {
		return err
	}
	// The timer ended the wait, not the request. took is read under g.mu:
	// measured writes it.
	g.refused.busy++
	return refusal(503, msgBusy, g.took)
}

// estimate returns how long a request of c that comes now waits for its
// turn: each other client is served as many times as c has requests
// waiting, plus one, or as many as it has; then c's; slots at a time,
// each batch a hash's time. Called with g.mu held.
func (g *hashGate) estimate(c *gateClient) time.Duration {
	mine := len(c.waiting)
	ahead := mine
	for _, o := range g.ring {
		if o != c {
			ahead += min(len(o.waiting), mine+1)
		}
	}
	return time.Duration(ahead/g.slots+1) * g.took
}

// release gives back client's slot, to the next waiting request in turn.
func (g *hashGate) release(client string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	if c := g.clients[client]; c != nil {
		g.drop(c)
	}
	for g.running < g.slots && len(g.ring) > 0 {
		g.turn %= len(g.ring)
		c := g.ring[g.turn]
		w := c.waiting[0]
		c.waiting = c.waiting[1:]
		if len(c.waiting) == 0 {
			g.ring = append(g.ring[:g.turn], g.ring[g.turn+1:]...) // the next is at turn now
		} else {
			g.turn++
		}
		w.granted = true
		close(w.ready)
		g.running++
	}
	g.reassess()
}

// reassess refuses at once, with a 503, the waiting requests whose turn
// can no longer come before their deadline at the hash time measured
// now: when hashes turn slower than estimated at their arrival (a machine
// that got busy), they learn it now rather than at their deadline, having
// waited for nothing. The turns are counted in the order release serves
// them: round by round, one request of each waiting client a round, from
// the next client's turn. Called with g.mu held, after a release.
func (g *hashGate) reassess() {
	type late struct {
		w   *gateWaiter
		est time.Duration
	}
	var lates []late
	now := time.Now()
	for r, pos, more := 0, 0, true; more; r++ {
		more = false
		for i := range g.ring {
			o := g.ring[(g.turn+i)%len(g.ring)]
			if r >= len(o.waiting) {
				continue
			}
			more = true
			w := o.waiting[r]
			if est := time.Duration(pos/g.slots+1) * g.took; now.Add(est).After(w.deadline) {
				lates = append(lates, late{w, est})
			}
			pos++
		}
	}
	for _, l := range lates {
		g.unqueue(l.w.c, l.w)
		g.drop(l.w.c)
		g.refused.busy++
		l.w.err = refusal(503, msgBusy, l.est)
		close(l.w.ready)
	}
}

// unqueue removes w from c's waiting requests, and c from the ring when
// it has none left. Called with g.mu held.
func (g *hashGate) unqueue(c *gateClient, w *gateWaiter) {
	for i, x := range c.waiting {
		if x == w {
			c.waiting = append(c.waiting[:i], c.waiting[i+1:]...)
			break
		}
	}
	if len(c.waiting) > 0 {
		return
	}
	for i, x := range g.ring {
		if x == c {
			g.ring = append(g.ring[:i], g.ring[i+1:]...)
			if i < g.turn {
				g.turn--
			}
			return
		}
	}
}

// drop counts one request of c fewer, and forgets c when it holds none.
// Called with g.mu held.
func (g *hashGate) drop(c *gateClient) {
	c.held--
	if c.held == 0 && len(c.waiting) == 0 {
		delete(g.clients, c.name)
	}
}

// measured adds a hash's time d to the moving average.
func (g *hashGate) measured(d time.Duration) {
	g.mu.Lock()
	g.took += (d - g.took) / 8
	g.mu.Unlock()
}
