package throttle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miniweb/miniweb/framework/database"
)

// CleanEvery is how often, at most, an instance deletes the rows whose
// counts are forgotten: once per period, by the first Take after it.
const CleanEvery = 10 * time.Minute

// maxLook bounds the keys of one Look, Wait or Take.
const maxLook = 8

// Limit is how a kind of key is throttled: Free attempts without a wait,
// then a wait of Base after the Free-th attempt, doubled after each one
// after it, at most Max, until the count is forgotten, Forget after the
// last attempt. With Free 5, Base 1 s and Max 15 min, attempts 1 to 5 go
// through at once; the 6th waits 1 s after the 5th, the 7th 2 s after
// the 6th, and so on up to 15 min.
type Limit struct {
	// Name is the kind of key, the prefix of its subjects in the table:
	// "login". Two Limits of one Throttle must not share a Name.
	Name string
	// Free is the number of attempts a key is allowed before it waits; at
	// least 1.
	Free int
	// Base is the wait after the Free-th attempt, at least a millisecond.
	Base time.Duration
	// Max caps the wait; at least Base.
	Max time.Duration
	// Forget is how long after its last attempt a key's count is
	// forgotten; at least Max.
	Forget time.Duration
}

// check returns an error naming what is wrong with l.
func (l *Limit) check() error {
	switch {
	case l.Name == "" || strings.Contains(l.Name, ":"):
		return fmt.Errorf("throttle: limit name %q: want a name without a colon, such as \"login\"", l.Name)
	case l.Free < 1:
		return fmt.Errorf("throttle: limit %s: Free %d: want at least 1", l.Name, l.Free)
	case l.Base < time.Millisecond:
		return fmt.Errorf("throttle: limit %s: Base %v: want at least 1ms", l.Name, l.Base)
	case l.Max < l.Base:
		return fmt.Errorf("throttle: limit %s: Max %v: want at least Base, %v", l.Name, l.Max, l.Base)
	case l.Forget < l.Max:
		return fmt.Errorf("throttle: limit %s: Forget %v: want at least Max, %v", l.Name, l.Forget, l.Max)
	}
	return nil
}

// Key is one count: a Limit and what it counts, such as an address or
// an account and an address ("203.0.113.7 ada"). A subject is stored as
// it is: keep it short (a name the site bounds, an address).
type Key struct {
	Limit   *Limit
	Subject string
}

// id returns the key's subject column: "login:203.0.113.7 ada".
func (k Key) id() string { return k.Limit.Name + ":" + k.Subject }

// Count is what the table holds of a key.
type Count struct {
	// Attempts is the number of attempts counted; 0 for a key with no
	// row, or one forgotten.
	Attempts int64
	// Wait is how long from now until the key lets an attempt through;
	// 0 when it does now.
	Wait time.Duration
}

// Throttle counts the attempts of keys in a database's throttle table
// (see the package doc). It is safe for concurrent use, and so are
// several Throttles on one database, in one process or many.
type Throttle struct {
	db  *database.DB
	now func() time.Time

	mu   sync.Mutex
	take map[*Limit]taker // made on a Limit's first Take

	look                   [maxLook + 1]*database.Stmt // by the number of keys
	refund, clear, cleanup *database.Stmt

	cleaned atomic.Int64 // Unix ms of this instance's last cleanup

	// memo holds the waits this instance has read, subject -> Unix ms
	// until which the key waits, so that Remembered refuses a flood of
	// attempts without a query each (see Remembered).
	memoMu sync.Mutex
	memo   map[string]int64
}

// maxMemo bounds the waits a Throttle remembers.
const maxMemo = 1 << 14

// New returns a Throttle on db, whose schema has the throttle table; now
// is its clock (nil: time.Now). Its statements are prepared on first use.
func New(db *database.DB, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	t := &Throttle{db: db, now: now, take: map[*Limit]taker{}, memo: map[string]int64{},
		refund:  db.Prepared("UPDATE throttle SET attempts = attempts - 1 WHERE subject = ? AND attempts > 0"),
		clear:   db.Prepared("DELETE FROM throttle WHERE subject = ?"),
		cleanup: db.Prepared("DELETE FROM throttle WHERE expires_ms <= ?"),
	}
	for n := 1; n <= maxLook; n++ {
		t.look[n] = db.Prepared("SELECT subject, attempts, next_ms, expires_ms FROM throttle WHERE subject IN (?" +
			strings.Repeat(", ?", n-1) + ")")
	}
	return t
}

