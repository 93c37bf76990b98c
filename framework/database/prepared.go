package database

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
)

// Stmt is a statement of a DB prepared once and reused by every call,
// as Python's sqlite3 caches its statements: SQLite then parses and plans
// it once per connection instead of once per query (in modernc, half the
// CPU of the demo's watch-list statements), and PostgreSQL, through pgx,
// runs it by name. It is made by [DB.Prepared], prepared on its first use
// and closed by [DB.Close]. Safe for concurrent use.
//
// database/sql keeps the statement prepared on each connection of the
// pool: a connection that lacks it, such as one opened after the database
// came back, prepares it again on its first use there. Errors are those of
// the same query unprepared: [Unavailable] tells a lost database from a
// wrong query alike.
type Stmt struct {
	db    *DB
	query string // rebound for db's dialect

	// ps is the prepared statement; nil until a prepare succeeds. A failed
	// prepare (the database is down) is not kept: the next call tries again.
	ps atomic.Pointer[sql.Stmt]
}

// stmts are the prepared statements of a DB, which DB.Close closes.
type stmts struct {
	mu     sync.Mutex
	list   []*sql.Stmt
	closed bool
}

// errClosed is Stmt's error once its DB is closed.
var errClosed = errors.New("database: prepared statement of a closed database")

// Prepared returns query, written with ? placeholders (see [DB.Rebind]),
// as a statement prepared on its first use and reused after. It is cheap:
// nothing is sent to the database until then. Make each statement once,
// when the site starts, and keep it:
//
//	userName := db.Prepared("SELECT name FROM users WHERE id = ?")
//	...
//	err := userName.QueryRowContext(ctx, id).Scan(&name)
func (db *DB) Prepared(query string) *Stmt {
	return &Stmt{db: db, query: db.Rebind(query)}
}

// Close closes the statements of [DB.Prepared], then the database (see
// [sql.DB.Close]).
func (db *DB) Close() error {
	db.stmts.mu.Lock()
	list := db.stmts.list
	db.stmts.list, db.stmts.closed = nil, true
	db.stmts.mu.Unlock()
	for _, ps := range list {
		ps.Close()
	}
	return db.DB.Close()
}

// Query returns the statement's text, rebound for its database.
func (s *Stmt) Query() string { return s.query }

// prepare returns s prepared, preparing it within ctx the first time.
// Calls that meet an unprepared s at once each prepare it, and all but the
// first to finish close theirs: a prepare is not worth making callers
// wait on each other beyond their own deadlines while the database is
// down.
func (s *Stmt) prepare(ctx context.Context) (*sql.Stmt, error) {
	if ps := s.ps.Load(); ps != nil {
		return ps, nil
	}
	ps, err := s.db.DB.PrepareContext(ctx, s.query)
	if err != nil {
		return nil, err
	}
	if !s.ps.CompareAndSwap(nil, ps) {
		ps.Close()
		return s.ps.Load(), nil
	}
	st := &s.db.stmts
	st.mu.Lock()
	closed := st.closed
	if !closed {
		st.list = append(st.list, ps)
	}
	st.mu.Unlock()
	if closed {
		ps.Close()
		return nil, errClosed
	}
	return ps, nil
}

// QueryContext runs the statement with args and returns its rows, as
// [sql.DB.QueryContext].
func (s *Stmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	ps, err := s.prepare(ctx)
	if err != nil {
		return nil, err
	}
	return ps.QueryContext(ctx, args...)
}

// QueryRowContext runs the statement with args for at most one row, as
// [sql.DB.QueryRowContext]. When the statement cannot be prepared, the
// query runs unprepared, so that the returned row carries the error of
// that: a *sql.Row holds its error, and none can be made outside
// database/sql.
func (s *Stmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	ps, err := s.prepare(ctx)
	if err != nil {
		return s.db.DB.QueryRowContext(ctx, s.query, args...)
	}
	return ps.QueryRowContext(ctx, args...)
}

// ExecContext runs the statement with args, as [sql.DB.ExecContext].
func (s *Stmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	ps, err := s.prepare(ctx)
	if err != nil {
		return nil, err
	}
	return ps.ExecContext(ctx, args...)
}

// InTx returns the statement for use in tx, which must be of the same
// database (see [sql.Tx.StmtContext]): it reuses the statement already
// prepared on tx's connection, or prepares it there for tx's life.
func (s *Stmt) InTx(ctx context.Context, tx *sql.Tx) (*sql.Stmt, error) {
	ps, err := s.prepare(ctx)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, ps), nil
}
