package main

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// attack is one run of n slow connections.
type attack struct {
	addr     string
	plan     plan
	interval time.Duration // between two bytes of one connection
	limit    time.Duration // the most a connection lives, from its dial

	open    atomic.Int64    // connections whose reader runs
	readers sync.WaitGroup  // the readers
	late    []time.Duration // how late each paced write (silent: dial) began
}

// run runs n connections and returns their outcomes. It calls onStarted
// once every connection has sent its first byte or failed to, and
// onPaced once the writes are over and every connection is closed.
//
// The bytes of every connection are written by pace, on one thread, each
// at its own time: connection i's k-th write at base + (k*n+i)*interval/n.
// One goroutine per connection sleeping between its bytes would be the
// obvious shape, but Go's timers wake an idle program with millisecond
// precision, so 1,000 of them write in bursts of ten or so every
// millisecond rather than one byte every 100µs. Each connection has a
// reader of its own, blocked until the server answers or closes; no
// deadline is moved per byte.
func (a *attack) run(n int, onStarted func(started), onPaced func(paced)) []outcome {
	conns := make([]*slowConn, n)
	for i := range conns {
		conns[i] = &slowConn{a: a}
	}
	if a.plan.dialFirst {
		a.dialAll(conns)
	}
	base := time.Now().Add(10 * time.Millisecond)
	step := a.interval / time.Duration(n)
	stop := base.Add(a.limit)
	chunks := a.plan.chunks()
	var first sync.WaitGroup
	first.Add(n)
	paced := make(chan struct{})
	go func() {
		defer close(paced)
		firsts := 0 // first.Done calls made, or due to the dials' goroutines
		defer func() {
			for ; firsts < n; firsts++ { // pacing stopped early
				first.Done()
			}
		}()
		if !a.plan.dialFirst {
			a.late = pace(base, step, n, stop, func(i int) bool {
				firsts++
				go func() {
					defer first.Done()
					conns[i].dial()
					conns[i].first = conns[i].dialStart
				}()
				return true
			})
			return
		}
		a.late = pace(base, step, n*len(chunks), stop, func(j int) bool {
			c, k := conns[j%n], j/n
			if k == 0 {
				firsts++
				defer first.Done()
			}
			if c.c == nil || c.done.Load() {
				return a.open.Load() > 0
			}
			if k == 0 {
				c.first = time.Now()
			}
			c.c.Write([]byte(chunks[k])) // a failed write: the server closed, the reader says how
			return true
		})
	}()

	first.Wait()
	onStarted(summary(conns))
	<-paced
	a.readers.Wait()
	onPaced(summarizeLate(a.late))
	out := make([]outcome, n)
	for i, c := range conns {
		out[i] = c.outcome(i)
	}
	return out
}

// summary sums up the first bytes of conns.
func summary(conns []*slowConn) started {
	var s started
	for _, c := range conns {
		if c.first.IsZero() || c.c == nil {
			s.Failed++
			continue
		}
		s.Started++
		if s.First.IsZero() || c.first.Before(s.First) {
			s.First = c.first
		}
		if c.first.After(s.Last) {
			s.Last = c.first
		}
	}
	return s
}

// summarizeLate sums up the lateness of the paced writes.
func summarizeLate(late []time.Duration) paced {
	p := paced{Writes: len(late)}
	if len(late) == 0 {
		return p
	}
	slices.Sort(late)
	p.LateP50, p.LateP99, p.LateMax = late[len(late)/2], late[len(late)*99/100], late[len(late)-1]
	return p
}

// dialAll opens every connection, 100 at a time.
func (a *attack) dialAll(conns []*slowConn) {
	sem := make(chan struct{}, 100)
	var wg sync.WaitGroup
	for _, c := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c.dial()
		})
	}
	wg.Wait()
}

// pace calls do(j) for j = 0 to n-1, each at base + j*step, until stop
// passes or do reports false, and returns how late each call was. It runs
// on a thread of its own, which sleeps with the kernel's timers (see
// sleepUntil): a late call is made at once, and the calls after it keep to
// their times.
func pace(base time.Time, step time.Duration, n int, stop time.Time, do func(j int) bool) (late []time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	preciseSleeps()
	for j := range n {
		at := base.Add(time.Duration(j) * step)
		if at.After(stop) {
			return late
		}
		sleepUntil(at)
		late = append(late, time.Since(at))
		if !do(j) {
			return late
		}
	}
	return late
}
