package demo

import (
	"context"
	"database/sql"
	"errors"

	"github.com/miniweb/miniweb/framework/database"
)

// store is the demo's data in its SQL database: the tables of Migrations.
// Every query takes its input as parameters, never as SQL text, and is
// written once, with ? placeholders, for both databases; it is rebound
// once, in newStore, and prepared once, on its first use (see
// database.Stmt): parsing and planning were a fifth of the CPU of a
// signed-in watch list. On SQLite that halves the CPU of its two
// statements (BenchmarkWatchlistPage: 46 -> 24 µs); on PostgreSQL it is
// unchanged, pgx caching statements per connection already. Methods take
// the request's context, bounded by the caller (see site.queryContext and
// site.readContext). A nil *store is a site built without a database
// (server -check): its methods return errNoDatabase.
type store struct {
	db *database.DB
	q  queries
	// cache is the market in memory (marketcache.go), watches the watch
	// lists (watchcache.go).
	cache   *marketCache
	watches *watchCache
}

// queries are the store's statements, prepared for its database.
type queries struct {
	// marketClaim reads the market's version, the session's check and
	// the codes its user follows; marketRows the stocks, in the order of
	// its key, one statement per sort of /center.py (marketOrders), when
	// the copy in memory is not of that version (marketcache.go).
	marketClaim *database.Stmt
	marketRows  map[string]*database.Stmt

	createUser  *database.Stmt
	userByName  *database.Stmt
	userByID    *database.Stmt // the check of a session on the pages that run no other statement
	password    *database.Stmt
	setPassword *database.Stmt
	endSessions *database.Stmt

	watchClaim *database.Stmt // the market's version, the session's check and the watch list's tag
	watchlist  *database.Stmt // the same, and the stocks the user follows
	follow     *database.Stmt
	unfollow   *database.Stmt
	setNote    *database.Stmt
}

// marketOrders are the sorts of /center.py?sort=...: ORDER BY clauses
// chosen from this table by key, never made from the request. Codes and
// names ascending (names in the database's collation: by code point on
// SQLite, by the database's locale on PostgreSQL); prices and changes from
// the highest; ties by code.
var marketOrders = map[string]string{
	"code":   "s.code",
	"name":   "s.name, s.code",
	"price":  "s.price DESC, s.code",
	"change": "s.change_pct DESC, s.code",
}

// errNoDatabase is the store's error when the site was built without a
// database: a 503 page, should it ever serve.
var errNoDatabase = errors.New("demo: the site was built without a database (server -check)")

// newStore returns the store on db, its statements rebound for db's
// dialect, to be prepared on their first use; db.Close closes them.
func newStore(db *database.DB) *store {
	cache, marketRows := newMarketCache(db)
	q := queries{
		marketClaim: db.Prepared(marketClaimQuery),
		marketRows:  marketRows,

		// ON CONFLICT DO NOTHING: a taken name returns no row, without an
		// error to tell from others.
		createUser: db.Prepared("INSERT INTO users (name, password_hash) VALUES (?, ?) ON CONFLICT (name) DO NOTHING RETURNING id"),
		userByName: db.Prepared("SELECT id, password_hash, session_generation FROM users WHERE name = ?"),
		userByID:   db.Prepared("SELECT name, session_generation FROM users WHERE id = ?"),
		password:   db.Prepared("SELECT password_hash FROM users WHERE id = ?"),
		// Both UPDATEs act only for a current session, and return the
		// generation its cookie is to carry from now on: of two devices
		// ending each other's sessions at once, one wins.
		setPassword: db.Prepared(`UPDATE users SET password_hash = ?, session_generation = session_generation + 1
WHERE id = ? AND name = ? AND session_generation = ? RETURNING session_generation`),
		endSessions: db.Prepared(`UPDATE users SET session_generation = session_generation + 1
WHERE id = ? AND name = ? AND session_generation = ? RETURNING session_generation`),

		// The session's check and the page in one statement (one read
		// transaction, one WAL read lock on SQLite; one round trip on
		// PostgreSQL): watchClaim's one row while the copy in memory is
		// current (watchcache.go), else watchlist's.
		watchClaim: db.Prepared(watchClaimQuery),
		watchlist:  db.Prepared(watchlistQuery),
		follow:     db.Prepared("INSERT INTO watchlist (user_id, code) VALUES (?, ?) ON CONFLICT (user_id, code) DO NOTHING RETURNING code"),
		unfollow:   db.Prepared("DELETE FROM watchlist WHERE user_id = ? AND code = ?"),
		setNote:    db.Prepared("UPDATE watchlist SET note = ? WHERE user_id = ? AND code = ?"),
	}
	return &store{db: db, q: q, cache: cache, watches: newWatchCache(watchBudget)}
}