// Look returns the counts of keys, in their order, from one query.
func (t *Throttle) Look(ctx context.Context, keys ...Key) ([]Count, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if len(keys) > maxLook {
		panic(fmt.Sprintf("throttle: Look of %d keys: at most %d at once", len(keys), maxLook))
	}
	now := t.now().UnixMilli()
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k.id()
	}
	rows, err := t.look[len(keys)].QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("throttle: reading %d counts: %w", len(keys), err)
	}
	defer rows.Close()
	out := make([]Count, len(keys))
	for rows.Next() {
		var id string
		var attempts, next, expires int64
		if err := rows.Scan(&id, &attempts, &next, &expires); err != nil {
			return nil, fmt.Errorf("throttle: reading %d counts: %w", len(keys), err)
		}
		if expires <= now {
			continue // forgotten
		}
		for i := range args {
			if args[i] == id {
				out[i] = Count{Attempts: attempts, Wait: time.Duration(max(next-now, 0)) * time.Millisecond}
			}
		}
		if next > now {
			t.remember(id, next, now)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("throttle: reading %d counts: %w", len(keys), err)
	}
	return out, nil
}

// Wait returns how long until every one of keys lets an attempt
// through: 0 when all do now. It only reads.
func (t *Throttle) Wait(ctx context.Context, keys ...Key) (time.Duration, error) {
	counts, err := t.Look(ctx, keys...)
	if err != nil {
		return 0, err
	}
	var wait time.Duration
	for _, c := range counts {
		wait = max(wait, c.Wait)
	}
	return wait, nil
}

// Remembered returns the longest wait that this instance has read of
// one of keys (by Look, Wait, or a refused Take) and that still runs; 0
// when it knows of none. It makes no query: a site asks it first, so that
// a flood of attempts against a key that waits is refused at the cost of
// a map lookup, not a query each. A wait only ends when its time comes,
// or when Clear forgets the key: on another instance, that stays unknown
// here until the wait ends, so a key may be refused here a little longer
// than on the instance that cleared it.
func (t *Throttle) Remembered(keys ...Key) time.Duration {
	now := t.now().UnixMilli()
	t.memoMu.Lock()
	defer t.memoMu.Unlock()
	var wait int64
	for _, k := range keys {
		until, ok := t.memo[k.id()]
		if !ok {
			continue
		}
		if until <= now {
			delete(t.memo, k.id())
			continue
		}
		wait = max(wait, until-now)
	}
	return time.Duration(wait) * time.Millisecond
}

// remember notes that the key of subject id waits until the Unix ms
// until; now is the time now. Past maxMemo keys, the waits that ended are
// dropped, and if none has, all are: the memo only saves queries.
func (t *Throttle) remember(id string, until, now int64) {
	t.memoMu.Lock()
	defer t.memoMu.Unlock()
	if len(t.memo) >= maxMemo {
		for k, u := range t.memo {
			if u <= now {
				delete(t.memo, k)
			}
		}
		if len(t.memo) >= maxMemo {
			clear(t.memo)
		}
	}
	t.memo[id] = until
}

// Take counts an attempt against every one of keys, in order, each in
// one statement that refuses it when the key must wait. It returns 0 when
// every key took it; otherwise how long the refusing key waits (at least
// a millisecond), having given back the attempts the keys before it took
// (Refund), so that a refused attempt counts nowhere.
func (t *Throttle) Take(ctx context.Context, keys ...Key) (time.Duration, error) {
	now := t.now()
	t.clean(ctx, now)
	ms := now.UnixMilli()
	for i, k := range keys {
		tk, err := t.taker(k.Limit)
		if err != nil {
			return 0, err
		}
		// The placeholders after the first four are all the time now.
		args := []any{k.id(), tk.first, ms + tk.first, ms + k.Limit.Forget.Milliseconds()}
		for range tk.params - 4 {
			args = append(args, ms)
		}
		var attempts int64
		err = tk.stmt.QueryRowContext(ctx, args...).Scan(&attempts)
		if err == nil {
			continue
		}
		if rerr := t.Refund(ctx, keys[:i]...); rerr != nil {
			return 0, rerr
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("throttle: counting an attempt of %s: %w", k.Limit.Name, err)
		}
		wait, err := t.Wait(ctx, k)
		return max(wait, time.Millisecond), err
	}
	return 0, nil
}

