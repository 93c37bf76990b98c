package database

import (
	"context"
	"errors"
	"testing"
)

// TestReadContext runs a read in ReadContext's context on both databases
// while another connection holds a write on the row it reads: it answers
// at once with the committed row. The read runs to its end for a request
// whose client has left, while a write in that request's context fails:
// on SQLite its context has no end at all (no watcher goroutines), on
// PostgreSQL only its deadline.
func TestReadContext(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db *DB, _ string) {
		createNotes(t, db)
		if _, err := db.Exec(db.Rebind("INSERT INTO notes (id, body) VALUES (?, ?)"), 1, "committed"); err != nil {
			t.Fatal(err)
		}
		read := db.Prepared("SELECT body FROM notes WHERE id = ?")

		// Another connection's write, not committed: SQLite's write lock.
		tx, err := db.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec(db.Rebind("UPDATE notes SET body = ? WHERE id = ?"), "uncommitted", 1); err != nil {
			t.Fatal(err)
		}

		ctx, cancel := db.ReadContext(t.Context(), hang)
		var body string
		if err := read.QueryRowContext(ctx, 1).Scan(&body); err != nil || body != "committed" {
			t.Errorf("read beside a write: %q, %v; want the committed row", body, err)
		}
		cancel()

		left, leave := context.WithCancel(t.Context()) // the request's client leaves
		leave()
		ctx, cancel = db.ReadContext(left, hang)
		defer cancel()
		body = ""
		if err := read.QueryRowContext(ctx, 1).Scan(&body); err != nil || body != "committed" {
			t.Errorf("read for a client that left: %q, %v; want the committed row", body, err)
		}
		switch db.Dialect {
		case SQLite:
			if ctx.Done() != nil {
				t.Error("SQLite's read context can end: each statement would start two watcher goroutines")
			}
		case Postgres:
			if _, ok := ctx.Deadline(); !ok {
				t.Error("PostgreSQL's read context has no deadline")
			}
		}
		// A write in the request's context ends with it.
		if _, err := db.ExecContext(left, db.Rebind("INSERT INTO notes (id, body) VALUES (?, ?)"), 2, "late"); !errors.Is(err, context.Canceled) {
			t.Errorf("write for a client that left: %v, want context.Canceled", err)
		}
	})
}