// market returns every stock in the order of sort, a key of marketOrders
// (another is "code"), each flagged when the user of session c follows
// it, and what the same statement found of c. The stocks come from
// memory while the market is unchanged (marketcache.go).
func (st *store) market(ctx context.Context, c claim, sort string) ([]Stock, verdict, error) {
	if st == nil {
		return nil, unchecked, errNoDatabase
	}
	if _, ok := marketOrders[sort]; !ok {
		sort = "code"
	}
	cl, err := st.marketClaim(ctx, c)
	if err != nil {
		return nil, unchecked, err
	}
	m, err := st.marketAt(ctx, sort, cl.version)
	if err != nil {
		return nil, unchecked, err
	}
	out := make([]Stock, len(m.stocks))
	for i, s := range m.stocks {
		s.Followed = cl.followed[s.Code]
		out[i] = s
	}
	return out, cl.verdict, nil
}

// stock returns the stock code, flagged when the user of session c
// follows it, and what the same statement found of c; sql.ErrNoRows when
// there is none (and the verdict unchecked).
func (st *store) stock(ctx context.Context, c claim, code string) (Stock, verdict, error) {
	if st == nil {
		return Stock{}, unchecked, errNoDatabase
	}
	cl, err := st.marketClaim(ctx, c)
	if err != nil {
		return Stock{}, unchecked, err
	}
	m, err := st.marketAt(ctx, "code", cl.version)
	if err != nil {
		return Stock{}, unchecked, err
	}
	i, ok := m.at[code]
	if !ok {
		return Stock{}, unchecked, sql.ErrNoRows
	}
	s := m.stocks[i]
	s.Followed = cl.followed[code]
	return s, cl.verdict, nil
}

