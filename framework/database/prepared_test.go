package database

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework/database/databasetest"
)

// hang is how long a test waits for an event before it fails: only a hang
// reaches it, however loaded the machine.
const hang = 60 * time.Second

// createNotes makes the table of the tests of Prepared.
func createNotes(t *testing.T, db *DB) {
	t.Helper()
	if _, err := db.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
}

// TestPrepared runs statements of Prepared on both databases: written
// with ?, rebound, prepared once (by the first of concurrent callers) and
// reused, on as many connections as the pool holds at once.
func TestPrepared(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db *DB, _ string) {
		ctx := t.Context()
		createNotes(t, db)
		insert := db.Prepared("INSERT INTO notes (id, body) VALUES (?, ?)")
		body := db.Prepared("SELECT body FROM notes WHERE id = ?")
		list := db.Prepared("SELECT id, body FROM notes WHERE id <= ? ORDER BY id")
		if db.Dialect == Postgres && body.Query() != "SELECT body FROM notes WHERE id = $1" {
			t.Errorf("Query() = %q: not rebound", body.Query())
		}

		// Concurrent first uses: each row inserted once, one statement kept.
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				res, err := insert.ExecContext(ctx, i+1, "note")
				if err == nil {
					if k, _ := res.RowsAffected(); k != 1 {
						err = errors.New("insert changed no row")
					}
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		ps := insert.ps.Load()
		if ps == nil {
			t.Fatal("insert is not kept prepared")
		}

		// Rows held open at once take several connections of the pool;
		// each prepares the statement it lacks.
		var held []*sql.Rows
		for range 3 {
			rows, err := list.QueryContext(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, rows)
		}
		for _, rows := range held {
			var ids []int
			for rows.Next() {
				var id int
				var b string
				if err := rows.Scan(&id, &b); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			if len(ids) != 2 || ids[0] != 1 || ids[1] != 2 {
				t.Errorf("list(2) = %v, want [1 2]", ids)
			}
		}

		var got string
		if err := body.QueryRowContext(ctx, 3).Scan(&got); err != nil || got != "note" {
			t.Errorf("body(3) = %q, %v; want note", got, err)
		}
		if err := body.QueryRowContext(ctx, 99).Scan(&got); !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("body(99): %v, want sql.ErrNoRows", err)
		}
		if insert.ps.Load() != ps {
			t.Error("insert was prepared again")
		}
		db.stmts.mu.Lock()
		kept := len(db.stmts.list)
		db.stmts.mu.Unlock()
		if kept != 3 {
			t.Errorf("%d statements kept for Close, want 3", kept)
		}
	})
}

// TestPreparedErrors checks that a statement that cannot be prepared
// fails as the same query unprepared, a wrong query (500), not a lost
// database (503), by every method; and that the failure is not kept: the
// statement works once its table exists.
func TestPreparedErrors(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db *DB, _ string) {
		ctx := t.Context()
		body := db.Prepared("SELECT body FROM notes WHERE id = ?")
		_, qerr := body.QueryContext(ctx, 1)
		var s string
		rerr := body.QueryRowContext(ctx, 1).Scan(&s)
		_, eerr := db.Prepared("DELETE FROM notes WHERE id = ?").ExecContext(ctx, 1)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, terr := body.InTx(ctx, tx)
		tx.Rollback()
		for name, err := range map[string]error{"QueryContext": qerr, "QueryRowContext": rerr, "ExecContext": eerr, "InTx": terr} {
			if err == nil || Unavailable(err) || errors.Is(err, sql.ErrNoRows) {
				t.Errorf("%s on a missing table: %v; want a query error", name, err)
			}
		}

		createNotes(t, db)
		if err := body.QueryRowContext(ctx, 1).Scan(&s); !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("after CREATE TABLE: %v, want sql.ErrNoRows", err)
		}
	})
}

// TestPreparedInTx checks that a prepared statement runs inside a
// transaction, on its connection: rolled back with it, or committed.
func TestPreparedInTx(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db *DB, _ string) {
		ctx := t.Context()
		createNotes(t, db)
		insert := db.Prepared("INSERT INTO notes (id, body) VALUES (?, ?)")
		count := db.Prepared("SELECT COUNT(*) FROM notes")
		for _, commit := range []bool{false, true} {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			ins, err := insert.InTx(ctx, tx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ins.ExecContext(ctx, 1, "in tx"); err != nil {
				t.Fatal(err)
			}
			cnt, err := count.InTx(ctx, tx)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := cnt.QueryRowContext(ctx).Scan(&n); err != nil || n != 1 {
				t.Errorf("count in the transaction = %d, %v; want 1", n, err)
			}
			if commit {
				err = tx.Commit()
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if commit {
				want = 1
			}
			if err := count.QueryRowContext(ctx).Scan(&n); err != nil || n != want {
				t.Errorf("count after commit=%v = %d, %v; want %d", commit, n, err, want)
			}
		}
	})
}

// TestPreparedClose checks that Close closes the statements with the
// database: a statement used after is an error, not a panic or a leak.
func TestPreparedClose(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, db *DB, _ string) {
		ctx := t.Context()
		one := db.Prepared("SELECT 1")
		var n int
		if err := one.QueryRowContext(ctx).Scan(&n); err != nil || n != 1 {
			t.Fatalf("SELECT 1 = %d, %v", n, err)
		}
		later := db.Prepared("SELECT 2")
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := one.QueryRowContext(ctx).Scan(&n); err == nil {
			t.Error("a statement of a closed database ran")
		}
		if err := later.QueryRowContext(ctx).Scan(&n); err == nil {
			t.Error("a statement first used after Close ran")
		}
		if _, err := later.QueryContext(ctx); err == nil {
			t.Error("a statement first used after Close ran")
		}
	})
}

// TestPreparedLost stops the PostgreSQL server under prepared statements:
// they fail as Unavailable while it is gone, and work again when it is
// back, database/sql preparing them on the new connections.
func TestPreparedLost(t *testing.T) {
	t.Parallel()
	c := databasetest.Private(t)
	ctx := t.Context()
	u, err := c.CreateDatabase(ctx, "prepared")
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, u, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	createNotes(t, db)
	insert := db.Prepared("INSERT INTO notes (id, body) VALUES (?, ?)")
	body := db.Prepared("SELECT body FROM notes WHERE id = ?")
	if _, err := insert.ExecContext(ctx, 1, "before"); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := body.QueryRowContext(ctx, 1).Scan(&s); err != nil {
		t.Fatal(err)
	}

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err = body.QueryRowContext(qctx, 1).Scan(&s)
	cancel()
	if !Unavailable(err) {
		t.Errorf("query with the server stopped: %v; want Unavailable", err)
	}
	qctx, cancel = context.WithTimeout(ctx, 2*time.Second)
	_, err = insert.ExecContext(qctx, 2, "during")
	cancel()
	if !Unavailable(err) {
		t.Errorf("insert with the server stopped: %v; want Unavailable", err)
	}

	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// database/sql drops the dead connections as they fail; a call or two
	// may still meet one.
	deadline := time.Now().Add(hang)
	for {
		_, err := insert.ExecContext(ctx, 2, "after")
		if err == nil {
			break
		}
		if !Unavailable(err) || time.Now().After(deadline) {
			t.Fatalf("insert after the restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := body.QueryRowContext(ctx, 2).Scan(&s); err != nil || s != "after" {
		t.Errorf("body(2) after the restart = %q, %v", s, err)
	}
}