// Refund gives back one attempt of each of keys: one that turned out not
// to count (a login that succeeded, against its address). The wait the
// attempt set stays.
func (t *Throttle) Refund(ctx context.Context, keys ...Key) error {
	for _, k := range keys {
		if _, err := t.refund.ExecContext(ctx, k.id()); err != nil {
			return fmt.Errorf("throttle: giving back an attempt of %s: %w", k.Limit.Name, err)
		}
	}
	return nil
}

// Clear forgets the counts of keys, their waits with them.
func (t *Throttle) Clear(ctx context.Context, keys ...Key) error {
	for _, k := range keys {
		t.memoMu.Lock()
		delete(t.memo, k.id())
		t.memoMu.Unlock()
		if _, err := t.clear.ExecContext(ctx, k.id()); err != nil {
			return fmt.Errorf("throttle: clearing the count of %s: %w", k.Limit.Name, err)
		}
	}
	return nil
}

// clean deletes the forgotten rows when this instance has not for
// CleanEvery. A failure is left for the next period: the rows only wait.
func (t *Throttle) clean(ctx context.Context, now time.Time) {
	last, ms := t.cleaned.Load(), now.UnixMilli()
	if ms-last < CleanEvery.Milliseconds() || !t.cleaned.CompareAndSwap(last, ms) {
		return
	}
	t.cleanup.ExecContext(ctx, ms)
}

// taker is the statement that takes an attempt of a Limit's key.
type taker struct {
	stmt   *database.Stmt
	params int   // its placeholders
	first  int64 // the wait of a key's first attempt, in ms: only when it is the Free-th
}

// taker returns the statement that takes an attempt of a key of l.
func (t *Throttle) taker(l *Limit) (taker, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tk, ok := t.take[l]; ok {
		return tk, nil
	}
	if err := l.check(); err != nil {
		return taker{}, err
	}
	var first int64
	if l.Free <= 1 {
		first = l.Base.Milliseconds()
	}
	q := takeQuery(l, first)
	tk := taker{stmt: t.db.Prepared(q), params: strings.Count(q, "?"), first: first}
	t.take[l] = tk
	return tk, nil
}

// takeQuery returns the statement that counts an attempt of a key of l
// unless it must wait, and returns the count: no row when it must. The
// wait is computed in the statement from the row before it, with l's
// numbers written in: no two statements, and no window between them in
// which a second attempt could pass. Its placeholders are the subject,
// the first attempt's wait, next_ms and expires_ms, then the time now,
// as many times as it is needed.
func takeQuery(l *Limit, first int64) string {
	const now = "CAST(? AS BIGINT)"
	expired := "throttle.expires_ms <= " + now
	// The wait this attempt sets, from the row before it: none for the
	// attempts before the Free-th, then Base, doubling, capped at Max.
	delay := fmt.Sprintf(`(CASE WHEN %s THEN %d
	WHEN throttle.attempts + 1 < %d THEN 0
	WHEN throttle.delay_ms = 0 THEN %d
	WHEN throttle.delay_ms * 2 >= %d THEN %d
	ELSE throttle.delay_ms * 2 END)`,
		expired, first, l.Free, l.Base.Milliseconds(), l.Max.Milliseconds(), l.Max.Milliseconds())
	return fmt.Sprintf(`INSERT INTO throttle (subject, attempts, delay_ms, next_ms, expires_ms)
VALUES (?, 1, %[1]s, %[1]s, %[1]s)
ON CONFLICT (subject) DO UPDATE SET
	attempts = CASE WHEN %[2]s THEN 1 ELSE throttle.attempts + 1 END,
	delay_ms = %[3]s,
	next_ms = %[1]s + %[3]s,
	expires_ms = %[1]s + %[4]d
WHERE throttle.next_ms <= %[1]s OR %[2]s
RETURNING attempts`, now, expired, delay, l.Forget.Milliseconds())
}