// createUser adds the user name with its password hash and returns its
// id; ok is false when the name is taken.
func (st *store) createUser(ctx context.Context, name string, hash []byte) (id int64, ok bool, err error) {
	if st == nil {
		return 0, false, errNoDatabase
	}
	err = st.q.createUser.QueryRowContext(ctx, name, string(hash)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// userByName returns the id, password hash and session generation of the
// user name; sql.ErrNoRows when there is none.
func (st *store) userByName(ctx context.Context, name string) (id int64, hash []byte, gen int64, err error) {
	if st == nil {
		return 0, nil, 0, errNoDatabase
	}
	var h string
	err = st.q.userByName.QueryRowContext(ctx, name).Scan(&id, &h, &gen)
	return id, []byte(h), gen, err
}

// userByID returns the name and session generation of user id;
// sql.ErrNoRows when there is none.
func (st *store) userByID(ctx context.Context, id int64) (name string, gen int64, err error) {
	if st == nil {
		return "", 0, errNoDatabase
	}
	err = st.q.userByID.QueryRowContext(ctx, id).Scan(&name, &gen)
	return name, gen, err
}

// password returns the password hash of user id; sql.ErrNoRows when there
// is none.
func (st *store) password(ctx context.Context, id int64) ([]byte, error) {
	if st == nil {
		return nil, errNoDatabase
	}
	var h string
	if err := st.q.password.QueryRowContext(ctx, id).Scan(&h); err != nil {
		return nil, err
	}
	return []byte(h), nil
}

// setPassword sets the password hash of the user of session c and ends
// every session of the user, c's included: it returns the generation
// that c's cookie is to carry to stay signed in. ok is false, and nothing
// changed, when c was no longer current.
func (st *store) setPassword(ctx context.Context, c claim, hash []byte) (gen int64, ok bool, err error) {
	if st == nil {
		return 0, false, errNoDatabase
	}
	return scanGen(st.q.setPassword.QueryRowContext(ctx, string(hash), c.id, c.name, c.gen))
}

// endSessions ends every session of the user of session c, every copy of
// every cookie on every instance, c's included: it returns the generation
// that c's cookie is to carry to stay signed in. ok is false, and nothing
// changed, when c was no longer current: a stale cookie ends nothing.
func (st *store) endSessions(ctx context.Context, c claim) (gen int64, ok bool, err error) {
	if st == nil {
		return 0, false, errNoDatabase
	}
	return scanGen(st.q.endSessions.QueryRowContext(ctx, c.id, c.name, c.gen))
}

// scanGen reads the generation an UPDATE ... RETURNING gave; ok is false
// when it updated no row.
func scanGen(row *sql.Row) (gen int64, ok bool, err error) {
	err = row.Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return gen, err == nil, err
}

// watchClaimQuery reads the market's version, whether user ? has the
// session's name ? and generation ?, and the tag of its watch list: one
// row, whether or not the user is there. Two booleans rather than the
// user's name and generation: the name is not shown (the session has
// it), and a string the fewer to make.
const watchClaimQuery = `SELECT m.version, COALESCE(u.name = ?, FALSE), COALESCE(u.session_generation = ?, FALSE),
COALESCE(u.watch_tag, 0)
FROM market_version m
LEFT JOIN users u ON u.id = ?`

// watchlistQuery reads what watchClaimQuery does, and the codes and notes
// of the stocks the user follows, by code: a user who follows nothing is
// one row with no code.
const watchlistQuery = `SELECT m.version, COALESCE(u.name = ?, FALSE), COALESCE(u.session_generation = ?, FALSE),
COALESCE(u.watch_tag, 0), w.code, COALESCE(w.note, '')
FROM market_version m
LEFT JOIN users u ON u.id = ?
LEFT JOIN watchlist w ON w.user_id = u.id
ORDER BY w.code`

// watchClaimed is what watchClaimQuery and watchlistQuery read of the
// market and the session.
type watchClaimed struct {
	version        int64 // the market's
	named, sameGen bool  // the session's name and generation are the user's
	tag            int64 // the watch list's
}

// verdict returns the verdict on the session, and the flash of a stale
// one (as judge).
func (w *watchClaimed) verdict() (verdict, string) {
	switch {
	case !w.named:
		return stale, msgUserGone
	case !w.sameGen:
		return stale, msgSessionEnded
	}
	return current, ""
}

// watchlist returns the database's verdict on session c, with the flash
// of a stale one (as judge), and the stocks c's user follows, by code,
// each with its note, name and price. One statement of one row checks
// the session and reads the list's tag; the list comes from memory while
// its copy has that tag, else from a second statement (watchcache.go); the
// names and prices come from the market in memory at the version read
// (marketcache.go). A stale session gets no rows.
func (st *store) watchlist(ctx context.Context, c claim) (v verdict, msg string, rows []Watched, err error) {
	if st == nil {
		return unchecked, "", nil, errNoDatabase
	}
	var w watchClaimed
	err = st.q.watchClaim.QueryRowContext(ctx, c.name, c.gen, c.id).Scan(&w.version, &w.named, &w.sameGen, &w.tag)
	if errors.Is(err, sql.ErrNoRows) {
		return unchecked, "", nil, errNoVersion
	}
	if err != nil {
		return unchecked, "", nil, err
	}
	if v, msg := w.verdict(); v != current {
		return v, msg, nil, nil
	}
	list, ok := st.watches.get(c.id, w.tag)
	if !ok {
		if w, list, err = st.readWatchlist(ctx, c); err != nil {
			return unchecked, "", nil, err
		}
		if v, msg := w.verdict(); v != current {
			return v, msg, nil, nil
		}
		st.watches.put(c.id, newWatchCopy(w.tag, list))
	}
	m, err := st.marketAt(ctx, "code", w.version)
	if err != nil {
		return unchecked, "", nil, err
	}
	rows = make([]Watched, 0, len(list))
	for _, f := range list {
		i, ok := m.at[f.code]
		if !ok {
			continue // gone from the market since (a later version's copy)
		}
		s := &m.stocks[i]
		rows = append(rows, Watched{Code: s.Code, Name: s.Name, Price: s.Price, PriceText: s.PriceText, Note: f.note})
	}
	return current, "", rows, nil
}

// readWatchlist reads session c's check and its user's list with its
// tag, in one statement (watchlistQuery).
func (st *store) readWatchlist(ctx context.Context, c claim) (w watchClaimed, list []followed, err error) {
	st.watches.loads.Add(1)
	q, err := st.q.watchlist.QueryContext(ctx, c.name, c.gen, c.id)
	if err != nil {
		return w, nil, err
	}
	defer q.Close()
	found := false
	for q.Next() {
		var code sql.NullString
		var note string
		if err := q.Scan(&w.version, &w.named, &w.sameGen, &w.tag, &code, &note); err != nil {
			return w, nil, err
		}
		found = true
		if code.Valid {
			list = append(list, followed{code.String, note})
		}
	}
	if err := q.Err(); err != nil {
		return w, nil, err
	}
	if !found {
		return w, nil, errNoVersion
	}
	return w, list, nil
}

// follow adds the stock code to user's watch list; added is false when it
// was there already, which leaves the row (and its note) as it was. The
// stock must exist (a foreign key).
func (st *store) follow(ctx context.Context, user int64, code string) (added bool, err error) {
	if st == nil {
		return false, errNoDatabase
	}
	var got string
	err = st.q.follow.QueryRowContext(ctx, user, code).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// unfollow removes the stock code from user's watch list; removed is false
// when it was not there.
func (st *store) unfollow(ctx context.Context, user int64, code string) (removed bool, err error) {
	if st == nil {
		return false, errNoDatabase
	}
	return st.exec(ctx, st.q.unfollow, user, code)
}

// setNote sets user's note on the stock code; found is false when user
// does not follow it.
func (st *store) setNote(ctx context.Context, user int64, code, note string) (found bool, err error) {
	if st == nil {
		return false, errNoDatabase
	}
	return st.exec(ctx, st.q.setNote, note, user, code)
}

// exec runs a statement and reports whether it changed a row.
func (st *store) exec(ctx context.Context, stmt *database.Stmt, args ...any) (bool, error) {
	if st == nil {
		return false, errNoDatabase
	}
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
