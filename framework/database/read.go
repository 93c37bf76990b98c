package database

import (
	"context"
	"time"
)

// ReadContext returns the context in which to run a read-only statement
// (a SELECT) of a request whose context is ctx, bounded by timeout, and
// the function that releases it, to be deferred:
//
//   - on PostgreSQL, ctx without its end but bounded by timeout: a read
//     waits on the network, and a lost server must cost a request its
//     bound, not more; but a client that leaves does not end it. pgx
//     ends a query whose context ends by asking the server to cancel it
//     (a connection of its own) and closing the connection, which the
//     pool must then open again: a client's cheapest way to make the
//     server work, and under load a pool of connections closed behind
//     its back (a request then met "driver: bad connection"). A read of
//     the demo's takes a millisecond; it runs to its end;
//   - on SQLite, ctx without its end ([context.WithoutCancel]), and a
//     release that does nothing. In WAL mode a read waits for no writer:
//     what it may wait for (a checkpoint's or a recovery's moment) is
//     bounded by the busy timeout (Options.BusyTimeout), and the read
//     itself is the CPU's. A context that can end costs each statement
//     two goroutines, database/sql's and the driver's watchers, a quarter
//     of the CPU of the demo's watch list's statement; a read whose
//     client left runs to its end, microseconds.
//
// Writes, SQLite's too, take ctx bounded by timeout: a writer waits for
// the write lock, which another connection may hold for as long as it
// likes.
func (db *DB) ReadContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if db.Dialect == SQLite {
		return context.WithoutCancel(ctx), noCancel
	}
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}

// noCancel is ReadContext's release on SQLite.
func noCancel() {}
