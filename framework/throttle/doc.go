// Package throttle slows down repeated attempts, logins and sign-ups, by
// counting them per key in the site's SQL database: every instance of a
// site behind a balancer reads and writes the same counts.
//
// A [Limit] says how many attempts a key is allowed without a wait (Free),
// then how long each further one waits: Base after the Free-th, doubled
// with each attempt after it, capped at Max. A key's count is forgotten
// Forget after its last attempt. A [Key] is a Limit and a subject, such as
// the pair of an account and a client address:
//
//	pair := &throttle.Limit{Name: "login", Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
//	th := throttle.New(db, time.Now)
//	keys := []throttle.Key{{Limit: pair, Subject: throttle.Client(env.RemoteAddr) + " " + name}}
//	if wait, err := th.Take(ctx, keys...); err != nil || wait > 0 {
//		... // a 429 with Retry-After: wait, before any costly work
//	}
//
// [Throttle.Take] counts an attempt before the work it guards, in one
// statement per key that refuses it when the key must wait: of many
// attempts sent at once, no more than the allowed ones get through, on
// any number of instances. [Throttle.Wait] only reads, for a refusal that
// costs no write, and [Throttle.Remembered] not even that: it answers from
// the waits this instance has already read, so that a flood against a key
// that waits costs a map lookup per attempt, not a query. After the work, [Throttle.Refund] gives an attempt back
// (a success that should not count against a shared key) and
// [Throttle.Clear] forgets a key (a success that ends a pair's backoff).
//
// The counts live in the table throttle, which the site creates in one of
// its migrations, the same SQL for SQLite and PostgreSQL:
//
//	CREATE TABLE throttle (
//		subject    TEXT PRIMARY KEY,  -- the Limit's Name, ":", the Key's Subject
//		attempts   BIGINT NOT NULL,   -- attempts counted since the count began
//		delay_ms   BIGINT NOT NULL,   -- the wait the last attempt set, in ms
//		next_ms    BIGINT NOT NULL,   -- Unix ms before which no attempt is let through
//		expires_ms BIGINT NOT NULL    -- Unix ms after which the row is forgotten
//	);
//	CREATE INDEX throttle_expires ON throttle (expires_ms);
//
// Rows forgotten are deleted by a Take at most once per [CleanEvery] on
// each instance, not on every request.
package throttle
